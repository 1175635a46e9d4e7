"""Every time a person sees is on the unit's clock (issue 9, §4): the ledger's texts, the
exports and the incident timeline, with the clock near midnight UTC, where Shanghai is
already on the next day, and the server's own zone set to UTC so that a time printed in
the server's zone would show."""

from datetime import UTC, datetime, timedelta
from io import BytesIO

import openpyxl
import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.accountability import excel as ledger_excel
from fangkong.accountability import queries as ledger_queries
from fangkong.accountability.kinds import describe
from fangkong.accountability.models import Entry
from fangkong.health import excel as health_excel
from fangkong.health.services import checkins
from fangkong.incidents import services, sweeps
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin

FOUND = datetime(2026, 12, 2, 23, 40, tzinfo=UTC)  # 07:40 on 3 December in Shanghai


def rows(data: bytes) -> list[tuple]:
    sheet = openpyxl.load_workbook(BytesIO(data)).worksheets[0]
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


@override_settings(LANGUAGE_CODE="en", TIME_ZONE="UTC")
@time_machine.travel(FOUND + timedelta(minutes=40), tick=False)
class LocalTimeTests(ProvinceMixin, TestCase):
    def test_incident_texts_and_the_ledger_are_on_the_units_clock(self):
        t = self.t
        incident = services.file_incident(
            actor=t.bob,
            unit=t.a_site_1,
            kind="suspected",
            title="Fever after a trip",
            discovered_at=FOUND,
            now=FOUND + timedelta(minutes=1),
        )
        filed = Message.objects.filter(topic="incident").first()
        self.assertIn("Discovered 12-03 07:40", filed.body)
        sweeps.escalate_due(now=FOUND + timedelta(minutes=40))
        phone = incident.clocks.get(kind="phone")
        texts = list(incident.events.filter(kind="escalated").values_list("text", flat=True))
        self.assertTrue(any("by 07:55" in text for text in texts), texts)  # due 23:55 UTC
        entry = Entry.objects.get(object_type="incident_clock", object_id=phone.pk)
        self.assertEqual(entry.day.isoformat(), "2026-12-03")
        self.assertIn("due 12-03 07:55", describe(entry))
        self.assertNotIn("23:55", describe(entry))

        workbook = ledger_excel.export_workbook(
            t.root, ledger_queries.LedgerFilter(unit=None, start=entry.day, end=entry.day)
        )
        recorded = [row for row in rows(workbook) if row and row[0] == "2026-12-03"]
        self.assertTrue(recorded)
        self.assertTrue(all(row[11] == "2026-12-03 08:20" for row in recorded), recorded)

        self.client.force_login(t.root)
        page = self.client.get(reverse("accountability:entry_list"), {"from": "2026-12-03"})
        self.assertContains(page, "12-03 07:55")

    def test_the_check_in_export_gives_the_local_time_of_filing(self):
        t = self.t
        link = checkins.issue_links(actor=t.root, people=[t.p_site_1])[0]
        checkins.check_in_self(
            link=link, raw={"temperature": "36.5", "symptoms": [], "whereabouts": "at_post"}
        )
        data = health_excel.export_workbook(
            user=t.root, unit=t.a_site_1, day=FOUND.date() + timedelta(days=1)
        )
        table = rows(data)
        header = next(row for row in table if "填报时间" in row)
        filed = [row for row in table if row and row[0] == t.p_site_1.employee_no]
        self.assertEqual(filed[0][header.index("填报时间")], "2026-12-03 08:20")


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(datetime(2026, 12, 2, 17, 30, tzinfo=UTC), tick=False)
class ViewerZoneTests(ProvinceMixin, TestCase):
    """01:30 on 3 December in Shanghai, still 23:30 on 2 December in Urumqi."""

    def test_a_page_without_a_unit_takes_the_day_of_the_viewers_units(self):
        t = self.t
        t.a_site_1.timezone = "Asia/Urumqi"
        t.a_site_1.save(update_fields=["timezone"])
        self.client.force_login(t.bob)
        self.assertContains(self.client.get(reverse("reporting:my_reports")), "2026-12-02")
        self.client.force_login(t.olga)  # group A, in Shanghai
        self.assertContains(self.client.get(reverse("reporting:my_reports")), "2026-12-03")
