"""Pages of inspections: the visit on a phone answered by htmx, finishing it, the item's
page (fix with evidence, verification, supplies), the board, the reports, the plans; the
outsider gets 404 everywhere."""

import io

from django.test import TestCase
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.inspections import services
from fangkong.inspections.choices import RectState, VisitState
from fangkong.inspections.models import Assignment, Rectification
from fangkong.inspections.testing import (
    answer_all,
    install_checklists,
    make_community,
    make_inspector,
    photo,
)
from fangkong.orgs.testing import ProvinceMixin


class PageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_checklists()
        super().setUpTestData()
        cls.ivan = make_inspector(cls.t)
        make_community(cls.t)

    def setUp(self):
        self.visit = services.plan_visit(actor=self.ivan, unit=self.t.comm)

    def finished(self, fail=("thermometers",)):
        answer_all(self.visit, self.ivan, fail=fail)
        return services.finish_visit(actor=self.ivan, visit=self.visit)

    def test_home_lists_my_visits_and_the_nav_entry(self):
        r = self.login(self.ivan).get(reverse("inspections:home"))
        self.assertContains(r, self.t.comm.name)
        self.assertContains(r, reverse("inspections:visit_new"))

    def test_plan_a_visit_warns_of_others_this_week(self):
        c = self.login(self.t.olga)
        url = reverse("inspections:visit_new")
        r = c.get(url, {"unit": self.t.comm.code})
        self.assertContains(r, 'data-testid="other-visits"')
        r = c.post(url, {"unit": self.t.comm.code, "day": self.visit.day.isoformat()})
        self.assertContains(r, 'data-field="confirm"')
        r = c.post(
            url, {"unit": self.t.comm.code, "day": self.visit.day.isoformat(), "confirm": "1"}
        )
        self.assertEqual(r.status_code, 302)

    def test_answer_by_htmx_returns_the_item_and_the_progress(self):
        c = self.login(self.ivan)
        url = reverse("inspections:visit_answer", args=[self.visit.pk])
        r = c.post(url, {"item": "thermometers", "result": "fail"}, HTTP_HX_REQUEST="true")
        self.assertContains(r, 'data-field="photos"')
        r = c.post(
            url,
            {"item": "thermometers", "result": "fail", "note": "只有1把", "photos": photo()},
            HTTP_HX_REQUEST="true",
        )
        self.assertContains(r, 'data-testid="answer-photo"')
        self.assertContains(r, 'hx-swap-oob="true"')
        self.assertEqual(self.visit.answers.get().note, "只有1把")

    def test_visit_page_and_finish(self):
        c = self.login(self.ivan)
        r = c.get(reverse("inspections:visit_detail", args=[self.visit.pk]))
        self.assertContains(r, "体温枪配备充足")
        self.assertContains(r, "防疫物资发放及缺口")
        answer_all(self.visit, self.ivan, fail=("thermometers",))
        r = c.post(reverse("inspections:visit_finish", args=[self.visit.pk]), follow=True)
        self.assertContains(r, 'data-testid="findings"')
        self.visit.refresh_from_db()
        self.assertEqual(self.visit.state, VisitState.DONE)
        self.assertEqual(Rectification.objects.filter(visit=self.visit).count(), 1)

    def test_fix_without_evidence_is_refused_then_verified_by_the_office(self):
        rect = self.finished()[0]
        lily = self.login(self.t.lily)
        r = lily.post(reverse("inspections:rectification_fix", args=[rect.pk]), {"note": "已补齐"})
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'data-field="photos"', status_code=400)
        r = lily.post(
            reverse("inspections:rectification_supplies", args=[rect.pk]), {"quantity": "2"}
        )
        self.assertEqual(r.status_code, 302)
        r = lily.post(
            reverse("inspections:rectification_fix", args=[rect.pk]),
            {"note": "已配发体温枪", "photos": photo()},
        )
        self.assertEqual(r.status_code, 302)
        olga = self.login(self.t.olga)
        r = olga.get(reverse("inspections:rectification_detail", args=[rect.pk]))
        self.assertContains(r, 'data-testid="verify-form"')
        self.assertContains(r, 'data-testid="supply-request"')
        r = olga.post(
            reverse("inspections:rectification_verify", args=[rect.pk]), {"decision": "accept"}
        )
        rect.refresh_from_db()
        self.assertEqual(rect.state, RectState.CLOSED)
        r = olga.get(reverse("inspections:board"), {"unit": self.t.group_a.code})
        self.assertContains(r, 'data-testid="fig-closed">1<')

    def test_the_owner_is_picked_from_the_unit_s_people(self):
        rect = self.finished()[0]
        c = self.login(self.t.olga)
        url = reverse("inspections:rectification_owner", args=[rect.pk])
        r = c.post(url, {"owner": self.t.p_b.employee_no})
        self.assertContains(r, 'data-field="owner"', status_code=400)
        r = c.post(url, {"owner": "C001"})
        self.assertEqual(r.status_code, 302)
        rect.refresh_from_db()
        self.assertEqual(rect.owner, self.t.p_lily)

    def test_the_fixer_sees_no_verify_form(self):
        rect = self.finished()[0]
        services.report_fix(actor=self.t.olga, rect=rect, note="已补齐", photos=[photo()])
        r = self.login(self.t.olga).get(reverse("inspections:rectification_detail", args=[rect.pk]))
        self.assertNotContains(r, 'data-testid="verify-form"')
        r = self.client.post(
            reverse("inspections:rectification_verify", args=[rect.pk]), {"decision": "accept"}
        )
        self.assertEqual(r.status_code, 400)
        self.assertContains(r, 'data-field="verified_by"', status_code=400)

    def test_reports(self):
        self.finished()
        c = self.login(self.t.olga)
        r = c.get(reverse("inspections:visit_report_xlsx", args=[self.visit.pk]))
        sheet = load_workbook(io.BytesIO(r.content)).active
        labels = [row[1] for row in sheet.iter_rows(values_only=True)]
        self.assertIn("体温枪配备充足", labels)
        self.assertIn("olga", sheet.oddHeader.center.text)
        r = c.get(reverse("inspections:visit_report_pdf", args=[self.visit.pk]))
        self.assertEqual(r["Content-Type"], "application/pdf")
        self.assertTrue(r.content.startswith(b"%PDF"))

    def test_plans_for_the_office_not_for_a_liaison(self):
        c = self.login(self.t.olga)
        r = c.post(
            reverse("inspections:plans"), {"inspector": self.ivan.pk, "unit": self.t.a_sub.code}
        )
        self.assertEqual(r.status_code, 302)
        self.assertTrue(Assignment.objects.filter(inspector=self.ivan, unit=self.t.a_sub).exists())
        r = c.get(reverse("inspections:plans"))
        self.assertContains(r, self.t.a_sub.name)
        [row] = r.context["rows"]
        self.assertIsNone(row.last_visit)
        visit = services.plan_visit(actor=self.ivan, unit=self.t.a_sub)
        [row] = c.get(reverse("inspections:plans")).context["rows"]
        self.assertEqual(row.next_visit, visit.day)
        self.assertEqual(self.login(self.t.bob).get(reverse("inspections:plans")).status_code, 404)

    def test_empty_states(self):
        c = self.login(self.t.olga)
        r = c.get(reverse("inspections:board"), {"unit": self.t.group_a.code})
        self.assertContains(r, 'data-testid="repeats"')
        r = c.get(reverse("inspections:home"))
        self.assertEqual(r.status_code, 200)

    def test_the_outsider_gets_404_everywhere(self):
        rect = self.finished()[0]
        photo_id = self.visit.photos.first().pk
        c = self.login(self.t.charlie)
        for url in (
            reverse("inspections:visit_detail", args=[self.visit.pk]),
            reverse("inspections:visit_report_xlsx", args=[self.visit.pk]),
            reverse("inspections:visit_report_pdf", args=[self.visit.pk]),
            reverse("inspections:rectification_detail", args=[rect.pk]),
            reverse("inspections:photo", args=[photo_id]),
            reverse("inspections:board") + f"?unit={self.t.group_a.code}",
            reverse("inspections:visit_new"),
            reverse("inspections:plans"),
        ):
            with self.subTest(url=url):
                self.assertEqual(c.get(url).status_code, 404)
        for url in (
            reverse("inspections:visit_answer", args=[self.visit.pk]),
            reverse("inspections:visit_finish", args=[self.visit.pk]),
            reverse("inspections:rectification_fix", args=[rect.pk]),
            reverse("inspections:rectification_verify", args=[rect.pk]),
            reverse("inspections:rectification_supplies", args=[rect.pk]),
            reverse("inspections:rectification_owner", args=[rect.pk]),
        ):
            with self.subTest(url=url):
                self.assertEqual(c.post(url, {"item": "plan", "result": "pass"}).status_code, 404)
