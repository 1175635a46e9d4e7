"""催办 of missing reports: one reminder per unit and liaison, the 5-minute rule, read
receipts, scope, the API, and two clicks at once (PostgreSQL)."""

import json
from datetime import timedelta
from unittest import skipIf

import time_machine
from django.db import connection
from django.test import TestCase, TransactionTestCase
from django.urls import reverse

from fangkong.core.testing import run_in_threads
from fangkong.notify import queries as notify_queries
from fangkong.notify import services as notify
from fangkong.notify.choices import Channel
from fangkong.notify.models import Chase, Message
from fangkong.reporting import services
from fangkong.reporting.testing import daily_values, make_reporting_province

from .test_reminders import DAY, build, local

WHAT = "report:daily:2020-02-03"
CHASE = reverse("notify:chase")
HX = {"HTTP_HX_REQUEST": "true"}


def setup(t):
    build(t)  # liaisons: bob on a-site-1, carol on a-sub, dave named on a-site-2
    services.sync_expected(t.daily, DAY)


def inbox_rows(**filters):
    return Message.objects.filter(topic="chase", channel=Channel.INAPP, **filters)


class ChaseTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.t = make_reporting_province()
        setup(cls.t)

    def chase(self, *codes, user=None, what=WHAT):
        self.client.force_login(user or self.t.olga)
        return self.client.post(CHASE, {"what": what, "unit": list(codes)}, **HX)

    def test_chasing_the_missing_units_sends_one_reminder_each_then_refuses_for_5_minutes(self):
        t = self.t
        with time_machine.travel(local(10, 0), tick=False):
            response = self.chase("a-site-1", "a-site-2", "a-sub")
            self.assertEqual(response.status_code, 200)
            self.assertContains(response, "已催办 3 个单位")
            got = sorted(inbox_rows().values_list("recipient__username", "unit__code"))
            self.assertEqual(got, [("bob", "a-site-1"), ("carol", "a-sub"), ("dave", "a-site-2")])
            self.assertEqual(Chase.objects.filter(what=WHAT).count(), 3)
            message = inbox_rows(recipient=t.bob).get()
            self.assertIn("Unit a-site-1", message.subject)
            self.assertEqual(
                message.url,
                reverse("reporting:report", args=["daily", "a-site-1", DAY.isoformat()]),
            )
        with time_machine.travel(local(10, 3), tick=False):
            response = self.chase("a-site-1")  # the second click: refused, says when
            self.assertContains(response, "10:00 已催办过")
            self.assertContains(response, "10:05 后可再次催办")
            self.assertEqual(inbox_rows().count(), 3)
            response = self.chase("a-site-1", "a-site-2", "a-sub", "a-hq")  # remind all
            self.assertContains(response, "3 个单位 5 分钟内已催办过，已跳过")
        with time_machine.travel(local(10, 5) + timedelta(seconds=1), tick=False):
            self.assertContains(self.chase("a-site-1"), "已催办")
            self.assertEqual(inbox_rows(recipient=t.bob).count(), 2)

    def test_read_receipts_on_the_overview(self):
        t = self.t
        with time_machine.travel(local(10, 0), tick=False):
            self.chase("a-sub")
        with time_machine.travel(local(10, 7), tick=False):
            notify.deliver_due()
            notify.mark_read(user=t.carol)
            self.client.force_login(t.olga)
            page = self.client.get(
                reverse("reporting:overview"), {"unit": "group-a", "day": DAY.isoformat()}
            )
        self.assertContains(page, "已催办 10:00 · 已读 1/1")
        self.assertContains(page, "carol")
        receipts = notify_queries.list_chase_receipts(WHAT, [t.a_sub, t.a_site_1])
        self.assertEqual(list(receipts), [t.a_sub.pk])
        self.assertEqual((receipts[t.a_sub.pk].read, receipts[t.a_sub.pk].total), (1, 1))

    def test_the_overview_lists_liaison_phones_as_tel_links_and_the_buttons(self):
        t = self.t
        t.p_site_2.phone = "13800000002"
        t.p_site_2.save()
        with time_machine.travel(local(10, 0), tick=False):
            self.client.force_login(t.olga)
            page = self.client.get(
                reverse("reporting:overview"), {"unit": "group-a", "day": DAY.isoformat()}
            )
        self.assertContains(page, 'href="tel:13800000002"')
        self.assertContains(page, 'data-testid="chase-all"')
        self.assertContains(page, 'data-testid="chase-a-site-1"')

    def test_a_unit_that_filed_meanwhile_is_not_reminded(self):
        t = self.t
        with time_machine.travel(local(10, 0), tick=False):
            services.file_report(
                actor=t.bob, form=t.daily, unit=t.a_site_1, day=DAY, values=daily_values()
            )
            outcomes = notify.chase(actor=t.olga, what=WHAT, units=["a-site-1"])
        self.assertEqual([o.status for o in outcomes], ["done"])
        self.assertFalse(inbox_rows().exists())

    def test_outsiders_get_404_and_send_nothing(self):
        t = self.t
        with time_machine.travel(local(10, 0), tick=False):
            self.assertEqual(self.chase("a-site-1", user=t.charlie).status_code, 404)
            self.assertEqual(self.chase("a-site-1", user=t.nobody).status_code, 404)
            self.assertEqual(self.chase("a-site-1", "b-sub", user=t.olga).status_code, 404)
        self.assertFalse(Chase.objects.exists())

    def test_without_htmx_the_form_goes_back_with_the_outcome(self):
        with time_machine.travel(local(10, 0), tick=False):
            self.client.force_login(self.t.olga)
            back = "/reports/overview/?unit=group-a"
            response = self.client.post(
                CHASE, {"what": WHAT, "unit": "a-site-1", "next": back}, follow=True
            )
        self.assertEqual(response.redirect_chain[-1][0], back)
        self.assertContains(response, "已催办")

    def test_the_api_answers_per_unit(self):
        t = self.t
        self.client.force_login(t.olga)
        body = {"what": WHAT, "units": ["a-hq", "a-site-1"]}  # the first has nobody to remind
        with time_machine.travel(local(10, 0), tick=False):
            first = self.client.post(
                "/api/v1/chases", json.dumps(body), content_type="application/json"
            )
            self.assertEqual(first.status_code, 200, first.content)
            self.assertEqual(
                [(i["unit"], i["status"]) for i in first.json()["items"]],
                [("a-hq", "nobody"), ("a-site-1", "sent")],
            )
            again = self.client.post(
                "/api/v1/chases", json.dumps(body), content_type="application/json"
            )
            item = again.json()["items"][1]
            self.assertEqual(item["status"], "skipped")
            self.assertIn("10:05", item["message"])
            outsider = {"what": WHAT, "units": ["b-sub"]}
            refused = self.client.post(
                "/api/v1/chases", json.dumps(outsider), content_type="application/json"
            )
            self.assertEqual(refused.status_code, 400)
            self.assertEqual(refused.json()["code"], "unknown_unit")
            bad = self.client.post(
                "/api/v1/chases",
                json.dumps({"what": "nonsense", "units": ["a-sub"]}),
                content_type="application/json",
            )
            self.assertEqual(bad.status_code, 400)
        self.assertEqual(inbox_rows(recipient=t.bob).count(), 1)


@skipIf(connection.vendor == "sqlite", "SQLite's writers never run at the same moment")
class ChaseRaceTests(TransactionTestCase):
    def test_two_clicks_at_once_send_one_reminder(self):
        t = make_reporting_province()
        setup(t)
        outcomes = []
        with time_machine.travel(local(10, 0) + timedelta(seconds=1)):

            def click(n):
                outcomes.extend(
                    o.status for o in notify.chase(actor=t.olga, what=WHAT, units=["a-site-1"])
                )

            run_in_threads(click)
        self.assertEqual(sorted(outcomes), ["sent", "skipped"])
        self.assertEqual(inbox_rows(recipient=t.bob).count(), 1)
        self.assertEqual(Chase.objects.count(), 1)
