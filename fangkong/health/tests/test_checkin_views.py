import io
from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from fangkong.core.models import AccessLog
from fangkong.health.models import CheckIn, CheckInLink, HealthCase
from fangkong.health.services import checkins as services
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Person
from fangkong.orgs.testing import ProvinceMixin
from fangkong.reporting.testing import ShippedFormsMixin

DAY = date(2020, 2, 3)
MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class GridAndUploadTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        cls.big = orgs.create_unit(
            actor=t.root, parent=t.a_sub, code="a-big", name="Big site", kind=UnitKind.SITE
        )
        Person.objects.bulk_create(
            [
                Person(
                    group=t.group_a,
                    unit=cls.big,
                    unit_path=cls.big.path,
                    employee_no=f"G{i:03}",
                    name=f"Worker {i}",
                )
                for i in range(300)
            ]
        )
        orgs.refresh_head_counts([cls.big.pk])
        cls.grid = reverse("health:checkin_grid", args=["a-big"])

    def test_the_liaison_checks_in_300_people_with_one_save(self):
        t = self.t
        self.client.force_login(t.alice)
        page = self.client.get(self.grid)
        self.assertEqual(page.status_code, 200)
        people = list(Person.objects.filter(unit=self.big))
        form = {"day": "2020-02-03", "idempotency_key": "grid-1"}
        for p in people:
            form |= {f"t_{p.pk}": "36.5", f"w_{p.pk}": "at_post", f"c_{p.pk}": "on_post"}
        form[f"t_{people[0].pk}"] = "38.0"  # the one exception typed
        form[f"x_{people[1].pk}"] = "1"  # absent today
        response = self.client.post(self.grid, form)
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CheckIn.objects.filter(unit=self.big).count(), 299)
        self.assertEqual(HealthCase.objects.get().person, people[0])
        overview = self.client.get(reverse("health:checkins") + "?unit=a-big&day=2020-02-03")
        self.assertContains(overview, 'data-testid="checked-in">299<')
        self.assertContains(overview, people[1].name)  # in the "not checked in" list

    def test_a_bad_row_in_the_grid_saves_nothing_and_is_shown(self):
        self.client.force_login(self.t.alice)
        people = list(Person.objects.filter(unit=self.big)[:2])
        form = {"day": "2020-02-03"}
        for p in Person.objects.filter(unit=self.big):
            form |= {f"t_{p.pk}": "36.5"}
        form[f"t_{people[1].pk}"] = "98.6"
        response = self.client.post(self.grid, form)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Fahrenheit")
        self.assertFalse(CheckIn.objects.exists())

    def test_outsiders_get_404(self):
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(self.grid).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("health:checkins") + "?unit=a-big").status_code, 404
        )
        self.assertEqual(
            self.client.get(reverse("health:person", args=[self.t.p_hq.pk])).status_code, 404
        )

    def test_excel_template_round_trip_and_a_bad_sheet(self):
        t = self.t
        self.client.force_login(t.alice)
        template = self.client.get(reverse("health:checkin_template", args=["a-site-1"]))
        sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[1][0], "A002")
        sheet.cell(2, 3, 37.9)
        out = io.BytesIO()
        sheet.parent.save(out)
        out.seek(0)
        out.name = "c.xlsx"
        upload = reverse("health:checkin_upload", args=["a-site-1"])
        response = self.client.post(upload, {"file": out, "day": "2020-02-03"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CheckIn.objects.get().source, "excel")
        bad = Workbook()
        bad.active.append(["工号", "体温(℃)"])
        bad.active.append(["A002", "abc"])
        bad.active.append(["NOPE", "36.5"])
        out = io.BytesIO()
        bad.save(out)
        out.seek(0)
        out.name = "bad.xlsx"
        response = self.client.post(upload, {"file": out, "day": "2020-02-03"})
        # Each problem by its row and its column as the sheet names it (issue 10).
        self.assertEqual(
            [(e.row, e.column) for e in response.context["row_errors"]],
            [(2, "体温(℃)"), (3, "工号")],
        )
        self.assertEqual(str(CheckIn.objects.get().temperature), "37.9")  # nothing else changed

    def test_export_is_watermarked_and_logged(self):
        t = self.t
        self.client.force_login(t.alice)
        services.check_in_unit(
            actor=t.alice,
            unit=t.group_a,
            day=DAY,
            rows=[{"employee_no": "A001", "temperature": "36.4"}],
        )
        response = self.client.get(
            reverse("health:checkin_export", args=["group-a"]) + "?day=2020-02-03"
        )
        book = load_workbook(io.BytesIO(response.content))
        self.assertIn("alice", book.worksheets[1].cell(1, 1).value)
        self.assertTrue(AccessLog.objects.filter(object_type="checkin", action="export").exists())


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class PhonePageTests(ShippedFormsMixin, ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.link = services.issue_links(actor=cls.t.root, people=[cls.t.p_site_1])[0]
        cls.url = reverse("health:self_checkin", args=[services.link_token(cls.link)])

    def test_the_phone_page_is_light_and_checks_in_without_a_login(self):
        page = self.client.get(self.url)
        self.assertEqual(page.status_code, 200)
        self.assertLess(len(page.content), 30_000)
        self.assertNotIn(b"<script", page.content)
        response = self.client.post(
            self.url,
            {"temperature": "37.8", "whereabouts": "at_post", "category": "on_post", "key": "k"},
        )
        self.assertContains(response, 'data-testid="fever-advice"')
        # A retry of the same submission (same key) changes nothing.
        self.client.post(self.url, {"temperature": "37.8", "key": "k"})
        self.assertEqual(CheckIn.objects.get().revision_count, 1)
        self.assertEqual(HealthCase.objects.count(), 1)

    def test_a_first_check_in_is_two_queries_and_counted_once(self):
        """The morning peak's POST: the link (one indexed query) and the check-in with its
        tally and the link's last use (one statement on PostgreSQL; three and a savepoint
        elsewhere). A double submit (same key) and the same values again change nothing;
        new values are a revision, and the tally still counts one person."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from fangkong.health.models import CheckInTally

        form = {"temperature": "36.6", "whereabouts": "at_post", "category": "on_post", "key": "a"}
        with CaptureQueriesContext(connection) as captured:
            response = self.client.post(self.url, form)
        self.assertContains(response, 'data-testid="done"')
        self.assertContains(response, "36.6 °C")
        self.assertContains(response, 'data-testid="correct"')
        self.assertNotContains(response, "<form")
        self.assertEqual(len(captured), 2 if connection.vendor == "postgresql" else 6)
        self.client.post(self.url, form)  # the double tap
        self.client.post(self.url, {**form, "key": "b"})  # the same values, another key
        checkin = CheckIn.objects.get()
        self.assertEqual((checkin.revision_count, checkin.source), (1, "link"))
        self.assertEqual(checkin.unit_path, self.t.p_site_1.unit_path)
        self.assertIsNotNone(CheckInLink.objects.get(pk=self.link.pk).last_used_at)
        self.client.post(self.url, {**form, "temperature": "36.8", "key": "c"})
        checkin.refresh_from_db()
        self.assertEqual((checkin.revision_count, str(checkin.temperature)), (2, "36.8"))
        tally = CheckInTally.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((tally.category, tally.checked_in, tally.fever), ("on_post", 1, 0))
        self.assertEqual(tally.at_post, 1)
        self.assertEqual(HealthCase.objects.count(), 0)
        # The form again, with today's values, to correct them.
        page = self.client.get(self.url)
        self.assertContains(page, 'value="36.8"')
        self.assertContains(page, "Already checked in today")

    def test_a_fever_on_a_first_check_in_opens_a_case_and_counts_the_fever(self):
        from fangkong.health.models import CheckInTally

        self.client.post(self.url, {"temperature": "36.5", "key": "a"})  # first: no fever
        response = self.client.post(self.url, {"temperature": "38.2", "key": "b"})
        self.assertContains(response, 'data-testid="fever-advice"')
        self.assertEqual(HealthCase.objects.count(), 1)
        tally = CheckInTally.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((tally.checked_in, tally.fever), (1, 1))

    def test_a_bad_temperature_is_explained(self):
        response = self.client.post(self.url, {"temperature": "98.6"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "Fahrenheit", status_code=400)

    def test_revoked_and_unknown_links_explain_themselves(self):
        services.revoke_link(actor=self.t.root, person=self.t.p_site_1)
        response = self.client.get(self.url)
        self.assertContains(response, "replaced", status_code=404)
        self.assertEqual(
            self.client.get(reverse("health:self_checkin", args=["x"])).status_code, 404
        )
        self.assertEqual(CheckInLink.objects.filter(revoked_at__isnull=True).count(), 0)

    def test_the_report_prefill_counts_the_fever(self):
        from fangkong.reporting.models import ReportForm
        from fangkong.reporting.prefill import derived_values

        self.client.post(self.url, {"temperature": "37.8"})
        derived = derived_values(ReportForm.objects.get(code="daily"), self.t.a_site_1, DAY)
        self.assertEqual(derived["fever_today"], 1)
        self.assertEqual(derived["staff_total"], 1)
        self.assertEqual(derived["on_post"], 1)


class SecretPathTests(TestCase):
    def test_the_access_log_never_shows_a_check_in_token(self):
        from fangkong.core.gunicorn_logger import redact

        self.assertEqual(redact("/health/c/12.abc:sig/"), "/health/c/…/")
        self.assertEqual(redact("/health/checkins/"), "/health/checkins/")

    def test_django_does_not_log_the_path_of_a_bad_link(self):
        with self.assertNoLogs("django.request", level="WARNING"):
            self.client.get(reverse("health:self_checkin", args=["12.abc:sig"]))
