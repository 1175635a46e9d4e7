import time_machine
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.duty.models import DutyLogEntry, Handover, RosterTemplate, Shift, SwapRequest
from fangkong.duty.services import roster, swaps, templates
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant

from .base import NOW, DutyMixin, at


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class PageTests(DutyMixin, TestCase):
    def test_room_list_and_calendar_show_coverage(self):
        self.login(self.t.alice)
        response = self.client.get(reverse("duty:room_list"))
        self.assertContains(response, "Group A duty room")
        self.assertContains(response, 'data-testid="gaps"')
        self.assertNotContains(response, "B duty room")
        # a-sub is a subsidiary and a key unit without a duty room of its own
        self.assertContains(response, 'data-testid="missing-rooms"')
        self.assertContains(response, "a-sub")
        for template in self.full_roster():
            templates.apply_template(actor=self.t.root, template=template, month=NOW.date())
        url = reverse("duty:room_detail", args=["group-a"])
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(url)
        self.assertLessEqual(len(queries), 14)  # whatever the number of shifts
        self.assertContains(response, 'data-testid="no-gaps"')
        self.assertContains(response, "Duty A015")
        self.assertContains(response, 'data-testid="day-2020-02-29"')
        response = self.client.get(url + "?month=2020-03")
        self.assertContains(response, 'data-testid="gap-days"')
        self.assertContains(response, 'href="?month=2020-04"')

    def test_template_form_and_apply_in_one_action(self):
        self.login(self.t.alice)
        url = reverse("duty:template_new", args=["group-a"])
        self.assertEqual(self.client.get(url).status_code, 200)
        bad = self.client.post(
            url,
            {
                "role": "staff",
                "name": "Day and night",
                "shift_hours": 24,
                "start_time": "08:00",
                "anchor_on": "2020-03-01",
                "people": "A010 NOPE",
            },
        )
        self.assertContains(bad, "NOPE", status_code=400)
        for role, people in (
            ("staff", "A010, A011\nA012"),
            ("manager", "A013 A014"),
            ("leader", "A015"),
        ):
            response = self.client.post(
                url,
                {
                    "role": role,
                    "name": f"{role} rota",
                    "shift_hours": 24,
                    "start_time": "08:00",
                    "anchor_on": "2020-03-01",
                    "people": people,
                },
            )
            self.assertRedirects(response, reverse("duty:room_detail", args=["group-a"]))
        for template in RosterTemplate.objects.all():
            response = self.client.post(
                reverse("duty:template_apply", args=["group-a", template.pk]), {"month": "2020-03"}
            )
            self.assertEqual(response.status_code, 302)
        response = self.client.get(reverse("duty:room_detail", args=["group-a"]) + "?month=2020-03")
        self.assertContains(response, 'data-testid="no-gaps"')
        self.assertEqual(Shift.objects.filter(role="staff").count(), 32)
        edit = reverse(
            "duty:template_edit", args=["group-a", RosterTemplate.objects.get(role="staff").pk]
        )
        page = self.client.get(edit)
        self.assertContains(page, "A010 A011 A012")
        self.assertContains(page, 'value="08:00"')

    def test_shift_form_refuses_an_overlap_with_a_clear_error(self):
        self.login(self.t.alice)
        url = reverse("duty:shift_new", args=["group-a"])
        data = {
            "role": "staff",
            "employee_no": "A011",
            "starts_at": "2020-02-11T08:00",
            "ends_at": "2020-02-12T08:00",
        }
        self.assertEqual(self.client.post(url, data).status_code, 302)
        shift = Shift.objects.get()
        self.assertEqual((shift.starts_at, shift.ends_at), (at(11, 8), at(12, 8)))
        response = self.client.post(
            url,
            data
            | {"role": "leader", "starts_at": "2020-02-11T20:00", "ends_at": "2020-02-12T20:00"},
        )
        self.assertContains(
            response,
            "Duty A011 is already on duty from 2020-02-11 08:00 to 2020-02-12 08:00",
            status_code=400,
        )

    def test_swap_asked_on_the_page_and_approved(self):
        t = self.t
        grant(t.duty1, t.group_a, Role.VIEWER)
        shift = roster.create_shift(
            actor=t.root,
            room=t.room,
            role="staff",
            person=self.person("A010"),
            starts_at=at(12, 8),
            ends_at=at(13, 8),
        )
        self.login(t.duty1)
        page = self.client.get(reverse("duty:shift_detail", args=[shift.pk]))
        self.assertContains(page, 'data-testid="swap-form"')
        self.assertNotContains(page, 'data-testid="edit-form"')
        response = self.client.post(
            reverse("duty:swap_request", args=[shift.pk]), {"employee_no": "A012", "reason": "exam"}
        )
        self.assertEqual(response.status_code, 302)
        swap = SwapRequest.objects.get()
        self.login(t.alice)
        page = self.client.get(reverse("duty:shift_detail", args=[shift.pk]))
        self.assertContains(page, 'data-testid="decide-form"')
        self.assertContains(page, 'value="2020-02-12T08:00"')  # the edit form, local time
        response = self.client.post(
            reverse("duty:swap_decide", args=[swap.pk]), {"decision": "approve"}
        )
        self.assertEqual(response.status_code, 302)
        shift.refresh_from_db()
        self.assertEqual(shift.person, self.person("A012"))

    def test_log_and_handover_confirm(self):
        t = self.t
        grant(t.duty1, t.group_a, Role.VIEWER)
        outgoing = roster.create_shift(
            actor=t.root,
            room=t.room,
            role="manager",
            person=self.person("A011"),
            starts_at=at(9, 10),
            ends_at=at(10, 10),
        )
        roster.create_shift(
            actor=t.root,
            room=t.room,
            role="manager",
            person=self.person("A010"),
            starts_at=at(10, 10),
            ends_at=at(11, 10),
        )
        self.login(t.duty1)
        page = self.client.get(reverse("duty:log", args=["group-a"]))
        self.assertContains(page, 'data-testid="own-shift"')
        response = self.client.post(
            reverse("duty:log_add", args=["group-a"]),
            {"kind": "report_up", "text": "Reported to SASAC"},
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(DutyLogEntry.objects.get().by, t.duty1)
        self.login(t.alice)
        response = self.client.post(
            reverse("duty:handover_new", args=[outgoing.pk]), {"note": "Two calls pending"}
        )
        self.assertEqual(response.status_code, 302)
        handover = Handover.objects.get()
        self.login(t.duty1)
        self.assertContains(
            self.client.get(reverse("duty:log", args=["group-a"])), 'data-testid="confirm-in"'
        )
        self.client.post(reverse("duty:handover_confirm", args=[handover.pk]), {"side": "in"})
        handover.refresh_from_db()
        self.assertEqual(handover.confirmed_in_by, t.duty1)

    def test_on_duty_now_page_resolves_up_the_tree(self):
        roster.create_shift(
            actor=self.t.root,
            room=self.t.room,
            role="leader",
            person=self.person("A015"),
            starts_at=at(10, 8),
            ends_at=at(11, 8),
        )
        self.login(self.t.bob)  # liaison of a-site-1 only: the room above is out of his scope
        response = self.client.get(reverse("duty:now") + "?unit=a-site-1")
        self.assertContains(response, "Group A duty room")
        self.assertContains(response, "Duty A015")
        self.assertContains(response, "nobody on duty")
        self.assertNotContains(response, reverse("duty:room_detail", args=["group-a"]))

    def test_outsiders_get_404(self):
        shift = roster.create_shift(
            actor=self.t.root,
            room=self.t.room,
            role="staff",
            person=self.person("A011"),
            starts_at=at(12, 8),
            ends_at=at(13, 8),
        )
        template = self.template()
        swap = swaps.request_swap(actor=self.t.alice, shift=shift, to_person=self.person("A012"))
        self.login(self.t.charlie)
        gets = [
            reverse("duty:room_detail", args=["group-a"]),
            reverse("duty:log", args=["group-a"]),
            reverse("duty:shift_detail", args=[shift.pk]),
            reverse("duty:template_edit", args=["group-a", template.pk]),
            reverse("duty:now") + "?unit=a-site-1",
        ]
        for url in gets:
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 404)
        posts = [
            (reverse("duty:template_apply", args=["group-a", template.pk]), {"month": "2020-03"}),
            (reverse("duty:swap_decide", args=[swap.pk]), {"decision": "approve"}),
            (reverse("duty:shift_delete", args=[shift.pk]), {}),
            (reverse("duty:log_add", args=["group-a"]), {"kind": "other", "text": "x"}),
            (reverse("duty:room_new"), {"unit": "group-a", "name": "Mine"}),
        ]
        for url, data in posts:
            with self.subTest(url=url):
                self.assertEqual(self.client.post(url, data).status_code, 404)
        self.assertFalse(Shift.objects.filter(template=template).exists())
        # bob sees the room page? No: a-site-1 does not cover group-a.
        self.login(self.t.bob)
        self.assertEqual(
            self.client.get(reverse("duty:room_detail", args=["group-a"])).status_code, 404
        )
        self.login(self.t.nobody)
        self.assertEqual(self.client.get(reverse("duty:room_list")).status_code, 404)
