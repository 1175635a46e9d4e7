"""The inspections' to-do items (to fix, to verify) and the command-view panel, and the
board page's queries bounded whatever the number of items."""

from datetime import timedelta

from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from fangkong.core.command import panels_for
from fangkong.core.tasks import tasks_for
from fangkong.inspections import services
from fangkong.inspections.testing import (
    answer_all,
    install_checklists,
    make_community,
    make_inspector,
    photo,
)
from fangkong.orgs.testing import ProvinceMixin


class WorkbenchTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_checklists()
        super().setUpTestData()
        cls.ivan = make_inspector(cls.t)
        make_community(cls.t)

    def finished(self, fail=("thermometers",)):
        visit = services.plan_visit(actor=self.ivan, unit=self.t.comm)
        answer_all(visit, self.ivan, fail=fail)
        return services.finish_visit(actor=self.ivan, visit=visit)

    def kinds(self, user, now=None):
        return [t.kind for t in tasks_for(user, now) if t.kind.startswith("inspections.")]

    def test_to_fix_for_the_liaison_urgent_when_overdue_then_to_verify(self):
        t = self.t
        rect = self.finished()[0]
        self.assertEqual(self.kinds(t.lily), ["inspections.to_fix"])
        late = [
            x
            for x in tasks_for(t.lily, rect.due_at + timedelta(hours=1))
            if x.kind == "inspections.to_fix"
        ]
        self.assertTrue(late[0].urgent)
        self.assertEqual(self.kinds(t.charlie), [])
        services.report_fix(actor=t.lily, rect=rect, note="已补齐", photos=[photo()])
        self.assertEqual(self.kinds(t.lily), [])
        self.assertEqual(self.kinds(self.ivan), ["inspections.to_verify"])
        self.assertEqual(self.kinds(t.olga), ["inspections.to_verify"])
        self.assertEqual(self.kinds(t.charlie), [])

    def panel(self, user, unit):
        shown = panels_for(user, unit, timezone.now(), only="inspections.rectifications")
        return shown[0]["data"] if shown else None

    def test_the_command_panel_counts_the_subtree(self):
        t = self.t
        self.assertIsNone(self.panel(t.olga, t.group_a))
        self.finished()
        figures = {str(f["label"]): f["value"] for f in self.panel(t.olga, t.group_a)["figures"]}
        self.assertEqual(list(figures.values()), [1, 0, 0, 0])
        self.assertIsNone(self.panel(t.charlie, t.group_b))
        self.assertIsNone(self.panel(t.olga, t.a_hq))  # nothing in that subtree

    def test_the_board_page_s_queries_do_not_grow_with_the_items(self):
        t = self.t
        for _ in range(3):
            self.finished(fail=("thermometers", "plan", "staff-meals"))
        self.client.force_login(t.olga)
        url = reverse("inspections:board") + f"?unit={t.group_a.code}"
        self.client.get(url)
        with self.assertMaxQueries(16):
            r = self.client.get(url)
        self.assertContains(r, 'data-testid="repeats"')

    def assertMaxQueries(self, n):
        from contextlib import contextmanager

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        @contextmanager
        def check():
            with CaptureQueriesContext(connection) as captured:
                yield
            self.assertLessEqual(len(captured), n, [q["sql"][:120] for q in captured])

        return check()
