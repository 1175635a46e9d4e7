"""No figure nobody measured (虚报, seed 004; issue 9, item 7): the grid prefills no
temperature and saves no blank row; "all normal, as reported" records who vouched; every
proxy entry is marked wherever check-ins are shown; a person's own check-in is replaced
by a proxy entry only with a confirmation and a reason."""

import io
import json
from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.errors import InvalidInput
from fangkong.health.models import CheckIn
from fangkong.health.services import checkins as services
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.testing import ProvinceMixin

DAY = date(2020, 2, 3)
MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class GridRulesTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        cls.site = orgs.create_unit(
            actor=t.root, parent=t.a_sub, code="a-gate", name="Gate", kind=UnitKind.SITE
        )
        cls.people = [
            orgs.create_person(actor=t.root, unit=cls.site, employee_no=f"G{i}", name=f"Guard {i}")
            for i in range(3)
        ]
        cls.grid = reverse("health:checkin_grid", args=["a-gate"])

    def form(self, **rows):
        """What the page posts untouched (place and category of every row), plus `rows`."""
        data = {"day": "2020-02-03", "idempotency_key": "k"}
        for p in self.people:
            data |= {f"w_{p.pk}": "at_post", f"c_{p.pk}": "on_post"}
        return data | rows

    def test_nothing_is_prefilled_and_an_untouched_grid_saves_nothing(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(self.grid).content.decode()
        # Seen: every row prefilled 36.5, so one click of Save recorded temperatures.
        self.assertNotIn('value="36.5"', page)
        self.assertIn(f'name="t_{self.people[0].pk}" value=""', page)
        response = self.client.post(self.grid, self.form())
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "Nothing to save")
        self.assertFalse(CheckIn.objects.exists())

    def test_blank_rows_are_not_saved_and_a_vouched_row_records_who_vouched(self):
        a, b, c = self.people
        self.client.force_login(self.t.alice)
        response = self.client.post(self.grid, self.form(**{f"t_{a.pk}": "36.7", f"v_{b.pk}": "1"}))
        self.assertEqual(response.status_code, 302)
        saved = {x.person_id: x for x in CheckIn.objects.all()}
        self.assertEqual(set(saved), {a.pk, b.pk})  # c left blank: no check-in
        self.assertEqual((saved[a.pk].temperature, saved[a.pk].vouched_by), (Decimal("36.7"), None))
        self.assertEqual((saved[b.pk].temperature, saved[b.pk].vouched_by), (None, self.t.alice))
        self.assertTrue(all(x.is_proxy for x in saved.values()))

    def test_all_normal_as_reported_vouches_for_every_blank_row(self):
        a, b, c = self.people
        self.client.force_login(self.t.alice)
        self.client.post(
            self.grid, self.form(**{f"t_{a.pk}": "36.7", f"x_{c.pk}": "1", "vouch_blank": "1"})
        )
        saved = {x.person_id: x for x in CheckIn.objects.all()}
        self.assertEqual(set(saved), {a.pk, b.pk})  # c absent
        self.assertIsNone(saved[a.pk].vouched_by)  # measured
        self.assertEqual(saved[b.pk].vouched_by, self.t.alice)

    def test_a_symptom_without_a_reading_or_a_voucher_is_refused(self):
        a = self.people[0]
        self.client.force_login(self.t.alice)
        response = self.client.post(self.grid, self.form(**{f"s_{a.pk}": "cough"}))
        self.assertContains(response, "Enter the body temperature", status_code=200)
        self.assertFalse(CheckIn.objects.exists())

    def test_a_persons_own_check_in_is_replaced_only_with_a_confirmation_and_a_reason(self):
        t = self.t
        a, b, _c = self.people
        link = services.issue_links(actor=t.root, people=[a])[0]
        services.check_in_self(link=link, raw={"temperature": "36.6"})
        self.client.force_login(t.alice)
        # The row as the page shows it (the person's own values) is left alone.
        untouched = self.form(**{f"t_{a.pk}": "36.6", f"t_{b.pk}": "36.8"})
        self.assertEqual(self.client.post(self.grid, untouched).status_code, 302)
        own = CheckIn.objects.get(person=a)
        self.assertEqual((own.source, own.revision_count), ("link", 1))
        changed = self.form(**{f"t_{a.pk}": "37.0"})
        refused = self.client.post(self.grid, changed)
        self.assertContains(refused, "checked in themselves at 08:30")
        self.assertContains(refused, 'data-testid="replace-own"')
        self.assertEqual(CheckIn.objects.get(person=a).temperature, Decimal("36.6"))
        no_reason = self.client.post(self.grid, changed | {"replace_own": "1"})
        self.assertContains(no_reason, "Give the reason")
        done = self.client.post(
            self.grid, changed | {"replace_own": "1", "replace_reason": "Measured at the gate"}
        )
        self.assertEqual(done.status_code, 302)
        replaced = CheckIn.objects.get(person=a)
        self.assertEqual((replaced.temperature, replaced.source), (Decimal("37.0"), "proxy"))
        revision = replaced.revisions.get()
        self.assertEqual(
            (revision.values["temperature"], revision.values["source"]), ("36.6", "link")
        )
        self.assertEqual(revision.reason, "Measured at the gate")

    def test_the_service_refuses_too(self):
        t = self.t
        a = self.people[0]
        link = services.issue_links(actor=t.root, people=[a])[0]
        services.check_in_self(link=link, raw={"temperature": "36.6"})
        with self.assertRaises(InvalidInput) as ctx:
            services.check_in_unit(
                actor=t.alice,
                unit=self.site,
                day=DAY,
                source="excel",
                rows=[{"employee_no": "G0", "temperature": "37.2"}],
            )
        self.assertIn("row 1", ctx.exception.fields)
        with self.assertRaises(InvalidInput) as ctx:  # the save itself checks, under its lock
            services.save_checkins(
                [services.clean_entry(a, {"temperature": "37.2"})[0]], day=DAY, source="api"
            )
        self.assertEqual(CheckIn.objects.get(person=a).temperature, Decimal("36.6"))

    def test_the_proxy_mark_is_shown_wherever_check_ins_are(self):
        t = self.t
        a, b, c = self.people
        link = services.issue_links(actor=t.root, people=[a])[0]
        services.check_in_self(link=link, raw={"temperature": "36.6"})
        services.check_in_unit(
            actor=t.alice,
            unit=self.site,
            day=DAY,
            rows=[
                {"person": b.pk, "temperature": "36.9"},
                {"person": c.pk, "vouched": True},
            ],
        )
        self.client.force_login(t.alice)
        grid = self.client.get(self.grid)
        for mark in ('data-testid="own"', 'data-testid="proxy"', 'data-testid="vouched"'):
            self.assertContains(grid, mark, count=1)
        listed = self.client.get(reverse("health:checkins") + "?unit=a-gate&day=2020-02-03&tab=all")
        self.assertContains(listed, 'data-testid="proxy"', count=1)
        self.assertContains(listed, "as reported, vouched by alice")
        self.assertContains(listed, 'data-testid="not-measured"', count=1)
        record = self.client.get(reverse("health:person", args=[c.pk]))
        self.assertContains(record, 'data-testid="vouched"')
        export = self.client.get(
            reverse("health:checkin_export", args=["a-gate"]) + "?day=2020-02-03"
        )
        sheet = load_workbook(io.BytesIO(export.content)).worksheets[0]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        header = next(r for r in rows if r and r[0] == "工号")
        how = header.index("填报方式")
        by_no = {r[0]: r for r in rows if r and r[0] in ("G0", "G1", "G2")}
        self.assertEqual(by_no["G0"][how], "own check-in")
        self.assertTrue(by_no["G1"][how].startswith("proxy entry"))
        self.assertEqual(by_no["G2"][how], "as reported, vouched by alice")
        self.assertIn(by_no["G2"][header.index("体温(℃)")], (None, ""))
        api = self.client.get("/api/v1/checkins?unit=a-gate&day=2020-02-03").json()["items"]
        marks = {r["employee_no"]: (r["proxy"], r["vouched_by"], r["temperature"]) for r in api}
        self.assertEqual(
            marks,
            {"G0": (False, None, 36.6), "G1": (True, None, 36.9), "G2": (True, "alice", None)},
        )

    def test_the_api_vouches_and_replaces_own_check_ins_only_with_a_reason(self):
        t = self.t
        a = self.people[0]
        link = services.issue_links(actor=t.root, people=[a])[0]
        services.check_in_self(link=link, raw={"temperature": "36.6"})
        self.client.force_login(t.alice)

        def post(body):
            return self.client.post(
                "/api/v1/checkins", json.dumps(body), content_type="application/json"
            )

        rows = [{"employee_no": "G0", "temperature": 37.1}, {"employee_no": "G1", "vouched": True}]
        base = {"unit": "a-gate", "day": "2020-02-03", "checkins": rows}
        refused = post(base)
        self.assertEqual(refused.status_code, 400)
        self.assertIn("row 1", refused.json()["fields"])
        self.assertEqual(post(base | {"replace_own": True}).status_code, 400)
        done = post(base | {"replace_own": True, "reason": "Re-measured"})
        self.assertEqual(done.status_code, 200, done.content)
        self.assertEqual(CheckIn.objects.get(person=self.people[1]).vouched_by, t.alice)
        missing = post({"unit": "a-gate", "day": "2020-02-03", "checkins": [{"employee_no": "G2"}]})
        self.assertEqual(missing.status_code, 400)  # no temperature, not vouched
