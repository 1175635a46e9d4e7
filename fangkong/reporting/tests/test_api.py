import json
from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase

from fangkong.core.testing import run_followups
from fangkong.reporting import services
from fangkong.reporting.models import DailyReport
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 local
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30 local


@time_machine.travel(BEFORE, tick=False)
class ReportApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)

    def put(self, user, url, body, key=None):
        self.client.force_login(user)
        headers = {"Idempotency-Key": key} if key else {}
        return self.client.put(
            f"/api/v1/reports/{url}",
            data=json.dumps(body),
            content_type="application/json",
            headers=headers,
        )

    def test_file_read_and_retry(self):
        response = self.put(
            self.t.bob, "daily/a-site-1/2020-02-03", {"values": daily_values()}, key="k1"
        )
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual((body["state"], body["revision"], body["replayed"]), ("on_time", 1, False))
        again = self.put(
            self.t.bob, "daily/a-site-1/2020-02-03", {"values": daily_values()}, key="k1"
        )
        self.assertTrue(again.json()["replayed"])
        self.assertEqual(DailyReport.objects.get(unit=self.t.a_site_1, day=DAY).revision_count, 1)
        read = self.client.get("/api/v1/reports/daily/a-site-1/2020-02-03").json()
        self.assertEqual(len(read["history"]), 1)
        self.assertEqual(read["values"]["staff_total"], 50)

    def test_the_same_key_with_other_values_or_from_another_user_files_nothing_twice(self):
        url = "daily/a-site-1/2020-02-03"
        self.assertEqual(
            self.put(self.t.bob, url, {"values": daily_values()}, key="k1").status_code, 200
        )
        other = daily_values()
        other["staff_total"] += 1
        again = self.put(self.t.bob, url, {"values": other}, key="k1")
        self.assertEqual(again.status_code, 409)
        self.assertEqual(again.json()["code"], "idempotency_key_reused")
        # Another user's key is theirs: their filing is a correction, not a "replay".
        theirs = self.put(self.t.root, url, {"values": other}, key="k1")
        self.assertEqual(theirs.status_code, 200, theirs.content)
        self.assertEqual((theirs.json()["replayed"], theirs.json()["revision"]), (False, 2))
        report = DailyReport.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((report.revision_count, report.values["staff_total"]), (2, 51))

    def test_zero_report_and_summary(self):
        self.put(self.t.bob, "daily/a-site-1/2020-02-03", {"zero": True})
        self.client.force_login(self.t.alice)
        summary = self.client.get(
            "/api/v1/reports/daily/summary?unit=group-a&day=2020-02-03"
        ).json()
        self.assertEqual((summary["expected"], summary["filed"], summary["zero"]), (4, 1, 1))
        self.assertEqual(summary["missing"], [])
        self.assertEqual(summary["totals"]["confirmed"], 0)
        with time_machine.travel(AFTER, tick=False):
            summary = self.client.get(
                "/api/v1/reports/daily/summary?unit=group-a&day=2020-02-03"
            ).json()
        self.assertEqual(summary["missing"], ["a-hq", "a-sub", "a-site-2"])

    def test_errors(self):
        cases = [
            ("daily/a-site-1/2020-02-03", {"values": daily_values(confirmed=-2)}, 400, "invalid"),
            ("daily/a-site-1/2020-02-09", {"values": daily_values()}, 400, "invalid"),  # future
            ("nope/a-site-1/2020-02-03", {"zero": True}, 404, "not_found"),
            ("daily/no-unit/2020-02-03", {"zero": True}, 404, "not_found"),
            ("daily/b-sub/2020-02-03", {"zero": True}, 404, "not_found"),  # outside bob's scope
            ("daily/a-site-1/2020-13-40", {"zero": True}, 422, "invalid"),
            ("daily/a-site-1/2020-02-03", {"values": "x"}, 422, "invalid"),
            ("daily/a-site-1/2020-02-03", {"zero": True, "version": 7}, 409, "version_conflict"),
        ]
        for url, body, status, code in cases:
            response = self.put(self.t.bob, url, body)
            self.assertEqual(response.status_code, status, (url, response.content))
            self.assertEqual(response.json()["code"], code, url)
        self.assertFalse(DailyReport.objects.filter(first_filed_at__isnull=False).exists())
        not_expected = self.put(self.t.alice, "daily/group-a/2020-02-03", {"zero": True})
        self.assertEqual(not_expected.json()["code"], "not_expected")

    def test_outsider_cannot_read(self):
        self.put(self.t.bob, "daily/a-site-1/2020-02-03", {"zero": True})
        self.client.force_login(self.t.charlie)
        for url in (
            "/api/v1/reports/daily/a-site-1/2020-02-03",
            "/api/v1/reports/daily/summary?unit=group-a&day=2020-02-03",
        ):
            self.assertEqual(self.client.get(url).status_code, 404, url)


@time_machine.travel(datetime(2020, 2, 4, 3, 0, tzinfo=UTC), tick=False)  # the next day
class IdenticalRefilingTests(TestCase):
    """Seen: 20 identical zero-report PUTs of a past day without a key made 20 revisions
    and 19 "correction after the cut-off" ledger entries for a change of nothing."""

    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)

    def put(self, body):
        self.client.force_login(self.t.bob)
        with self.captureOnCommitCallbacks(execute=True):  # the ledger records after commit
            return self.client.put(
                "/api/v1/reports/daily/a-site-1/2020-02-03",
                data=json.dumps(body),
                content_type="application/json",
            )

    def test_twenty_identical_filings_make_one_revision_and_no_correction(self):
        from fangkong.accountability.choices import EntryKind
        from fangkong.accountability.models import Entry

        body = {"zero": True, "reason": "filed late: the liaison was ill", "comment": "ok"}
        answers = [self.put(body) for _ in range(20)]
        run_followups()  # the worker records the ledger entries of the filings
        self.assertEqual({a.status_code for a in answers}, {200})
        self.assertEqual([a.json()["replayed"] for a in answers[:2]], [False, True])
        report = DailyReport.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((report.revision_count, report.revisions.count()), (1, 1))
        kinds = list(Entry.objects.values_list("kind", flat=True))
        self.assertEqual(kinds, [EntryKind.LATE_FILING])
        # A real change is still a correction, with its entry.
        changed = self.put({"values": daily_values(), "reason": "the figures came in"})
        run_followups()
        self.assertEqual(changed.json()["revision"], 2)
        self.assertEqual(Entry.objects.filter(kind=EntryKind.CORRECTION_AFTER_CUTOFF).count(), 1)
        # Another comment is another filing (the comment is part of what was filed).
        self.assertEqual(self.put({**body, "comment": "zero again"}).json()["revision"], 3)


@time_machine.travel(BEFORE, tick=False)
class TypedNumberTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        services.sync_expected(cls.t.daily, DAY)

    def test_full_width_figures_typed_with_an_ime_are_accepted(self):
        self.client.force_login(self.t.bob)
        values = daily_values(staff_total="５０", on_post="４０", masks_in_stock="3００")
        response = self.client.put(
            "/api/v1/reports/daily/a-site-1/2020-02-03",
            data=json.dumps({"values": values}),
            content_type="application/json",
        )
        self.assertEqual(response.status_code, 200, response.content)
        report = DailyReport.objects.get(unit=self.t.a_site_1, day=DAY)
        self.assertEqual((report.values["staff_total"], report.values["masks_in_stock"]), (50, 300))
