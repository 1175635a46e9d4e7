"""Donation pages: the campaign list and page (totals by unit, drill-down, personal amounts
hidden from a liaison), entering a gift (a double click enters it once), the Excel import
(all or nothing, row by row), the transfer, goods with their certificate, the exports; the
outsider gets 404 everywhere."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from openpyxl import Workbook, load_workbook

from fangkong.core.models import AccessLog
from fangkong.donations.models import Gift, GoodsDonation, Remittance
from fangkong.donations.services import record_gift
from fangkong.donations.testing import DAY, make_campaign
from fangkong.orgs.testing import ProvinceMixin
from fangkong.supplies.models import Balance
from fangkong.supplies.testing import install_catalogue


def sheet(rows) -> SimpleUploadedFile:
    workbook = Workbook()
    ws = workbook.active
    ws.append(["单位编码*", "单位名称", "工号", "姓名", "金额（元）*", "捐款日期", "备注"])
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return SimpleUploadedFile("gifts.xlsx", out.getvalue())


class DonationPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        install_catalogue()
        super().setUpTestData()
        cls.campaign = make_campaign(cls.t)
        cls.detail = f"/donations/{cls.campaign.pk}/"

    def test_list_detail_drill_down_and_hidden_amounts(self):
        t = self.t
        record_gift(
            actor=t.bob,
            campaign=self.campaign,
            unit=t.a_site_1,
            person=t.p_site_1,
            amount="321.45",
            day=DAY,
        )
        record_gift(actor=t.bob, campaign=self.campaign, unit=t.a_site_1, amount="100", day=DAY)
        c = self.login(t.olga)
        page = c.get("/donations/")
        self.assertContains(page, "抗疫捐款")
        self.assertContains(page, "421.45")
        page = c.get(self.detail)
        self.assertContains(page, 'data-unit="a-sub"')
        self.assertContains(page, "421.45")
        page = c.get(self.detail, {"unit": "a-site-1"})
        self.assertContains(page, "321.45")  # the office sees the person's amount
        self.assertTrue(AccessLog.objects.filter(object_type="donation_gifts").exists())
        c = self.login(t.bob)
        page = c.get(self.detail)
        self.assertEqual(page.context["unit"], t.a_site_1)
        self.assertNotContains(page, "321.45")
        self.assertContains(page, "421.45")  # the unit total
        self.assertContains(page, 'data-testid="hidden-note"')
        self.assertEqual(c.get(self.detail, {"unit": "group-a"}).status_code, 404)
        c = self.login(t.charlie)
        self.assertNotContains(c.get("/donations/"), "抗疫捐款")
        for url in (
            self.detail,
            f"{self.detail}gifts/new/",
            f"{self.detail}gifts/import/",
            f"{self.detail}remit/",
            f"{self.detail}thanks.xlsx",
            f"{self.detail}notice/",
        ):
            with self.subTest(url=url):
                self.assertEqual(c.get(url).status_code, 404)

    def test_entering_a_gift_a_double_click_and_bad_amounts(self):
        t = self.t
        c = self.login(t.bob)
        form = c.get(f"{self.detail}gifts/new/")
        key = form.context["entry_key"]
        body = {
            "unit": "a-site-1",
            "person": "A002",
            "amount": "２００．５",
            "day": "2020-01-30",
            "entry_key": key,
        }
        first = c.post(f"{self.detail}gifts/new/", body)
        self.assertEqual(first.status_code, 302)
        c.post(f"{self.detail}gifts/new/", body)
        self.assertEqual(Gift.objects.get().amount, "200.50")
        for amount in ("-1", "0", "abc", "1,000", "100000001"):
            with self.subTest(amount=amount):
                page = c.post(
                    f"{self.detail}gifts/new/", {**body, "amount": amount, "entry_key": ""}
                )
                self.assertEqual(page.status_code, 200)
                self.assertIn("amount", page.context["errors"])
        page = c.post(f"{self.detail}gifts/new/", {**body, "person": "B001", "entry_key": ""})
        self.assertIn("person", page.context["errors"])
        page = c.post(f"{self.detail}gifts/new/", {**body, "unit": "a-site-2", "entry_key": ""})
        self.assertIn("unit", page.context["errors"])
        self.assertEqual(Gift.objects.count(), 1)

    def test_import_all_or_nothing(self):
        t = self.t
        c = self.login(t.alice)
        bad = sheet(
            [
                ["a-hq", "", "", "", 1000, "2020-01-30", "集体"],
                ["a-site-1", "", "A002", "Person A002", "２００", "2020-01-30", ""],
                ["nowhere", "", "", "", 5, None, ""],
                ["a-site-1", "", "A999", "", 5, None, ""],
                ["a-site-1", "", "A002", "别人", 5, None, ""],
                ["a-hq", "", "", "", -5, None, ""],
                ["a-hq", "", "", "", "12.345", None, ""],
                ["a-hq", "", "", "", 5, "2019-01-01", ""],
            ]
        )
        page = c.post(f"{self.detail}gifts/import/", {"file": bad})
        self.assertEqual(page.status_code, 200)
        errors = [(e.row, e.column) for e in page.context["row_errors"]]
        self.assertEqual(
            errors,
            [
                (4, "单位编码"),
                (5, "工号"),
                (6, "姓名"),
                (7, "金额（元）"),
                (8, "金额（元）"),
                (9, "捐款日期"),
            ],
        )
        self.assertEqual(Gift.objects.count(), 0)  # nothing half-written
        good = sheet(
            [
                ["a-hq", "", "", "", 1000, "2020-01-30", "集体"],
                ["a-site-1", "", "A002", "Person A002", "２００.50", "2020/1/30", ""],
                ["a-sub", "", "", "", 88.8, None, ""],
            ]
        )
        page = c.post(f"{self.detail}gifts/import/", {"file": good})
        self.assertEqual(page.status_code, 302)
        self.assertEqual(
            sorted(g.amount for g in Gift.objects.all()), ["1000.00", "200.50", "88.80"]
        )
        self.assertEqual(Gift.objects.get(person=t.p_site_1).unit, t.a_site_1)
        page = c.post(
            f"{self.detail}gifts/import/", {"file": SimpleUploadedFile("x.xlsx", b"junk")}
        )
        self.assertTrue(page.context["general"])
        template = c.get(f"{self.detail}gifts/template/")
        titles = [cell.value for cell in load_workbook(io.BytesIO(template.content)).active[1]]
        self.assertEqual(titles[0], "单位编码*")

    def test_transfer_exports_and_notice(self):
        t = self.t
        record_gift(actor=t.olga, campaign=self.campaign, unit=t.a_hq, amount="47993", day=DAY)
        record_gift(
            actor=t.olga, campaign=self.campaign, unit=t.a_hq, person=t.p_hq, amount="7", day=DAY
        )
        c = self.login(t.olga)
        page = c.post(f"{self.detail}remit/", {"amount": "50000", "voucher_no": "V1"})
        self.assertIn("amount", page.context["errors"])
        receipt = SimpleUploadedFile("回执.jpg", b"jpeg")
        page = c.post(
            f"{self.detail}remit/",
            {"amount": "48000", "voucher_no": "HX001", "day": "2020-01-31", "receipt": receipt},
        )
        self.assertEqual(page.status_code, 302)
        r = Remittance.objects.get()
        download = c.get(f"{self.detail}remittances/{r.pk}/receipt/")
        self.assertEqual(b"".join(download.streaming_content), b"jpeg")
        self.assertEqual(self.login(t.bob).get(f"{self.detail}remit/").status_code, 404)
        c = self.login(t.olga)
        thanks = c.get(f"{self.detail}thanks.xlsx")
        ws = load_workbook(io.BytesIO(thanks.content)).active
        rows = [[cell.value for cell in row] for row in ws.iter_rows(min_row=2)]
        self.assertEqual(rows[0][0], "Unit a-hq")
        self.assertEqual(str(rows[-1][1]), "48000")
        self.assertIn("olga", ws.oddHeader.center.text)  # the watermark
        notice = c.get(f"{self.detail}notice/").context["text"]
        self.assertIn("48,000元", notice)
        self.assertIn("已将捐款48,000元转至市红十字会", notice)
        self.assertNotIn("Person A001", notice)

    def test_goods_received_and_given_with_certificate(self):
        t = self.t
        c = self.login(t.olga)
        page = c.post(
            "/donations/goods/received/new/",
            {
                "unit": "a-hq",
                "item": "mask-kn95",
                "quantity": "1000",
                "counterpart": "某医疗器械公司",
                "campaign": str(self.campaign.pk),
            },
        )
        self.assertEqual(
            page.status_code, 302, getattr(page, "context", None) and page.context.get("errors")
        )
        goods = GoodsDonation.objects.get()
        self.assertEqual(goods.campaign, self.campaign)
        self.assertEqual(Balance.objects.get(unit=t.a_hq, item__code="mask-kn95").quantity, 1000)
        pdf = c.get(f"/donations/goods/{goods.pk}/certificate/")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        page = c.post(
            "/donations/goods/given/new/",
            {"unit": "a-hq", "item": "mask-kn95", "quantity": "1001", "counterpart": "市中心医院"},
        )
        self.assertIn("quantity", page.context["errors"])
        page = c.post(
            "/donations/goods/given/new/",
            {"unit": "a-hq", "item": "mask-kn95", "quantity": "600", "counterpart": " "},
        )
        self.assertIn("counterpart", page.context["errors"])
        page = c.post(
            "/donations/goods/given/new/",
            {
                "unit": "a-hq",
                "item": "mask-kn95",
                "quantity": "600",
                "counterpart": "市中心医院",
                "receipt": SimpleUploadedFile("签收.jpg", b"x"),
            },
        )
        self.assertEqual(page.status_code, 302)
        self.assertEqual(Balance.objects.get(unit=t.a_hq, item__code="mask-kn95").quantity, 400)
        listing = c.get("/donations/goods/")
        self.assertContains(listing, "市中心医院")
        self.assertContains(listing, "某医疗器械公司")
        c = self.login(t.charlie)
        self.assertEqual(c.get(f"/donations/goods/{goods.pk}/certificate/").status_code, 404)
        self.assertNotContains(c.get("/donations/goods/"), "某医疗器械公司")
