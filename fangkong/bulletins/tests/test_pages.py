"""The bulletin's pages and API: the archive, a bulletin with its figures linked to their
sources, edit, approve, publish; the .docx and PDF; scoped (an outsider or a liaison of
another unit gets 404), a viewer sees published bulletins and statements only."""

import io
import zipfile
from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase

from fangkong.bulletins import services
from fangkong.bulletins.choices import BulletinState
from fangkong.bulletins.testing import make_bulletin_province
from fangkong.reporting import services as filing

DAY = date(2026, 2, 3)
MORNING = datetime(2026, 2, 3, 2, 30, tzinfo=UTC)
PAGE = "/bulletins/group-a/2026-02-03/"
API = "/api/v1/bulletins/group-a/2026-02-03"


@time_machine.travel(MORNING, tick=False)
class BulletinPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(MORNING, tick=False):
            cls.t = make_bulletin_province()
            filing.sync_expected(cls.t.daily, DAY)

    def draft(self):
        return services.generate_bulletin(actor=self.t.olga, unit=self.t.group_a)

    def test_office_generates_edits_leader_approves_office_publishes(self):
        c = self.client
        c.force_login(self.t.olga)
        archive = c.get("/bulletins/?unit=group-a")
        self.assertContains(archive, "生成今日工作动态")
        self.assertContains(archive, "本单位还没有工作动态")
        response = c.post("/bulletins/group-a/generate/", {"day": "2026-02-03"})
        self.assertRedirects(response, PAGE)
        page = c.get(PAGE)
        self.assertContains(page, "截至2月3日10时")
        self.assertContains(page, "2026年第1期")
        self.assertContains(page, "/reports/overview/?form=daily&amp;unit=group-a")
        response = c.post(
            PAGE + "edit/", {"instructions": "坚决落实", "deeds": "", "next_steps": ""}
        )
        self.assertRedirects(response, PAGE)
        self.assertContains(c.get(PAGE), "坚决落实")
        self.assertNotContains(c.get(PAGE), 'data-testid="approve"')
        c.force_login(self.t.lena)
        self.assertContains(c.get(PAGE), 'data-testid="approve"')
        c.post(PAGE + "approve/")
        c.force_login(self.t.olga)
        c.post(PAGE + "publish/")
        self.assertEqual(self.t.group_a.bulletins.get().state, BulletinState.PUBLISHED)

    def test_a_future_day_is_refused_with_its_reason(self):
        self.client.force_login(self.t.olga)
        response = self.client.post(
            "/bulletins/group-a/generate/", {"day": "2026-02-04"}, follow=True
        )
        self.assertContains(response, "不能生成未来日期的工作动态")
        self.assertFalse(self.t.group_a.bulletins.exists())

    def test_too_long_text_is_a_400_naming_nothing_saved(self):
        self.draft()
        self.client.force_login(self.t.olga)
        response = self.client.post(PAGE + "edit/", {"deeds": "字" * 20001})
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self.t.group_a.bulletins.get().deeds, "")

    def test_outsiders_get_404_everywhere(self):
        self.draft()
        urls = [
            PAGE,
            PAGE + "edit/",
            PAGE + "bulletin.docx",
            PAGE + "bulletin.pdf",
            API,
            API + ".docx",
            API + ".pdf",
        ]
        for user in (self.t.charlie, self.t.bob):
            self.client.force_login(user)
            for url in urls:
                with self.subTest(user=user.username, url=url):
                    self.assertEqual(self.client.get(url).status_code, 404)
            self.assertEqual(self.client.post("/bulletins/group-a/generate/").status_code, 404)

    def test_a_viewer_sees_the_published_bulletin_only(self):
        b = self.draft()
        self.client.force_login(self.t.vera)
        self.assertEqual(self.client.get(PAGE).status_code, 404)
        self.assertEqual(self.client.get(API).status_code, 404)
        services.approve_bulletin(actor=self.t.lena, bulletin=b)
        services.publish_bulletin(actor=self.t.olga, bulletin=b)
        self.assertEqual(self.client.get(PAGE).status_code, 200)
        self.assertEqual(self.client.get(API).status_code, 200)
        self.assertNotContains(self.client.get(PAGE), 'data-testid="edit"')

    def test_api_gives_the_snapshot_and_the_files(self):
        self.draft()
        self.client.force_login(self.t.olga)
        body = self.client.get(API).json()
        self.assertEqual(body["unit"], "group-a")
        self.assertEqual(body["state"], "draft")
        self.assertEqual(body["number"], 1)
        reporting = next(s for s in body["sections"] if s["key"] == "reporting")
        self.assertTrue(all(f["url"].startswith("/") for f in reporting["figures"]))
        docx = self.client.get(API + ".docx")
        self.assertEqual(docx.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
            self.assertIn("疫情防控工作动态", z.read("word/document.xml").decode())
        pdf = self.client.get(API + ".pdf")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertIn(b"/FontFile2", pdf.content)
        self.assertEqual(self.client.get("/api/v1/bulletins/group-a/2026-02-02").status_code, 404)
        self.assertEqual(self.client.get("/api/v1/bulletins/group-a/not-a-day").status_code, 404)

    def test_statements_viewer_sees_published_only(self):
        t = self.t
        self.client.force_login(t.olga)
        self.client.post(
            "/bulletins/statements/", {"unit": "group-a", "title": "口径一", "body": "无确诊"}
        )
        response = self.client.post(
            "/bulletins/statements/", {"unit": "group-a", "title": "", "body": ""}
        )
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "请填写标题", status_code=400)
        self.client.force_login(t.vera)
        self.assertNotContains(self.client.get("/bulletins/statements/?unit=group-a"), "口径一")
        self.assertEqual(
            self.client.post(
                "/bulletins/statements/", {"unit": "group-a", "title": "x", "body": "y"}
            ).status_code,
            404,
        )
        st = t.group_a.statements.get()
        services.publish_statement(actor=t.olga, statement=st)
        self.assertContains(self.client.get("/bulletins/statements/?unit=group-a"), "口径一")
        self.client.force_login(t.charlie)
        self.assertEqual(self.client.get("/bulletins/statements/?unit=group-a").status_code, 404)


