from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import timezone

from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.reporting import services
from fangkong.reporting.models import Assignment, DailyReport
from fangkong.reporting.testing import make_reporting_province

DAY = date(2020, 2, 3)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)


def rows_post(form, changes=None, extra=None):
    """The edit page's POST for the current fields, with some changed."""
    data = {}
    fields = list(form.current_version().fields.all())
    for i, f in enumerate(fields):
        data.update(
            {
                f"code_{i}": f.code,
                f"label_{i}": f.label,
                f"kind_{i}": f.kind,
                f"uom_{i}": f.unit_of_measure,
                f"rollup_{i}": f.rollup,
                f"required_{i}": "1" if f.required else "",
            }
        )
    data.update(changes or {})
    rows = len(fields)
    for row in extra or []:
        data.update({f"{k}_{rows}": v for k, v in row.items()})
        rows += 1
    data["rows"] = rows
    return data


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(BEFORE, tick=False)
class FormVersionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()

    def test_edit_publishes_a_new_version_and_old_reports_keep_theirs(self):
        old = services.file_report(
            actor=self.t.root,
            form=self.t.sasac_form,
            unit=self.t.group_a,
            day=DAY,
            values={"confirmed": 0, "suspected": 0},
        )
        self.client.force_login(self.t.sasac)  # office on the whole province
        url = reverse("reporting:form_edit", args=["sasac"])
        self.assertContains(self.client.get(url), "confirmed")
        data = rows_post(
            self.t.sasac_form,
            extra=[
                {
                    "code": "asymptomatic",
                    "label": "无症状感染者",
                    "kind": "count",
                    "rollup": "sum",
                    "required": "1",
                }
            ],
        )
        data["rules"] = "confirmed + suspected >= confirmed"
        self.assertRedirects(self.client.post(url, data), reverse("reporting:setup"))
        form = self.t.sasac_form
        self.assertEqual(form.current_version().number, 2)
        self.assertIn("asymptomatic", [f.code for f in form.current_version().fields.all()])
        self.assertEqual(DailyReport.objects.get(pk=old.report.pk).version.number, 1)
        with self.assertRaises(InvalidInput):  # the new field is required now
            services.file_report(
                actor=self.t.root,
                form=form,
                unit=self.t.group_b,
                day=DAY,
                values={"confirmed": 0, "suspected": 0},
            )

    def test_bad_edits_are_refused_with_reasons(self):
        self.client.force_login(self.t.sasac)
        url = reverse("reporting:form_edit", args=["sasac"])
        data = rows_post(
            self.t.sasac_form,
            extra=[{"code": "Bad Code", "label": "", "kind": "count", "rollup": "sum"}],
        )
        data["rules"] = "confirmed <= nowhere\nnonsense"
        response = self.client.post(url, data)
        self.assertContains(response, 'data-testid="errors"')
        self.assertEqual(self.t.sasac_form.current_version().number, 1)

    def test_only_an_office_covering_every_filer_may_edit(self):
        with self.assertRaises(PermissionDeniedInScope):  # olga's office covers group A only
            services.publish_form_version(actor=self.t.olga, form=self.t.daily, fields=[], rules=[])
        self.client.force_login(self.t.olga)
        self.assertEqual(
            self.client.get(reverse("reporting:form_edit", args=["daily"])).status_code, 404
        )
        self.client.force_login(self.t.bob)
        self.assertEqual(self.client.get(reverse("reporting:setup")).status_code, 404)


@override_settings(LANGUAGE_CODE="en")
class AssignmentPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()

    def test_office_creates_and_ends_an_assignment_in_its_scope(self):
        self.client.force_login(self.t.olga)
        response = self.client.post(
            reverse("reporting:assignment_create"),
            {
                "form": "sasac",
                "root": "a-sub",
                "deadline": "08:30",
                "grace_minutes": "10",
                "reminders": "30, 10",
                "unit_kinds": ["site"],
            },
            follow=True,
        )
        self.assertContains(response, "The assignment has been created.")
        assignment = Assignment.objects.get(form__code="sasac", root=self.t.a_sub)
        self.assertEqual((assignment.reminder_minutes, assignment.grace_minutes), ([30, 10], 10))
        created, _removed = services.sync_expected(self.t.sasac_form, timezone.localdate())
        self.assertGreaterEqual(created, 2)
        self.client.post(reverse("reporting:assignment_end", args=[assignment.pk]))
        assignment.refresh_from_db()
        self.assertIsNotNone(assignment.active_to)

    def test_outside_scope_is_refused(self):
        self.client.force_login(self.t.olga)
        response = self.client.post(
            reverse("reporting:assignment_create"), {"form": "daily", "root": "b-sub"}, follow=True
        )
        self.assertContains(response, "Give a form, a unit code in your scope")
        other = Assignment.objects.get(root=self.t.group_b)
        self.assertEqual(
            self.client.post(reverse("reporting:assignment_end", args=[other.pk])).status_code, 404
        )
        self.assertIsNone(Assignment.objects.get(pk=other.pk).active_to)


class SetupPageWordsTests(TestCase):
    """The setup page names unit and site kinds in Chinese, never by their codes (issue 10)."""

    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.create_assignment(
            actor=cls.t.root,
            form=cls.t.sasac_form,
            root=cls.t.group_a,
            unit_kinds=["subsidiary", "site"],
            site_kinds=["heat_station", "duty_brigade"],
            reminder_minutes=[60, 15],
        )

    def test_kinds_in_words(self):
        self.client.force_login(self.t.root)
        page = self.client.get(reverse("reporting:setup")).content.decode()
        rows = page.split('data-testid="assignments"')[1].split("</table>")[0]
        self.assertIn("子公司、场所", rows)
        self.assertIn("热力站、执勤大队", rows)
        self.assertIn("提前 60, 15 分钟", rows)
        for code in ("subsidiary", "heat_station", "duty_brigade", "<code>"):
            self.assertNotIn(code, rows)
