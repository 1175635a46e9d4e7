"""The incident form says whom to phone first: the duty room of the level above and the
people on duty there now, each number a tel: link (issue 11)."""

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse

from ..services import roster
from .base import NOW, DutyMixin


@time_machine.travel(NOW, tick=False)
class CallFirstTests(DutyMixin, TestCase):
    def test_the_form_shows_the_duty_room_above_and_who_is_on_duty(self):
        t = self.t
        manager = self.person("A011")
        manager.phone = "13800000011"
        manager.save()
        roster.create_shift(
            actor=t.root,
            room=t.room,
            role="manager",
            person=manager,
            starts_at=NOW - timedelta(hours=2),
            ends_at=NOW + timedelta(hours=6),
        )
        self.client.force_login(t.alice)
        # a-sub reports to group-a, whose duty room serves it.
        page = self.client.get(reverse("incidents:call_first"), {"unit": "a-sub"})
        self.assertContains(page, "请先电话报告Unit group-a")
        self.assertContains(page, 'href="tel:010-12345678"')
        self.assertContains(page, "值班经理：Duty A011")
        self.assertContains(page, 'href="tel:13800000011"')

    def test_without_a_room_above_it_says_whom_to_call(self):
        self.client.force_login(self.t.root)
        page = self.client.get(reverse("incidents:call_first"), {"unit": "province"})
        self.assertContains(page, "请选择事发单位")  # the root reports to nobody above
        page = self.client.get(reverse("incidents:call_first"), {"unit": "group-b"})
        self.assertContains(page, "上级单位尚未排定值班室")

    def test_the_form_has_the_phone_report_countdown(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(reverse("incidents:new"))
        self.assertContains(page, 'data-fk-countdown="fk-countdown-data"')
        self.assertContains(page, '"offset_minutes": 480')  # the form's times are Shanghai's
        self.assertContains(page, '"confirmed": 15')
        self.assertContains(page, 'id="call-first"')

    def test_outsiders_get_a_404(self):
        self.client.force_login(self.t.charlie)
        page = self.client.get(reverse("incidents:call_first"), {"unit": "a-sub"})
        self.assertEqual(page.status_code, 404)
