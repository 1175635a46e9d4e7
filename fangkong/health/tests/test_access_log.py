"""Reads of health data log themselves in the scoped queries (no view can forget it), and
the check-in summary shows the fever count only under view_health."""

import json
from datetime import UTC, datetime

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.models import AccessLog
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user

MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class CheckInSummaryTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        cls.viewer = make_user("vera")
        grant(cls.viewer, cls.t.group_a, Role.VIEWER)

    def setUp(self):
        self.client.force_login(self.t.alice)
        body = {
            "unit": "group-a",
            "day": "2020-02-03",
            "checkins": [{"employee_no": "A002", "temperature": 38.4}],
        }
        response = self.client.post(
            "/api/v1/checkins", json.dumps(body), content_type="application/json"
        )
        self.assertEqual(response.status_code, 200, response.content)
        AccessLog.objects.all().delete()

    def summary(self, user):
        self.client.force_login(user)
        return self.client.get("/api/v1/units/group-a/checkin-summary?day=2020-02-03").json()

    def test_a_plain_viewer_gets_completeness_without_the_fever_count(self):
        body = self.summary(self.viewer)
        self.assertEqual(body["checked_in"], 1)
        self.assertIsNone(body["fever"])
        self.assertIsNone(body["observation"])
        self.assertFalse(AccessLog.objects.exists())
        panel = self.client.get(reverse("orgs:unit_detail", args=["group-a"])).content.decode()
        self.assertNotIn("fever", panel.lower())

    def test_a_health_role_sees_the_fever_count_and_the_read_is_logged(self):
        body = self.summary(self.t.alice)
        self.assertEqual(body["fever"], 1)
        log = AccessLog.objects.get()
        self.assertEqual(
            (log.username, log.object_type, log.unit_path),
            ("alice", "checkin_summary", self.t.group_a.path),
        )
        self.assertEqual(log.ip, "127.0.0.1")

    def test_every_health_read_logs_once_per_request(self):
        self.client.force_login(self.t.alice)
        urls = [
            ("/api/v1/checkins?unit=group-a&day=2020-02-03", "checkin"),
            ("/api/v1/health-cases", "health_case"),
            ("/api/v1/observations", "observation_list"),
            ("/api/v1/trips", "trip_list"),
            (reverse("health:checkins") + "?unit=group-a&day=2020-02-03&tab=fever", "checkin"),
            (reverse("health:person", args=[self.t.p_site_1.pk]), "health_record"),
            (f"/api/v1/people/{self.t.p_site_1.pk}", "person"),
        ]
        for url, object_type in urls:
            with self.subTest(url=url):
                AccessLog.objects.all().delete()
                self.assertEqual(self.client.get(url).status_code, 200)
                self.assertEqual(AccessLog.objects.filter(object_type=object_type).count(), 1, url)


@time_machine.travel(MORNING, tick=False)
class AccessLogPageTests(ProvinceMixin, TestCase):
    """The access log says in Chinese what was read and how it was filtered: no "list", no
    English filter words, no query string or JSON (issue 10)."""

    def test_reads_are_described_in_words(self):
        self.client.force_login(self.t.alice)
        checkins = reverse("health:checkins")
        for tab in ("missing", "fever"):
            url = f"{checkins}?unit=group-a&day=2020-02-03&tab={tab}"
            self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(self.client.get("/api/v1/health-cases?state=closed").status_code, 200)
        self.assertEqual(
            self.client.get(reverse("health:link_list", args=["group-a"])).status_code, 200
        )
        self.client.force_login(self.t.root)
        page = self.client.get(reverse("core:access_log")).content.decode()
        for words in ("日期：2020-02-03；名单：未晨检", "名单：发热", "名单：已结案", "查看"):
            self.assertIn(words, page)
        cells = page.split("<tbody>")[1]
        for raw in ("list", "missing", "fever", "closed", "{", "unit=", "?"):
            self.assertNotIn(raw, cells)
        self.assertNotIn(">view<", cells)
