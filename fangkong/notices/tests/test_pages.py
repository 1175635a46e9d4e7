"""The notices' pages: the lists with their empty state, drafting, a notice read on
opening, acknowledged, forwarded, the chase panel with drill-down and re-reminding;
the outsider gets 404."""

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from fangkong.notices import services
from fangkong.notices.models import Notice, Receipt, Reminder
from fangkong.notices.testing import make_leaders, sasac_notice
from fangkong.orgs.testing import ProvinceMixin


class NoticePageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_leaders(cls.t)

    def test_lists_and_empty_state(self):
        t = self.t
        page = self.login(t.olga).get("/notices/")
        self.assertContains(page, "暂无通知。", status_code=200)
        notice = sasac_notice(t)
        page = self.login(t.alice).get("/notices/?box=inbox")
        self.assertContains(page, notice.title)
        page = self.login(t.sasac).get("/notices/?box=sent")
        self.assertContains(page, notice.number)

    def test_draft_through_the_form(self):
        t = self.t
        response = self.login(t.leo).post(
            "/notices/new/",
            {
                "issuer": "group-a",
                "kind": "order",
                "title": "领导小组令",
                "body": "第一行\n第二行",
                "recipients": "a-hq",
                "recipients_2": "a-sub",
            },
        )
        notice = Notice.objects.get()
        self.assertRedirects(response, f"/notices/{notice.pk}/")
        self.assertEqual(notice.body, "<p>第一行</p><p>第二行</p>")
        self.assertEqual(notice.receipt_count, 4)  # a-hq, and a-sub with its two sites
        page = self.login(t.leo).post(
            "/notices/new/", {"issuer": "group-a", "kind": "order", "title": "x"}
        )
        self.assertContains(page, "请至少选择一个接收单位。")
        self.assertEqual(self.login(t.bob).get("/notices/new/").status_code, 404)

    def test_open_reads_ack_forward_chase_and_remind(self):
        t = self.t
        notice = sasac_notice(t)
        page = self.login(t.alice).get(f"/notices/{notice.pk}/")
        self.assertContains(page, "forward-form")
        self.assertTrue(Receipt.objects.get(notice=notice, unit=t.group_a).read_at)
        self.login(t.olga).post(
            f"/notices/{notice.pk}/forward/", {"unit": "group-a", "cover_note": "转发"}
        )
        forward = Notice.objects.get(original=notice)
        self.login(t.bob).get(f"/notices/{forward.pk}/")
        response = self.login(t.bob).post(f"/notices/{forward.pk}/ack/", {"reply": "收到"})
        self.assertRedirects(response, f"/notices/{forward.pk}/")
        self.assertTrue(Receipt.objects.get(notice=forward, unit=t.a_site_1).acked_at)
        client = self.login(t.sasac)
        with CaptureQueriesContext(connection) as queries:
            page = client.get(f"/notices/{notice.pk}/?unit=group-a")
        self.assertLessEqual(len(queries), 30)  # whatever the number of receipts
        self.assertContains(page, "Unit a-site-2")
        self.assertContains(page, "传达到哪一级")
        response = self.login(t.sasac).post(
            f"/notices/{notice.pk}/remind/", {"next": f"/notices/{notice.pk}/"}, follow=True
        )
        self.assertContains(response, "alert-success")
        self.assertEqual(
            Reminder.objects.get().units, 4
        )  # down the chain: a-hq, a-sub, a-site-2, group-b
        response = self.login(t.sasac).post(f"/notices/{notice.pk}/remind/", {}, follow=True)
        self.assertContains(response, "alert-danger")
        self.assertEqual(Reminder.objects.count(), 1)
        # group B received the SASAC's notice, not group A's forward
        self.assertEqual(self.login(t.charlie).get(f"/notices/{notice.pk}/").status_code, 200)
        self.assertEqual(self.login(t.charlie).get(f"/notices/{forward.pk}/").status_code, 404)
        self.assertEqual(
            self.login(t.charlie).get(f"/notices/{notice.pk}/?unit=group-a").status_code, 404
        )
        self.assertEqual(self.login(t.charlie).post(f"/notices/{forward.pk}/ack/").status_code, 404)

    def test_the_chase_panel_refreshes_itself(self):
        t = self.t
        notice = sasac_notice(t)
        page = self.login(t.sasac).get(f"/notices/{notice.pk}/")
        self.assertContains(page, 'hx-trigger="every 30s"')
        self.assertContains(page, "每30秒刷新")
        panel = self.login(t.sasac).get(f"/notices/{notice.pk}/?unit=group-a&panel=chase")
        self.assertContains(panel, 'data-testid="chase"')
        self.assertNotContains(panel, "<html")
        self.assertContains(panel, "unit=group-a&amp;owing=ack&amp;panel=chase")
        self.assertContains(panel, '<b data-testid="unread">1</b>')
        self.login(t.alice).get(f"/notices/{notice.pk}/")  # group A opens it
        panel = self.login(t.sasac).get(f"/notices/{notice.pk}/?unit=group-a&panel=chase")
        self.assertContains(panel, '<b data-testid="unread">0</b>')
        self.assertEqual(
            self.login(t.charlie)
            .get(f"/notices/{notice.pk}/?unit=group-a&panel=chase")
            .status_code,
            404,
        )

    def test_pending_approved_from_the_page(self):
        t = self.t
        notice = services.draft_notice(
            actor=t.olga, issuer=t.group_a, kind="notice", title="x", recipients=[t.a_sub]
        )
        self.assertNotContains(
            self.login(t.olga).get(f"/notices/{notice.pk}/"), 'data-testid="approve"'
        )
        self.assertContains(
            self.login(t.leo).get(f"/notices/{notice.pk}/"), 'data-testid="approve"'
        )
        self.login(t.leo).post(f"/notices/{notice.pk}/approve/")
        notice.refresh_from_db()
        self.assertEqual(notice.state, "issued")


class NoticeAttachmentTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_leaders(cls.t)

    def test_a_file_of_the_notice_for_its_readers_only(self):
        import tempfile

        from django.core.files.uploadedfile import SimpleUploadedFile
        from django.test import override_settings

        t = self.t
        with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media):
            notice = services.draft_notice(
                actor=t.leo,
                issuer=t.group_a,
                kind="notice",
                title="x",
                recipients=[t.a_sub],
                files=[SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test")],
            )
            item = notice.attachments.get()
            path = f"/notices/{notice.pk}/files/{item.pk}/"
            self.assertContains(self.login(t.bob).get(f"/notices/{notice.pk}/"), path)
            response = self.login(t.bob).get(path)
            self.assertEqual(response.status_code, 200)
            self.assertEqual(b"".join(response.streaming_content), b"%PDF-1.4 test")
            self.assertEqual(self.login(t.charlie).get(path).status_code, 404)


class NoticeWithdrawPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        make_leaders(cls.t)

    def test_withdrawn_from_the_page_then_no_more_acknowledgements(self):
        t = self.t
        notice = services.draft_notice(
            actor=t.leo, issuer=t.group_a, kind="notice", title="x", recipients=[t.a_sub]
        )
        page = self.login(t.olga).get(f"/notices/{notice.pk}/?owing=read")
        self.assertContains(page, 'data-testid="withdraw"')
        self.assertNotContains(
            self.login(t.bob).get(f"/notices/{notice.pk}/"), 'data-testid="withdraw"'
        )
        self.login(t.olga).post(f"/notices/{notice.pk}/withdraw/", {"reason": "内容有误"})
        notice.refresh_from_db()
        self.assertEqual(notice.state, "withdrawn")
        response = self.login(t.bob).post(
            f"/notices/{notice.pk}/ack/", {"reply": "收到"}, follow=True
        )
        self.assertContains(response, "该通知已撤回，不再接受回复。")
        self.assertFalse(Receipt.objects.filter(notice=notice, acked_at__isnull=False).exists())
