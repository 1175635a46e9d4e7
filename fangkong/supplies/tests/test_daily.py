"""The daily count (日清单) over real HTTP: the day's figures from the ledger, today's
consumption entered in one form (nothing prefilled, a blank row records nothing, all or
nothing with the wrong row named), past days read-only, and the Excel sheet out and in
(watermarked; full-width digits, unknown items, over-balance rows, all or nothing)."""

import io
from datetime import datetime, timedelta

import time_machine
from django.test import TestCase
from openpyxl import Workbook, load_workbook

from fangkong.orgs.testing import ProvinceMixin
from fangkong.supplies import queries, services
from fangkong.supplies.models import Balance, Item, Move
from fangkong.supplies.testing import install_catalogue

MASKS, GLOVES, ALCOHOL, GUNS = "mask-surgical", "gloves", "alcohol-75", "thermometer-gun"


def item(code) -> Item:
    return Item.objects.get(code=code)


def balance(unit, code) -> int:
    row = Balance.objects.filter(unit=unit, item__code=code).first()
    return row.quantity if row else 0


def local(unit, day, hour):
    return datetime(day.year, day.month, day.day, hour, tzinfo=unit.tzinfo)


class DailyCountTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        t = cls.t
        site = t.a_site_1
        cls.today = site.local_date()
        yesterday = cls.today - timedelta(days=1)
        for code, n in ((MASKS, 500), (GLOVES, 200), (ALCOHOL, 24), (GUNS, 2)):
            services.record_receipt(
                actor=t.bob, unit=site, item=item(code), quantity=n, now=local(site, yesterday, 9)
            )
        services.record_issue(
            actor=t.bob, unit=site, item=item(MASKS), quantity=100, now=local(site, yesterday, 18)
        )

    def setUp(self):
        self.client.force_login(self.t.bob)

    def url(self, **params):
        query = "&".join(f"{k}={v}" for k, v in {"unit": "a-site-1", **params}.items())
        return f"/supplies/daily/?{query}"

    def post(self, data, **params):
        return self.client.post(self.url(**params), data)

    def test_the_page_shows_yesterdays_balance_and_nothing_prefilled(self):
        page = self.client.get("/supplies/daily/")
        self.assertEqual(page.status_code, 200)
        self.assertTrue(page.context["editable"])
        lines = {line.item.code: line for line in page.context["lines"]}
        self.assertEqual((lines[MASKS].opening, lines[MASKS].closing), (400, 400))
        self.assertContains(page, 'name="q_mask-surgical" value=""')
        self.assertNotContains(page, 'name="q_thermometer-gun"')  # counted, not consumed

    def test_consumption_of_several_items_in_one_form(self):
        answer = self.post(
            {
                "q_mask-surgical": "１２０",  # full-width, as a Chinese IME types it
                "p_mask-surgical": "一号换热站",
                "q_gloves": "0",  # typed: none used, nothing to write
                "q_alcohol-75": "",  # nobody counted: nothing recorded
            }
        )
        self.assertEqual(answer.status_code, 302)
        issues = Move.objects.filter(kind="issue", at__date__gte=self.today - timedelta(days=1))
        today = [m for m in issues if self.t.a_site_1.local_date(m.at) == self.today]
        self.assertEqual(
            [(m.item.code, m.delta, m.purpose) for m in today], [(MASKS, -120, "一号换热站")]
        )
        self.assertEqual(
            (balance(self.t.a_site_1, GLOVES), balance(self.t.a_site_1, ALCOHOL)), (200, 24)
        )
        page = self.client.get(answer["Location"])
        lines = {line.item.code: line for line in page.context["lines"]}
        self.assertEqual(
            (lines[MASKS].opening, lines[MASKS].issued, lines[MASKS].closing), (400, 120, 280)
        )

    def test_a_row_over_its_balance_is_named_and_nothing_is_written(self):
        before = Move.objects.count()
        answer = self.post({"q_mask-surgical": "10", "q_gloves": "201"})
        self.assertEqual(answer.status_code, 400)
        lines = {line.item.code: line for line in answer.context["lines"]}
        self.assertTrue(lines[GLOVES].errors)
        self.assertIn("200", lines[GLOVES].errors[0])
        self.assertEqual(lines[MASKS].errors, [])
        self.assertEqual(lines[MASKS].typed, "10")  # what was typed stays on the page
        self.assertEqual(Move.objects.count(), before)

    def test_bad_input_is_refused_per_row(self):
        before = Move.objects.count()
        for bad in ("-3", "abc", "2.5", "1,5"):
            with self.subTest(bad=bad):
                answer = self.post({"q_mask-surgical": bad, "q_gloves": "5"})
                self.assertEqual(answer.status_code, 400)
                lines = {line.item.code: line for line in answer.context["lines"]}
                self.assertTrue(lines[MASKS].errors)
        nothing = self.post({"q_mask-surgical": "", "q_gloves": " "})
        self.assertEqual(nothing.status_code, 400)
        self.assertTrue(nothing.context["general_errors"])
        self.assertEqual(Move.objects.count(), before)

    def test_a_double_tap_records_once(self):
        data = {"q_mask-surgical": "7", "idempotency_key": "same"}
        self.post(data)
        self.post(data)
        self.assertEqual(balance(self.t.a_site_1, MASKS), 393)

    def test_a_past_day_is_read_only_from_the_ledger(self):
        yesterday = (self.today - timedelta(days=1)).isoformat()
        page = self.client.get(self.url(day=yesterday))
        self.assertFalse(page.context["editable"])
        self.assertContains(page, 'data-testid="read-only"')
        self.assertNotContains(page, 'name="q_mask-surgical"')
        lines = {line.item.code: line for line in page.context["lines"]}
        self.assertEqual(
            (
                lines[MASKS].opening,
                lines[MASKS].received,
                lines[MASKS].issued,
                lines[MASKS].closing,
            ),
            (0, 500, 100, 400),
        )
        self.assertEqual(self.post({"q_mask-surgical": "1"}, day=yesterday).status_code, 403)
        future = self.client.get(self.url(day="2099-01-01"))
        self.assertEqual(future.context["day"], self.today)
        self.assertEqual(self.client.get(self.url(day="nonsense")).status_code, 200)

    def test_the_day_is_the_units_local_day(self):
        # 23:30 in Shanghai is 15:30 UTC: the move belongs to that local day, not the next.
        site = self.t.a_site_1
        day = self.today - timedelta(days=3)
        services.record_receipt(
            actor=self.t.bob, unit=site, item=item("goggles"), quantity=3, now=local(site, day, 23)
        )
        lines = {line.item.code: line for line in queries.list_daily_count(self.t.bob, site, day)}
        self.assertEqual(lines["goggles"].received, 3)
        after = {
            line.item.code: line
            for line in queries.list_daily_count(self.t.bob, site, day + timedelta(days=1))
        }
        self.assertEqual((after["goggles"].opening, after["goggles"].received), (3, 0))

    def test_the_empty_state(self):
        self.client.force_login(self.t.alice)
        page = self.client.get("/supplies/daily/?unit=a-site-2")
        self.assertContains(page, 'data-testid="empty"')

    # --- Excel -----------------------------------------------------------------------------

    def sheet(self, rows, titles=None) -> io.BytesIO:
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(titles or ["日期", "物资编码", "物资名称", "今日消耗", "用途或地点"])
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        out.name = "daily.xlsx"
        return out

    def upload(self, data):
        return self.client.post("/supplies/daily/a-site-1/upload/", {"file": data})

    def test_excel_round_trip(self):
        exported = self.client.get(f"/supplies/daily/a-site-1/export.xlsx?day={self.today}")
        self.assertEqual(exported.status_code, 200)
        workbook = load_workbook(io.BytesIO(exported.content))
        sheet = workbook.worksheets[0]
        self.assertIn("bob", sheet.oddHeader.center.text)  # the watermark
        titles = [c.value for c in sheet[1]]
        rows = {r[1]: list(r) for r in sheet.iter_rows(min_row=2, values_only=True)}
        self.assertEqual(rows[MASKS][titles.index("上日结存")], 400)
        used, purpose = titles.index("今日消耗"), titles.index("用途或地点")
        self.assertIsNone(rows[MASKS][used])  # nothing prefilled
        rows[MASKS][used], rows[MASKS][purpose] = "５０", "门岗"
        rows[GLOVES][used] = 0
        sheet.delete_rows(2, sheet.max_row)
        for row in rows.values():
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        out.seek(0)
        out.name = "daily.xlsx"
        answer = self.upload(out)
        self.assertEqual(
            answer.status_code,
            302,
            getattr(answer, "context", None) and answer.context["general_errors"],
        )
        self.assertEqual(balance(self.t.a_site_1, MASKS), 350)
        self.assertEqual(balance(self.t.a_site_1, GLOVES), 200)
        page = self.client.get(self.url())
        lines = {line.item.code: line for line in page.context["lines"]}
        self.assertEqual(lines[MASKS].issued, 50)

    def test_an_upload_with_wrong_rows_saves_nothing_and_lists_each(self):
        today = self.today.isoformat()
        answer = self.upload(
            self.sheet(
                [
                    [today, MASKS, "", "10", ""],
                    [today, "n95-gold", "金口罩", "5", ""],  # nobody knows it
                    [today, GLOVES, "", "abc", ""],
                    [today, ALCOHOL, "", "25", ""],  # 24 in stock
                    [today, GUNS, "", "1", ""],  # counted, not consumed
                    ["2020-01-01", "goggles", "", "1", ""],  # another day's sheet
                ]
            )
        )
        self.assertEqual(answer.status_code, 400)
        errors = answer.context["row_errors"]
        self.assertEqual(sorted({e.row for e in errors}), [3, 4, 6, 7])
        self.assertIn("n95-gold", " ".join(e.message for e in errors if e.row == 3))
        self.assertEqual(Move.objects.filter(kind="issue").count(), 1)  # yesterday's only
        # A row over its balance is found only once the others are fine: named then.
        over = self.upload(
            self.sheet([[today, MASKS, "", "10", ""], [today, ALCOHOL, "", "25", ""]])
        )
        self.assertEqual([e.row for e in over.context["row_errors"]], [3])
        self.assertEqual(balance(self.t.a_site_1, MASKS), 400)

    def test_an_upload_by_item_name_and_without_the_day_column(self):
        answer = self.upload(
            self.sheet([["", "医用外科口罩", "2"]], titles=["物资编码", "物资名称", "今日消耗"])
        )
        self.assertEqual(answer.status_code, 302)
        self.assertEqual(balance(self.t.a_site_1, MASKS), 398)

    def test_not_an_excel_file_or_missing_columns(self):
        junk = io.BytesIO(b"not a sheet")
        junk.name = "x.xlsx"
        self.assertContains(self.upload(junk), 'data-testid="upload-error"', status_code=400)
        missing = self.upload(self.sheet([["x"]], titles=["物资名称"]))
        self.assertContains(missing, 'data-testid="upload-error"', status_code=400)
        self.assertEqual(self.client.post("/supplies/daily/a-site-1/upload/").status_code, 400)

    def test_the_day_after_midnight_is_a_new_day(self):
        site = self.t.a_site_1
        tomorrow = self.today + timedelta(days=1)
        with time_machine.travel(local(site, tomorrow, 8), tick=False):
            page = self.client.get(self.url())
            self.assertEqual(page.context["day"], tomorrow)
            lines = {line.item.code: line for line in page.context["lines"]}
            self.assertEqual((lines[MASKS].opening, lines[MASKS].issued), (400, 0))
