"""The bulletin's writes: figures from the apps' own reads (equal to the overview's) kept
as a snapshot, a future day refused, draft → edited → approved by another → published and
sent up and down; the .docx and the PDF in their official layout."""

import io
import shutil
import subprocess
import tempfile
import zipfile
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import TestCase
from django.utils import translation

from fangkong.bulletins import document, services
from fangkong.bulletins.choices import BulletinState
from fangkong.bulletins.testing import make_bulletin_province
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.notify.models import Message
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant
from fangkong.reporting import queries as reporting
from fangkong.reporting import services as filing
from fangkong.reporting.testing import daily_values

DAY = date(2026, 2, 3)
MORNING = datetime(2026, 2, 3, 2, 30, tzinfo=UTC)  # 10:30 in Beijing, after the 09:00 cut-off


def figure(bulletin, key, label):
    section = next(s for s in bulletin.sections if s["key"] == key)
    return next(f for f in section["figures"] if f["label"] == label)


@time_machine.travel(MORNING, tick=False)
class BulletinServiceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(MORNING, tick=False):
            cls.t = make_bulletin_province()
            filing.sync_expected(cls.t.daily, DAY)
            filing.file_report(
                actor=cls.t.root,
                form=cls.t.daily,
                unit=cls.t.a_hq,
                day=DAY,
                values=daily_values(confirmed=1, close_contacts=3),
                now=MORNING - timedelta(hours=2),
            )

    def generate(self, **kwargs):
        return services.generate_bulletin(actor=self.t.olga, unit=self.t.group_a, **kwargs)

    def test_figures_are_the_overviews_and_link_to_it(self):
        b = self.generate()
        self.assertEqual((b.day, b.number, b.year, b.state), (DAY, 1, 2026, BulletinState.DRAFT))
        summary = reporting.get_summary(self.t.daily, self.t.group_a, DAY, now=MORNING, fields=[])
        self.assertEqual(figure(b, "reporting", "应报")["value"], summary["expected"])
        self.assertEqual(figure(b, "reporting", "已报")["value"], summary["filed"])
        missing = figure(b, "reporting", "漏报")
        self.assertEqual(missing["value"], summary["missing"])
        self.assertGreater(missing["value"], 0)
        self.assertIn("/reports/overview", missing["url"])
        self.assertIn("unit=group-a", missing["url"])

    def test_snapshot_stays_and_regeneration_keeps_the_office_text(self):
        b = self.generate()
        services.edit_bulletin(actor=self.t.olga, bulletin=b, next_steps="继续做好晨检")
        before = b.sections
        filing.file_report(
            actor=self.t.root,
            form=self.t.daily,
            unit=self.t.a_sub,
            day=DAY,
            values=daily_values(),
            now=MORNING,
        )
        b.refresh_from_db()
        self.assertEqual(b.sections, before)  # the stored figures do not move
        again = self.generate()
        self.assertEqual(again.pk, b.pk)
        self.assertEqual(again.next_steps, "继续做好晨检")
        self.assertEqual(
            figure(again, "reporting", "已报")["value"], figure(b, "reporting", "已报")["value"] + 1
        )

    def test_a_future_day_or_as_of_is_refused_and_nothing_written(self):
        with self.assertRaises(InvalidInput) as caught:
            self.generate(day=DAY + timedelta(days=1))
        self.assertIn("day", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            self.generate(as_of=MORNING + timedelta(hours=1))
        self.assertIn("as_of", caught.exception.fields)
        self.assertFalse(self.t.group_a.bulletins.exists())

    def test_outsiders_and_liaisons_may_not_generate(self):
        for user in (self.t.charlie, self.t.bob, self.t.lena):
            with self.subTest(user=user.username), self.assertRaises(PermissionDeniedInScope):
                services.generate_bulletin(actor=user, unit=self.t.group_a)

    def test_chain_edit_approve_by_another_publish(self):
        t = self.t
        b = self.generate()
        services.edit_bulletin(actor=t.olga, bulletin=b, instructions="坚决落实外防输入")
        with self.assertRaises(InvalidInput):
            services.edit_bulletin(actor=t.olga, bulletin=b, title="x")
        with self.assertRaises(Conflict):
            services.publish_bulletin(actor=t.olga, bulletin=b)  # not approved
        with self.assertRaises(PermissionDeniedInScope):
            services.approve_bulletin(actor=t.alice, bulletin=b)  # not the leading group
        grant(t.olga, t.group_a, Role.LEADING_GROUP)
        t.olga = type(t.olga).objects.get(pk=t.olga.pk)  # drop the cached scopes
        with self.assertRaises(services.OwnEdit):
            services.approve_bulletin(actor=t.olga, bulletin=b)
        b = services.approve_bulletin(actor=t.lena, bulletin=b)
        self.assertEqual(b.state, BulletinState.APPROVED)
        with self.assertRaises(Conflict):
            services.edit_bulletin(actor=t.olga, bulletin=b, deeds="x")
        with self.assertRaises(Conflict):
            self.generate()
        with translation.override("en"):  # a user with an English UI publishes
            b = services.publish_bulletin(actor=t.olga, bulletin=b)
        self.assertEqual(b.state, BulletinState.PUBLISHED)
        # Sent as a notice of the group, with a receipt for the superior and each unit below.
        notice = b.notice
        self.assertEqual((notice.issuer_id, notice.state), (t.group_a.pk, "issued"))
        self.assertEqual(type(b).objects.get(pk=b.pk).notice, notice)
        self.assertIn("疫情防控工作动态", notice.title)  # in the site's language, not the user's
        receipts = set(notice.receipts.values_list("unit__code", flat=True))
        self.assertIn(t.province.code, receipts)  # the superior
        self.assertIn("a-sub", receipts)
        self.assertIn("a-hq", receipts)
        self.assertNotIn("a-site-1", receipts)  # departments and companies, not sites
        self.assertNotIn("group-b", receipts)
        told = set(
            Message.objects.filter(topic="notice").values_list("recipient__username", flat=True)
        )
        self.assertIn("sasac", told)  # the superior's office
        self.assertNotIn("bob", told)  # a site's liaison
        self.assertNotIn("charlie", told)
        with self.assertRaises(Conflict):
            services.publish_bulletin(actor=t.olga, bulletin=b)

    def test_numbers_count_per_unit_and_year(self):
        first = self.generate(day=DAY - timedelta(days=1))
        second = self.generate()
        self.assertEqual((first.number, second.number), (1, 2))


@time_machine.travel(MORNING, tick=False)
class BulletinDocumentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(MORNING, tick=False):
            cls.t = make_bulletin_province()
            filing.sync_expected(cls.t.daily, DAY)
            cls.b = services.generate_bulletin(actor=cls.t.olga, unit=cls.t.group_a)
            cls.b = services.edit_bulletin(
                actor=cls.t.olga, bulletin=cls.b, deeds="第1热力站坚守岗位"
            )

    def test_docx_has_the_red_header_chinese_text_and_east_asia_fonts(self):
        data = document.to_docx(self.b)
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            xml = z.read("word/document.xml").decode()
            footer = "".join(z.read(n).decode() for n in z.namelist() if "footer" in n)
        self.assertIn("疫情防控工作动态", xml)
        self.assertIn("截至2月3日10时", xml)
        self.assertIn("第1热力站坚守岗位", xml)
        self.assertIn('w:eastAsia="方正小标宋简体"', xml)
        self.assertIn('w:eastAsia="仿宋_GB2312"', xml)
        self.assertIn('w:color w:val="E60012"', xml)  # 红头
        self.assertIn("PAGE", footer)  # page numbers

    def test_pdf_embeds_the_cjk_font(self):
        data = document.to_pdf(self.b)
        self.assertTrue(data.startswith(b"%PDF"))
        self.assertIn(b"/FontFile2", data)  # an embedded TrueType font
        self.assertIn(b"NotoSerifCJK", data)
        if shutil.which("pdffonts") is None:
            self.skipTest("pdffonts (poppler-utils) is not installed")
        with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
            f.write(data)
            f.flush()
            out = subprocess.run(["pdffonts", f.name], capture_output=True, text=True).stdout
            text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True)
        line = next(x for x in out.splitlines() if "NotoSerifCJK" in x)
        self.assertIn(" yes ", line)
        if text.returncode == 0:
            self.assertIn("疫情防控工作动态", text.stdout)


class MorningSweepTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(MORNING, tick=False):
            cls.t = make_bulletin_province()

    def test_after_eight_each_group_with_an_office_gets_todays_draft_once(self):
        from fangkong.bulletins.sweeps import morning

        with time_machine.travel(MORNING - timedelta(hours=3), tick=False):  # 07:30 local
            self.assertEqual(morning()["made"], 0)
        with time_machine.travel(MORNING, tick=False):
            self.assertEqual(morning(), {"made": 2, "failed": 0})  # group A (olga), SASAC
            self.assertEqual(morning()["made"], 0)  # idempotent
        b = self.t.group_a.bulletins.get()
        self.assertEqual((b.day, b.state, b.generated_by), (DAY, "draft", self.t.olga))
        self.assertFalse(self.t.group_b.bulletins.exists())  # no office there
