"""Two requests about one person at the same moment (a double tap on the phone page, two
liaisons, a retry racing the original), each a thread with its own connection on
PostgreSQL: they answer as if they had come one after the other, never with a 500.
Plus the numbers typed with a Chinese IME on every way in."""

from datetime import UTC, date, datetime
from decimal import Decimal
from unittest import skipIf

import time_machine
from django.db import connection
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.urls import reverse

from fangkong.core.errors import Conflict
from fangkong.core.testing import run_in_threads
from fangkong.health.models import CheckIn, CheckInLink, CheckInRevision, CheckInTally, HealthCase
from fangkong.health.services import cases
from fangkong.health.services import checkins as services
from fangkong.orgs.testing import ProvinceMixin, make_province
from fangkong.reporting.testing import ShippedFormsMixin

DAY = date(2020, 2, 3)
MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)

race = skipIf(
    connection.vendor == "sqlite",
    "SQLite's writers never run at the same moment; the in-memory test database even "
    "fails a second writer at once instead of letting it wait",
)


@race
@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class PersonRaceTests(ShippedFormsMixin, TransactionTestCase):
    def setUp(self):
        self.t = make_province()

    def test_a_double_tap_on_the_phone_page_checks_in_once(self):
        link = services.issue_links(actor=self.t.root, people=[self.t.p_site_1])[0]
        url = reverse("health:self_checkin", args=[services.link_token(link)])
        form = {
            "temperature": "38.5",
            "whereabouts": "at_post",
            "category": "on_post",
            "key": "tap-1",
        }
        answers = []
        run_in_threads(lambda n: answers.append(Client().post(url, form).status_code))
        self.assertEqual(answers, [200, 200])
        checkin = CheckIn.objects.get()
        self.assertEqual((checkin.temperature, checkin.revision_count), (Decimal("38.5"), 1))
        self.assertFalse(CheckInRevision.objects.exists())
        self.assertEqual(HealthCase.objects.count(), 1)
        self.assertEqual(CheckInTally.objects.get().checked_in, 1)

    def test_two_batches_naming_one_person_save_one_check_in(self):
        self.client.force_login(self.t.alice)
        rows = [{"employee_no": "A002", "temperature": "36.6"}]
        answers = []

        def batch(n):
            client = Client()
            client.force_login(self.t.alice)
            answers.append(
                client.post(
                    "/api/v1/checkins",
                    content_type="application/json",
                    data={"unit": "group-a", "day": "2020-02-03", "checkins": rows},
                ).json()
            )

        run_in_threads(batch)
        self.assertEqual(sorted((a["created"], a["unchanged"]) for a in answers), [(0, 1), (1, 0)])
        self.assertEqual(CheckIn.objects.count(), 1)

    def test_two_liaisons_reporting_one_case_open_it_once(self):
        outcomes = []

        def report(n):
            try:
                cases.report_case(actor=self.t.root, person=self.t.p_site_1, temperature="38.2")
                outcomes.append("opened")
            except Conflict as exc:
                outcomes.append(exc.code)

        run_in_threads(report)
        self.assertEqual(sorted(outcomes), ["case_open", "opened"])
        self.assertEqual(HealthCase.objects.count(), 1)

    def test_a_check_in_and_a_hand_report_at_once_make_one_case(self):
        outcomes = []

        def write(n):
            try:
                if n:
                    cases.report_case(actor=self.t.root, person=self.t.p_site_1, note="call")
                else:
                    services.check_in_unit(
                        actor=self.t.root,
                        unit=self.t.a_site_1,
                        day=DAY,
                        rows=[{"person": self.t.p_site_1.pk, "temperature": "39.0"}],
                    )
                outcomes.append("ok")
            except Conflict as exc:
                outcomes.append(exc.code)

        run_in_threads(write)
        self.assertEqual(HealthCase.objects.count(), 1)
        self.assertIn(sorted(outcomes), (["ok", "ok"], ["case_open", "ok"]))

    def test_two_issuers_of_a_link_make_one(self):
        made = []
        run_in_threads(
            lambda n: made.extend(services.issue_links(actor=self.t.root, people=[self.t.p_site_1]))
        )
        self.assertEqual(CheckInLink.objects.count(), 1)
        self.assertEqual(made[0].nonce, made[1].nonce)


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class TypedTemperatureTests(ShippedFormsMixin, ProvinceMixin, TestCase):
    """Seen: "３８．１" typed with a Chinese IME was refused while "38,1" was accepted."""

    def test_the_phone_page_reads_full_width_digits_and_the_ideographic_stop(self):
        link = services.issue_links(actor=self.t.root, people=[self.t.p_site_1])[0]
        url = reverse("health:self_checkin", args=[services.link_token(link)])
        response = self.client.post(url, {"temperature": "３８．１", "key": "a"})
        self.assertContains(response, 'data-testid="fever-advice"')
        self.assertEqual(CheckIn.objects.get().temperature, Decimal("38.1"))
        self.assertEqual(HealthCase.objects.get().temperature, Decimal("38.1"))
        self.client.post(url, {"temperature": "38。1", "key": "b"})  # the same reading
        self.assertEqual(CheckIn.objects.get().revision_count, 1)

    def test_the_grid_and_the_api_read_them_too(self):
        self.client.force_login(self.t.alice)
        grid = reverse("health:checkin_grid", args=["a-site-1"])
        pid = self.t.p_site_1.pk
        response = self.client.post(
            grid,
            {
                "day": "2020-02-03",
                f"t_{pid}": "３６．８",
                f"w_{pid}": "at_post",
                f"c_{pid}": "on_post",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(CheckIn.objects.get(person_id=pid).temperature, Decimal("36.8"))
        api = self.client.post(
            "/api/v1/checkins",
            content_type="application/json",
            data={
                "unit": "group-a",
                "day": "2020-02-03",
                "checkins": [{"employee_no": "A001", "temperature": "３８"}],
            },
        )
        self.assertEqual(api.status_code, 200, api.content)
        self.assertEqual(CheckIn.objects.get(person=self.t.p_hq).temperature, Decimal("38.0"))


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class DoubleSubmitPageTests(ShippedFormsMixin, ProvinceMixin, TestCase):
    def test_a_second_hand_report_lands_on_the_open_case(self):
        self.client.force_login(self.t.alice)
        url = reverse("health:case_report", args=[self.t.p_site_1.pk])
        first = self.client.post(url, {"temperature": "３８．２", "note": "called in"})
        case = HealthCase.objects.get()
        self.assertEqual(case.temperature, Decimal("38.2"))
        again = self.client.post(url, {"temperature": "38.2", "note": "called in"})
        self.assertEqual(first["Location"], again["Location"])
        self.assertEqual(again["Location"], reverse("health:case_detail", args=[case.pk]))
        self.assertEqual(HealthCase.objects.count(), 1)