@time_machine.travel(MORNING, tick=False)
class BulletinTaskTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(MORNING, tick=False):
            cls.t = make_bulletin_province()

    def test_the_leader_is_asked_to_approve_then_the_office_to_publish(self):
        from fangkong.bulletins.tasks import bulletins_waiting

        t = self.t
        b = services.generate_bulletin(actor=t.olga, unit=t.group_a)
        kinds = lambda user: [task.kind for task in bulletins_waiting(user, MORNING)]  # noqa: E731
        self.assertEqual(kinds(t.lena), ["bulletins.approve"])
        self.assertEqual(kinds(t.olga), [])
        self.assertEqual(kinds(t.charlie), [])
        services.approve_bulletin(actor=t.lena, bulletin=b)
        self.assertEqual(kinds(t.lena), [])
        self.assertEqual(kinds(t.olga), ["bulletins.publish"])


@time_machine.travel(MORNING, tick=False)
class BulletinPostApiTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        with time_machine.travel(MORNING, tick=False):
            cls.t = make_bulletin_province()

    def test_post_generates_the_draft_and_refuses_bad_days_and_outsiders(self):
        c = self.client
        c.force_login(self.t.olga)
        response = c.post(API)
        self.assertEqual(response.status_code, 201)
        self.assertEqual(response.json()["state"], "draft")
        future = c.post("/api/v1/bulletins/group-a/2026-02-04")
        self.assertEqual(future.status_code, 400)
        self.assertIn("day", future.json()["fields"])
        self.assertEqual(c.post("/api/v1/bulletins/group-a/2026-2-x").status_code, 400)
        self.assertEqual(self.t.group_a.bulletins.count(), 1)
        c.force_login(self.t.lena)
        self.assertEqual(c.post(API).status_code, 403)  # sees it, may not make it
        c.force_login(self.t.charlie)
        self.assertEqual(c.post(API).status_code, 404)
