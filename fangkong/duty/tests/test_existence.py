"""Out of scope and unknown read the same (issue 10): a person of another group named on
a duty room's roster answers exactly as an id or number nobody has, by API and by form."""

import json

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.duty.models import Shift, SwapRequest
from fangkong.duty.services import roster
from fangkong.orgs import services as orgs

from .base import NOW, DutyMixin, at

UNKNOWN_ID = 987654321


@time_machine.travel(NOW, tick=False)
class ExistenceSignalTests(DutyMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        t.gone_b = orgs.create_person(actor=t.root, unit=t.b_sub, employee_no="B002", name="B2")
        t.gone_b.is_active = False
        t.gone_b.save()

    def post(self, url, body):
        self.client.force_login(self.t.alice)
        return self.client.post(url, json.dumps(body), content_type="application/json")

    def assert_same(self, outside, unknown, code="unknown_person"):
        self.assertEqual(outside.status_code, unknown.status_code)
        self.assertEqual(outside.content, unknown.content)
        body = unknown.json()
        self.assertEqual(body["code"], code)
        # Translated: the default language is Chinese.
        self.assertTrue(any("\u4e00" <= ch <= "\u9fff" for ch in body["message"]), body)

    def test_shift_person_of_another_group_reads_as_unknown(self):
        url = "/api/v1/duty/rooms/group-a/shifts"
        body = {
            "role": "staff",
            "starts_at": at(11, 8).isoformat(),
            "ends_at": at(12, 8).isoformat(),
        }
        unknown = self.post(url, body | {"person": UNKNOWN_ID})
        for other in (self.t.p_b.pk, self.t.gone_b.pk):  # active or not
            self.assert_same(self.post(url, body | {"person": other}), unknown)
        self.assertEqual(unknown.json()["fields"], {"person": ["未知的人员。"]})
        # Whatever else is wrong with the request.
        bad_times = body | {"ends_at": at(10, 8).isoformat()}
        self.assert_same(
            self.post(url, bad_times | {"person": self.t.p_b.pk}),
            self.post(url, bad_times | {"person": UNKNOWN_ID}),
        )
        self.assert_same(
            self.post(url, body | {"employee_no": "B001"}),
            self.post(url, body | {"employee_no": "NOPE-1"}),
        )
        self.assertFalse(Shift.objects.exists())

    def test_swap_to_person_of_another_group_reads_as_unknown(self):
        shift = roster.create_shift(
            actor=self.t.root,
            room=self.t.room,
            role="staff",
            person=self.person("A010"),
            starts_at=at(12, 8),
            ends_at=at(13, 8),
        )
        url = f"/api/v1/duty/shifts/{shift.pk}/swaps"
        unknown = self.post(url, {"to_person": UNKNOWN_ID})
        self.assertEqual(unknown.json()["fields"], {"to_person": ["未知的人员。"]})
        for other in (self.t.p_b.pk, self.t.gone_b.pk):
            self.assert_same(self.post(url, {"to_person": other}), unknown)
        self.assert_same(
            self.post(url, {"employee_no": "B001"}), self.post(url, {"employee_no": "NOPE-1"})
        )
        self.assertFalse(SwapRequest.objects.exists())

    def test_the_service_itself_gives_the_same_answer(self):
        from fangkong.core.errors import InvalidInput
        from fangkong.duty.services.common import check_person, unknown_person

        with self.assertRaises(InvalidInput) as caught:
            check_person(self.t.room, self.t.gone_b, field="to_person")
        self.assertEqual(caught.exception.as_dict(), unknown_person("to_person").as_dict())

    def form_errors(self, url, data):
        self.client.force_login(self.t.alice)
        response = self.client.post(url, data)
        form = response.context["form"] if "form" in response.context else None
        errors = {k: list(v) for k, v in form.errors.items()} if form is not None else None
        return response.status_code, errors

    def test_forms_answer_the_same(self):
        url = reverse("duty:shift_new", args=["group-a"])
        data = {"role": "staff", "starts_at": "2020-02-11T08:00", "ends_at": "2020-02-12T08:00"}
        outside = self.form_errors(url, data | {"employee_no": "B001"})
        unknown = self.form_errors(url, data | {"employee_no": "NOPE-1"})
        self.assertEqual(outside, unknown)
        self.assertEqual(outside[0], 400)
        self.assertIn("employee_no", outside[1])
        shift = roster.create_shift(
            actor=self.t.root,
            room=self.t.room,
            role="staff",
            person=self.person("A010"),
            starts_at=at(12, 8),
            ends_at=at(13, 8),
        )
        swap = reverse("duty:swap_request", args=[shift.pk])
        self.assertEqual(
            self.form_errors(swap, {"employee_no": "B001"}),
            self.form_errors(swap, {"employee_no": "NOPE-1"}),
        )
        self.assertFalse(Shift.objects.exclude(pk=shift.pk).exists())
