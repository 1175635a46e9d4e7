"""The ledger names an incident's late clock in words and the incident by its title and
unit, linked — no "ack", "phone" or "事件 #3" (issue 10)."""

import re
from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.accountability.models import Entry
from fangkong.incidents import services, sweeps
from fangkong.orgs.testing import ProvinceMixin

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
LATER = FOUND + timedelta(minutes=31)


def rows(page: str) -> str:
    return "".join(re.findall(r'<tr id="entry-\d+".*?</tr>', page, flags=re.S))


@time_machine.travel(LATER, tick=False)
class LedgerNamesTests(ProvinceMixin, TestCase):
    def file(self, title):
        return services.file_incident(
            actor=self.t.bob,
            unit=self.t.a_site_1,
            kind="suspected",
            title=title,
            discovered_at=FOUND,
            now=FOUND + timedelta(minutes=1),
        )

    def ledger(self, user, **params):
        self.client.force_login(user)
        response = self.client.get(reverse("accountability:entry_list"), params)
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def test_rows_show_the_clock_and_the_incident_in_words(self):
        incident = self.file("发热后外出")
        sweeps.escalate_due(now=LATER)  # phone, written and three acknowledgements late
        clocks = set(
            Entry.objects.filter(kind="incident_late").values_list("facts__clock", flat=True)
        )
        self.assertEqual(clocks, {"phone", "written", "ack"})
        body = rows(self.ledger(self.t.root, **{"from": "2020-02-01", "to": "2020-02-05"}))
        self.assertEqual(body.count('data-testid="entry"'), 5)
        for label in ("电话报告（时限", "书面报告（时限", "签收（时限"):
            self.assertIn(label, body)
        self.assertIn("事件：发热后外出（Unit a-site-1）", body)
        self.assertIn(f'href="{reverse("incidents:detail", args=[incident.pk])}"', body)
        for raw in ("ack", "phone", "written", "事件 #", f"#{incident.pk}"):
            self.assertNotRegex(body, rf"(?<![\w/-]){re.escape(raw)}(?![\w-])", raw)

    def test_a_page_of_incident_entries_costs_the_same_queries_for_one_or_many(self):
        self.file("一")
        sweeps.escalate_due(now=LATER)
        params = {"from": "2020-02-01", "to": "2020-02-05"}
        self.ledger(self.t.root, **params)  # warm the caches (session, translations)
        with self.captured_queries() as one:
            self.ledger(self.t.root, **params)
        for title in ("二", "三"):
            self.file(title)
        sweeps.escalate_due(now=LATER + timedelta(minutes=1))
        with self.captured_queries() as many:
            page = self.ledger(self.t.root, **params)
        self.assertEqual(rows(page).count('data-testid="entry"'), 15)
        self.assertEqual(len(many), len(one))

    def captured_queries(self):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        return CaptureQueriesContext(connection)

    def test_the_api_and_the_export_describe_the_same_way(self):
        self.file("发热后外出")
        sweeps.escalate_due(now=LATER)
        self.client.force_login(self.t.root)
        items = self.client.get("/api/v1/accountability?from=2020-02-01&to=2020-02-05")
        self.assertEqual(items.status_code, 200, items.content)
        descriptions = [e["description"] for e in items.json()["items"]]
        self.assertTrue(all("事件：发热后外出（Unit a-site-1）" in d for d in descriptions))
        self.assertFalse(any("#" in d for d in descriptions))
        from io import BytesIO

        from openpyxl import load_workbook

        export = self.client.get(
            reverse("accountability:entry_export"), {"from": "2020-02-01", "to": "2020-02-05"}
        )
        sheet = load_workbook(BytesIO(export.content)).worksheets[0]
        cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value]
        self.assertTrue(any("事件：发热后外出（Unit a-site-1）" in c for c in cells))
