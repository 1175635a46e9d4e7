import io
from datetime import UTC, date, datetime

import time_machine
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.models import AccessLog
from fangkong.orgs.models import Unit
from fangkong.reporting import services
from fangkong.reporting.testing import daily_values, make_reporting_province

DAY = date(2020, 2, 3)
BEFORE = datetime(2020, 2, 3, 0, 0, tzinfo=UTC)  # 08:00 local
AFTER = datetime(2020, 2, 3, 2, 30, tzinfo=UTC)  # 10:30 local
RED, AMBER = "F8D7DA", "FFF3CD"


def fill(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:] if cell.fill.fill_type == "solid" else ""


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(AFTER, tick=False)
class ExportTests(TestCase):
    """group-a on DAY: a-hq filed late; a-sub on time; a-site-1 a zero report on time;
    a-site-2 missing. group-b: b-sub missing, so the whole group filed nothing."""

    @classmethod
    def setUpTestData(cls):
        cls.t = t = make_reporting_province()
        services.sync_expected(t.daily, DAY)
        services.file_zero_report(actor=t.bob, form=t.daily, unit=t.a_site_1, day=DAY, now=BEFORE)
        services.file_report(
            actor=t.root,
            form=t.daily,
            unit=t.a_sub,
            day=DAY,
            values=daily_values(staff_total=30, on_post=20),
            now=BEFORE,
        )
        services.file_report(
            actor=t.root,
            form=t.daily,
            unit=t.a_hq,
            day=DAY,
            values=daily_values(suspected=1),
            now=AFTER,
        )

    def download(self, name, user, query):
        self.client.force_login(user)
        return self.client.get(reverse(f"reporting:{name}") + query)

    def sheet(self, response):
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            response["Content-Type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        self.assertIn("attachment;", response["Content-Disposition"])
        workbook = load_workbook(io.BytesIO(response.content))
        return workbook, workbook.worksheets[0]

    def test_rollup_rows_totals_and_missing_marks(self):
        response = self.download(
            "rollup_export", self.t.alice, "?form=daily&unit=group-a&day=2020-02-03"
        )
        workbook, sheet = self.sheet(response)
        self.assertIn("fangkong-daily-group-a-2020-02-03.xlsx", response["Content-Disposition"])
        title = sheet["A1"].value
        self.assertIn("集团疫情防控统计日报表", title)
        self.assertIn("Unit group-a", title)
        self.assertIn("report day 2020-02-03", title)
        self.assertIn("now (with corrections)", title)
        header = [c.value for c in sheet[3]]
        self.assertEqual(
            header[:7],
            ["Unit", "Unit code", "State", "Filed / expected", "Zero reports", "Late", "Missing"],
        )
        self.assertIn("职工总数（人）", header)
        self.assertNotIn("备注", header)  # text: not rolled up
        staff, suspected = header.index("职工总数（人）"), header.index("疑似病例（人）")
        rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
        self.assertEqual(list(rows), ["a-hq", "a-sub", "group-a"])  # children, then totals
        self.assertEqual(rows["a-hq"][:7], ("Unit a-hq", "a-hq", "Filed late", "1/1", 0, 1, 0))
        self.assertEqual(rows["a-sub"][:7], ("Unit a-sub", "a-sub", "1 not filed", "2/3", 1, 0, 1))
        self.assertEqual(rows["group-a"][:7], ("Total", "group-a", "1 not filed", "3/4", 1, 1, 1))
        self.assertEqual(
            (rows["a-hq"][staff], rows["a-sub"][staff], rows["group-a"][staff]), (50, 30, 80)
        )
        self.assertEqual(rows["group-a"][suspected], 1)
        # The partly missing subtree: its state and missing cells in red; late in amber.
        a_hq, a_sub = sheet[4], sheet[5]
        self.assertEqual((fill(a_sub[2]), fill(a_sub[6]), fill(a_sub[0])), (RED, RED, ""))
        self.assertEqual((fill(a_hq[2]), fill(a_hq[0])), (AMBER, ""))
        # Watermark: in sight, in the page header, on its own sheet, in the properties.
        self.assertIn("Exported by alice at 2020-02-03 10:30", sheet["A2"].value)
        self.assertIn("alice", sheet.oddHeader.center.text)
        self.assertIn("alice", workbook["Export information"]["A1"].value)
        self.assertIn("do not forward", workbook.properties.description)
        log = AccessLog.objects.get()
        self.assertEqual(
            (log.username, log.action, log.object_type, log.object_id, log.unit_path),
            ("alice", "export", "report_rollup", "daily", self.t.group_a.path),
        )
        self.assertEqual(
            log.detail_text, "format: Excel file; day: 2020-02-03; figures: as they are now"
        )

    def test_rollup_marks_a_subtree_that_filed_nothing(self):
        response = self.download("rollup_export", self.t.sasac, "?unit=province&day=2020-02-03")
        _workbook, sheet = self.sheet(response)
        rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
        self.assertEqual(list(rows), ["group-a", "group-b", "province"])
        self.assertEqual(rows["group-b"][2:7], ("Not filed", "0/1", 0, 0, 1))
        self.assertTrue(all(fill(cell) == RED for cell in sheet[5]))  # the whole row
        self.assertEqual(rows["province"][2:7], ("2 not filed", "3/5", 1, 1, 2))

    def test_rollup_as_of_the_cut_off(self):
        response = self.download(
            "rollup_export", self.t.alice, "?unit=group-a&day=2020-02-03&as_of=cutoff"
        )
        _workbook, sheet = self.sheet(response)
        self.assertIn("as of the cut-off", sheet["A1"].value)
        header = [c.value for c in sheet[3]]
        staff = header.index("职工总数（人）")
        rows = {r[1]: r for r in sheet.iter_rows(min_row=4, values_only=True)}
        # a-hq filed after its cut-off: nothing of it stood at the cut-off.
        self.assertEqual((rows["a-hq"][staff], rows["group-a"][staff]), (None, 30))
        self.assertIn("figures: as of the cut-off", AccessLog.objects.get().detail_text)

    def test_text_that_looks_like_a_formula_stays_text(self):
        Unit.objects.filter(pk=self.t.a_hq.pk).update(name='=HYPERLINK("http://x")')
        _workbook, sheet = self.sheet(
            self.download("rollup_export", self.t.alice, "?unit=group-a&day=2020-02-03")
        )
        self.assertEqual(
            (sheet["A4"].value, sheet["A4"].data_type), ('=HYPERLINK("http://x")', "s")
        )

    def test_rollup_query_count_does_not_grow_with_rows(self):
        self.client.force_login(self.t.sasac)
        with CaptureQueriesContext(connection) as captured:
            self.client.get(reverse("reporting:rollup_export") + "?unit=province&day=2020-02-03")
        self.assertLessEqual(len(captured), 15)

    def test_matrix_cells_coloured_like_the_page(self):
        response = self.download(
            "matrix_export", self.t.alice, "?form=daily&unit=group-a&day=2020-02-03"
        )
        workbook, sheet = self.sheet(response)
        self.assertIn("from 2020-01-21 to 2020-02-03", sheet["A1"].value)
        header = [c.value for c in sheet[3]]
        self.assertEqual(
            (header[:2], header[2], header[-1], len(header)),
            (["Unit", "Unit code"], "2020-01-21", "2020-02-03", 16),
        )
        a_hq, a_sub = sheet[4], sheet[5]
        self.assertEqual((a_hq[1].value, a_sub[1].value), ("a-hq", "a-sub"))
        self.assertEqual((a_hq[-1].value, fill(a_hq[-1])), ("1/1", AMBER))
        self.assertEqual((a_sub[-1].value, fill(a_sub[-1])), ("2/3", RED))
        self.assertEqual((a_sub[2].value, fill(a_sub[2])), (None, ""))  # not expected then
        self.assertIn("alice", sheet["A2"].value)
        self.assertIn("alice", workbook["Export information"]["A1"].value)
        log = AccessLog.objects.get()
        self.assertEqual((log.object_type, log.unit_path), ("report_matrix", self.t.group_a.path))

    def test_pages_link_to_the_exports(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(
            reverse("reporting:overview") + "?unit=group-a&day=2020-02-03&as_of=cutoff"
        )
        self.assertContains(
            page,
            reverse("reporting:rollup_export")
            + "?form=daily&amp;unit=group-a&amp;day=2020-02-03&amp;as_of=cutoff",
        )
        page = self.client.get(reverse("reporting:matrix") + "?unit=group-a&day=2020-02-03")
        self.assertContains(
            page, reverse("reporting:matrix_export") + "?form=daily&amp;unit=group-a"
        )

    def test_outsiders_get_404_and_nothing_is_logged(self):
        for name in ("rollup_export", "matrix_export"):
            response = self.download(name, self.t.charlie, "?unit=group-a&day=2020-02-03")
            self.assertEqual(response.status_code, 404)
            response = self.download(name, self.t.nobody, "?day=2020-02-03")  # no scope at all
            self.assertEqual(response.status_code, 404)
            response = self.download(name, self.t.alice, "?unit=group-a&day=not-a-day")
            self.assertEqual(response.status_code, 404)
        self.client.logout()
        response = self.client.get(reverse("reporting:rollup_export") + "?unit=group-a")
        self.assertEqual(response.status_code, 302)  # to the login page
        self.assertFalse(AccessLog.objects.exists())
