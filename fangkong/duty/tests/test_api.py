import json
from urllib.parse import urlencode

import time_machine
from django.test import TestCase, override_settings

from fangkong.duty.models import Shift, SwapRequest
from fangkong.duty.services import roster
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import grant

from .base import NOW, DutyMixin, at


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class ApiTests(DutyMixin, TestCase):
    def post(self, user, url, body):
        self.client.force_login(user)
        return self.client.post(url, json.dumps(body), content_type="application/json")

    def get(self, user, url):
        self.client.force_login(user)
        return self.client.get(url)

    def test_templates_applied_to_next_month_leave_no_gaps(self):
        t = self.t
        ids = {no: p.pk for no, p in t.people.items()}
        made = []
        for role, people in (
            ("staff", ["A010", "A011", "A012"]),
            ("manager", ["A013", "A014"]),
            ("leader", ["A015"]),
        ):
            response = self.post(
                t.alice,
                "/api/v1/duty/rooms/group-a/templates",
                {
                    "name": f"{role} rota",
                    "role": role,
                    "shift_hours": 24,
                    "start_time": "08:00",
                    "anchor_on": "2020-03-01",
                    "people": [ids[n] for n in people],
                },
            )
            self.assertEqual(response.status_code, 201, response.content)
            made.append(response.json()["id"])
        for template_id in made:
            response = self.post(
                t.alice,
                f"/api/v1/duty/rooms/group-a/templates/{template_id}/apply",
                {"month": "2020-03"},
            )
            self.assertEqual(response.status_code, 200, response.content)
            self.assertEqual(response.json()["created"], 32)
        shifts = self.get(
            t.alice, "/api/v1/duty/rooms/group-a/shifts?from=2020-03-01&to=2020-03-31"
        )
        self.assertEqual(len(shifts.json()), 96)
        with time_machine.travel(at(1, 0, 3), tick=False):
            gaps = self.get(t.alice, "/api/v1/duty/rooms/group-a/gaps?days=30").json()
        self.assertEqual(gaps["gaps"], {"staff": [], "manager": [], "leader": []})
        now = self.get(
            t.olga,
            "/api/v1/duty/now?" + urlencode({"unit": "a-site-1", "at": at(15, 9, 3).isoformat()}),
        )
        body = now.json()
        self.assertEqual(body["room"]["unit"], "group-a")
        self.assertEqual([p["employee_no"] for p in body["leader"]], ["A015"])
        self.assertEqual(len(body["shifts"]), 3)
        rooms = self.get(t.alice, "/api/v1/duty/rooms").json()
        self.assertEqual([r["unit"] for r in rooms], ["group-a"])
        self.assertEqual(rooms[0]["gap_roles"], ["staff", "manager", "leader"])  # February

    def test_overlapping_shift_is_refused_with_a_clear_error(self):
        t = self.t
        body = {
            "role": "staff",
            "employee_no": "A011",
            "starts_at": at(11, 8).isoformat(),
            "ends_at": at(12, 8).isoformat(),
        }
        self.assertEqual(
            self.post(t.alice, "/api/v1/duty/rooms/group-a/shifts", body).status_code, 201
        )
        response = self.post(
            t.alice,
            "/api/v1/duty/rooms/group-a/shifts",
            body
            | {
                "role": "manager",
                "starts_at": at(11, 20).isoformat(),
                "ends_at": at(12, 20).isoformat(),
            },
        )
        self.assertEqual(response.status_code, 400)
        error = response.json()
        self.assertEqual(error["code"], "shift_overlap")
        self.assertEqual(error["message"], "One person cannot hold two overlapping shifts.")
        self.assertEqual(
            error["fields"]["person"],
            [
                "Duty A011 is already on duty from 2020-02-11 08:00 to 2020-02-12 08:00 "
                "(Group A duty room)."
            ],
        )
        naive = self.post(
            t.alice,
            "/api/v1/duty/rooms/group-a/shifts",
            body | {"starts_at": "2020-02-20T08:00:00", "ends_at": "2020-02-21T08:00:00"},
        )
        self.assertEqual(naive.status_code, 400)
        self.assertIn("starts_at", naive.json()["fields"])
        unknown = self.post(
            t.alice, "/api/v1/duty/rooms/group-a/shifts", body | {"employee_no": "B001"}
        )
        self.assertEqual(unknown.json()["code"], "unknown_person")
        self.assertEqual(Shift.objects.count(), 1)

    def test_log_and_swaps(self):
        t = self.t
        grant(t.duty1, t.group_a, Role.VIEWER)  # people on duty see the room through a role
        shift = roster.create_shift(
            actor=t.root,
            room=t.room,
            role="staff",
            person=self.person("A010"),
            starts_at=at(10, 8),
            ends_at=at(11, 8),
        )
        response = self.post(
            t.duty1,
            "/api/v1/duty/rooms/group-a/log",
            {"kind": "call_in", "text": "District office called"},
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["shift"], shift.pk)
        self.assertEqual(len(self.get(t.alice, "/api/v1/duty/rooms/group-a/log").json()), 1)
        forbidden = self.post(
            t.olga, "/api/v1/duty/rooms/group-a/log", {"kind": "whatever", "text": "x"}
        )
        self.assertEqual(forbidden.status_code, 422)
        swap = self.post(t.alice, f"/api/v1/duty/shifts/{shift.pk}/swaps", {"employee_no": "A012"})
        self.assertEqual(swap.status_code, 201, swap.content)
        same = self.post(
            t.alice, f"/api/v1/duty/swaps/{swap.json()['id']}/decide", {"approve": True}
        )
        self.assertEqual(same.status_code, 403)
        decided = self.post(
            t.olga, f"/api/v1/duty/swaps/{swap.json()['id']}/decide", {"approve": True}
        )
        self.assertEqual(decided.json()["state"], "approved")
        self.assertEqual(SwapRequest.objects.get().shift.person, self.person("A012"))

    def test_outsiders_get_404_and_viewers_403(self):
        t = self.t
        template = self.template()
        shift = roster.create_shift(
            actor=t.root,
            room=t.room,
            role="staff",
            person=self.person("A011"),
            starts_at=at(12, 8),
            ends_at=at(13, 8),
        )
        for url in (
            "/api/v1/duty/now?unit=a-site-1",
            "/api/v1/duty/rooms/group-a/shifts",
            "/api/v1/duty/rooms/group-a/gaps",
            "/api/v1/duty/rooms/group-a/log",
            "/api/v1/duty/rooms/group-a/templates",
        ):
            with self.subTest(url=url):
                self.assertEqual(self.get(t.charlie, url).status_code, 404)
        self.assertEqual(
            self.get(t.charlie, "/api/v1/duty/rooms").json(),
            [
                {
                    "unit": "b-sub",
                    "unit_name": "Unit b-sub",
                    "name": "B duty room",
                    "phone": "",
                    "active": True,
                    "gap_roles": ["staff", "manager", "leader"],
                }
            ],
        )
        for url, body in (
            (f"/api/v1/duty/rooms/group-a/templates/{template.pk}/apply", {"month": "2020-03"}),
            (f"/api/v1/duty/shifts/{shift.pk}/swaps", {"employee_no": "A012"}),
            (
                "/api/v1/duty/rooms/group-a/shifts",
                {
                    "role": "staff",
                    "employee_no": "A012",
                    "starts_at": at(20, 8).isoformat(),
                    "ends_at": at(21, 8).isoformat(),
                },
            ),
        ):
            with self.subTest(url=url):
                self.assertEqual(self.post(t.charlie, url, body).status_code, 404)
                self.assertEqual(self.post(t.bob, url, body).status_code, 404)  # a-site-1 only
        # a viewer sees the room but may not change it: 403; the province's office may
        grant(t.duty1, t.group_a, Role.VIEWER)
        url = f"/api/v1/duty/rooms/group-a/templates/{template.pk}/apply"
        self.assertEqual(self.post(t.duty1, url, {"month": "2020-03"}).status_code, 403)
        response = self.post(t.sasac, url, {"month": "2020-03"})
        self.assertEqual(response.status_code, 200)  # the province's office manages duty
        bad_month = self.post(
            t.alice, f"/api/v1/duty/rooms/group-a/templates/{template.pk}/apply", {"month": "March"}
        )
        self.assertEqual(bad_month.status_code, 422)
        self.assertEqual(self.client.get("/api/v1/duty/rooms").status_code, 200)
        self.client.logout()
        self.assertEqual(self.client.get("/api/v1/duty/rooms").status_code, 401)
