import json
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.models import AccessLog, AuditEntry
from fangkong.health import sweeps
from fangkong.health.models import FollowUp, Observation, ObservationChange
from fangkong.health.services import observation as services
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin

DAY = date(2020, 2, 10)
NOW = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai
EARLY = datetime(2020, 2, 9, 22, 0, tzinfo=UTC)  # 06:00 on the 10th, before FLAG_HOUR


def start(t, person=None, **extra):
    values = {"reason": "close_contact", "place": "home"} | extra
    return services.start_observation(actor=t.root, person=person or t.p_site_1, **values)


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class ObservationServiceTests(ProvinceMixin, TestCase):
    def test_start_defaults_to_today_and_the_standard_period(self):
        observation = start(self.t)
        self.assertEqual(observation.start_on, DAY)
        self.assertEqual(observation.planned_end_on, DAY + timedelta(days=14))
        self.assertEqual(observation.unit_path, self.t.p_site_1.unit_path)
        self.assertTrue(AuditEntry.objects.filter(action="start", object_id=str(observation.pk)))

    def test_one_open_observation_per_person(self):
        start(self.t)
        with self.assertRaises(Conflict) as caught:
            start(self.t, reason="fever")
        self.assertEqual(caught.exception.code, "observation_open")
        self.assertEqual(Observation.objects.filter(person=self.t.p_site_1).count(), 1)

    def test_bad_input(self):
        with self.assertRaises(InvalidInput) as caught:
            start(self.t, reason="boredom", place="moon", start_on=DAY + timedelta(days=1))
        self.assertEqual(set(caught.exception.fields), {"reason", "place", "start_on"})
        with self.assertRaises(InvalidInput) as caught:
            start(self.t, start_on=DAY, planned_end_on=DAY - timedelta(days=1))
        self.assertIn("planned_end_on", caught.exception.fields)
        # A start in the past is allowed (registered late).
        self.assertEqual(start(self.t, start_on=date(2020, 2, 1)).planned_end_on, date(2020, 2, 15))

    def test_scope(self):
        for user in (self.t.charlie, self.t.nobody):
            with self.assertRaises(PermissionDeniedInScope):
                services.start_observation(
                    actor=user, person=self.t.p_site_1, reason="other", place="home"
                )
        # bob is the liaison of a-site-1: he may manage there
        services.start_observation(
            actor=self.t.bob, person=self.t.p_site_1, reason="other", place="home"
        )
        with self.assertRaises(PermissionDeniedInScope):  # bob's scope is a-site-1 only
            services.start_observation(
                actor=self.t.bob, person=self.t.p_site_2, reason="other", place="home"
            )

    def test_change_end_keeps_the_reason(self):
        observation = start(self.t)
        change = services.change_observation_end(
            actor=self.t.bob,
            observation=observation,
            new_end_on=date(2020, 3, 1),
            reason="still coughing",
        )
        self.assertEqual(
            (change.old_end_on, change.new_end_on), (date(2020, 2, 24), date(2020, 3, 1))
        )
        observation.refresh_from_db()
        self.assertEqual(observation.planned_end_on, date(2020, 3, 1))
        with self.assertRaises(InvalidInput) as caught:
            services.change_observation_end(
                actor=self.t.bob, observation=observation, new_end_on=date(2020, 2, 1), reason=""
            )
        self.assertEqual(set(caught.exception.fields), {"new_end_on", "reason"})
        with self.assertRaises(InvalidInput):
            services.change_observation_end(
                actor=self.t.bob,
                observation=observation,
                new_end_on=date(2020, 3, 1),
                reason="same",
            )
        self.assertEqual(ObservationChange.objects.count(), 1)

    def test_follow_up_once_a_day(self):
        observation = start(self.t, start_on=date(2020, 2, 8))
        services.record_follow_up(
            actor=self.t.bob, observation=observation, day=None, temperature="36.5", symptoms=[]
        )
        second = services.record_follow_up(
            actor=self.t.bob, observation=observation, day=DAY, temperature="36,8", symptoms="cough"
        )
        self.assertEqual(FollowUp.objects.filter(observation=observation).count(), 1)
        second.refresh_from_db()
        self.assertEqual((str(second.temperature), second.symptoms), ("36.8", ["cough"]))
        self.assertFalse(Message.objects.exists())  # nothing alarming

    def test_follow_up_bad_input(self):
        observation = start(self.t, start_on=date(2020, 2, 8))
        with self.assertRaises(InvalidInput) as caught:
            services.record_follow_up(
                actor=self.t.bob,
                observation=observation,
                day=DAY + timedelta(days=1),
                temperature="98.6",
                symptoms=["hiccups"],
            )
        fields = caught.exception.fields
        self.assertEqual(set(fields), {"day", "temperature", "symptoms"})
        self.assertIn("Fahrenheit", str(fields["temperature"][0]))
        with self.assertRaises(InvalidInput) as caught:
            services.record_follow_up(
                actor=self.t.bob,
                observation=observation,
                day=date(2020, 2, 7),
                temperature="36.5",
                symptoms=[],
            )
        self.assertIn("day", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            services.record_follow_up(
                actor=self.t.charlie,
                observation=observation,
                day=None,
                temperature="36.5",
                symptoms=[],
            )

    def test_fever_alerts_liaisons_and_leaders_once(self):
        observation = start(self.t)
        for _ in range(2):
            services.record_follow_up(
                actor=self.t.bob, observation=observation, day=None, temperature="38.2", symptoms=[]
            )
        recipients = set(Message.objects.values_list("recipient__username", flat=True))
        self.assertEqual(recipients, {"bob", "alice"})  # the liaison and the group's admin

    def test_release(self):
        observation = start(self.t, start_on=date(2020, 2, 1))
        with self.assertRaises(InvalidInput) as caught:  # before the planned end (02-15)
            services.release_observation(actor=self.t.bob, observation=observation)
        self.assertIn("note", caught.exception.fields)
        services.release_observation(
            actor=self.t.bob, observation=observation, note="negative test"
        )
        observation.refresh_from_db()
        self.assertEqual((observation.released_by, observation.released_at), (self.t.bob, NOW))
        self.assertEqual(observation.release_note, "negative test")
        with self.assertRaises(Conflict):
            services.release_observation(actor=self.t.bob, observation=observation, note="again")
        with self.assertRaises(Conflict):
            services.record_follow_up(
                actor=self.t.bob, observation=observation, day=None, temperature="36.5", symptoms=[]
            )
        start(self.t, reason="fever")  # a new one may start once released

    def test_release_after_the_planned_end_needs_no_note(self):
        observation = start(self.t, start_on=date(2020, 1, 20))  # planned end 02-03
        services.release_observation(actor=self.t.bob, observation=observation)
        self.assertIsNotNone(Observation.objects.get(pk=observation.pk).released_at)


@override_settings(LANGUAGE_CODE="en")
class SweepTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        with time_machine.travel(NOW, tick=False):
            cls.obs_1 = start(t, person=t.p_site_1, start_on=date(2020, 2, 8))
            cls.obs_2 = start(t, person=t.p_site_2, start_on=date(2020, 2, 9))
            cls.obs_new = start(t, person=t.p_hq)  # starts today: nothing due yet
            for day in (date(2020, 2, 8), date(2020, 2, 9)):
                services.record_follow_up(
                    actor=t.root, observation=cls.obs_1, day=day, temperature="36.6", symptoms=[]
                )

    def test_flags_yesterday_once_to_the_liaisons_or_leaders(self):
        result = sweeps.flag_missing_follow_ups(NOW)
        self.assertEqual(result, {"units": 1, "missing": 1, "queued": 1})
        message = Message.objects.get()
        # a-site-2 has no liaison: the message goes to the nearest leaders (group-a's admin).
        self.assertEqual(message.recipient, self.t.alice)
        self.assertIn("Person A003", message.body)
        self.assertIn("2020-02-09", message.subject)
        again = sweeps.flag_missing_follow_ups(NOW + timedelta(minutes=5))
        self.assertEqual(again["queued"], 0)
        self.assertEqual(Message.objects.count(), 1)

    def test_registered_with_the_worker(self):
        from fangkong.core import worker

        registered = {s.name: s.run for s in worker.sweeps()}
        self.assertIs(registered["health.follow_ups"], sweeps.flag_missing_follow_ups)

    def test_waits_for_the_morning(self):
        self.assertEqual(sweeps.flag_missing_follow_ups(EARLY)["queued"], 0)

    def test_next_day_reaches_the_liaison(self):
        later = NOW + timedelta(days=1)
        sweeps.flag_missing_follow_ups(later)  # 02-10 missing for all three
        recipients = set(Message.objects.values_list("recipient__username", flat=True))
        self.assertEqual(recipients, {"bob", "alice"})
        self.assertEqual(Message.objects.filter(recipient__username="bob").count(), 1)

    def test_released_observations_are_not_flagged(self):
        with time_machine.travel(NOW, tick=False):
            services.release_observation(actor=self.t.root, observation=self.obs_2, note="done")
        self.assertEqual(sweeps.flag_missing_follow_ups(NOW)["queued"], 0)


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class ObservationPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        with time_machine.travel(NOW, tick=False):
            cls.obs = start(t, person=t.p_site_1, start_on=date(2020, 2, 7))
            services.record_follow_up(
                actor=t.root,
                observation=cls.obs,
                day=date(2020, 2, 8),
                temperature="37.8",
                symptoms=["cough"],
            )
            cls.outside = start(t, person=t.p_b)

    def test_list_shows_missing_days_and_logs(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(reverse("health:observation_list")).content.decode()
        self.assertEqual(page.count('data-testid="observation"'), 1)
        self.assertIn("table-danger", page)  # a fever during the observation
        self.assertIn("02-07, 02-09", page)  # the days without a follow-up
        self.assertNotIn("Person B001", page)
        log = AccessLog.objects.get(object_type="observation_list")
        self.assertEqual(log.username, "alice")
        partial = self.client.get(
            reverse("health:observation_list") + "?state=released", headers={"HX-Request": "true"}
        ).content.decode()
        self.assertNotIn("<html", partial)
        self.assertIn('data-testid="empty"', partial)

    def test_outsiders_get_404(self):
        detail = reverse("health:observation_detail", args=[self.obs.pk])
        self.client.force_login(self.t.charlie)
        self.assertEqual(self.client.get(detail).status_code, 404)
        self.assertEqual(
            self.client.get(reverse("health:observation_list") + "?unit=a-sub").status_code, 404
        )
        follow = reverse("health:observation_follow_up", args=[self.obs.pk])
        self.assertEqual(self.client.post(follow, {"temperature": "36.5"}).status_code, 404)
        self.client.force_login(self.t.nobody)
        self.assertEqual(self.client.get(reverse("health:observation_list")).status_code, 404)
        self.assertEqual(self.client.get(reverse("health:observation_start")).status_code, 404)
        self.assertFalse(AccessLog.objects.filter(object_type="observation").exists())

    def test_detail_timeline_and_forms(self):
        self.client.force_login(self.t.bob)
        url = reverse("health:observation_detail", args=[self.obs.pk])
        page = self.client.get(url).content.decode()
        self.assertIn('data-testid="alarm"', page)
        self.assertIn("37.8 °C", page)
        self.assertIn('data-testid="follow-up-form"', page)
        self.assertTrue(
            AccessLog.objects.filter(object_type="observation", object_id=str(self.obs.pk)).exists()
        )
        follow = reverse("health:observation_follow_up", args=[self.obs.pk])
        bad = self.client.post(follow, {"day": "2020-02-10", "temperature": "99.1"})
        self.assertEqual(bad.status_code, 400)
        self.assertIn("Fahrenheit", bad.content.decode())
        ok = self.client.post(
            follow, {"day": "2020-02-10", "temperature": "36.4", "symptoms": ["fatigue"]}
        )
        self.assertRedirects(ok, url)
        self.assertEqual(self.obs.follow_ups.get(day=DAY).symptoms, ["fatigue"])
        end = reverse("health:observation_end", args=[self.obs.pk])
        self.assertEqual(self.client.post(end, {"new_end_on": "2020-02-28"}).status_code, 400)
        self.assertRedirects(
            self.client.post(
                end, {"new_end_on": "2020-02-28", "reason": "contact tested positive"}
            ),
            url,
        )
        release = reverse("health:observation_release", args=[self.obs.pk])
        self.assertEqual(self.client.post(release, {}).status_code, 400)
        self.assertRedirects(self.client.post(release, {"note": "cleared by the CDC"}), url)
        page = self.client.get(url).content.decode()
        self.assertIn('data-testid="released"', page)
        self.assertNotIn('data-testid="follow-up-form"', page)
        self.assertEqual(self.client.get(follow).status_code, 405)

    def test_inspector_like_viewers_see_but_do_not_get_forms(self):
        from fangkong.orgs.choices import Role
        from fangkong.orgs.testing import grant, make_user

        viewer = make_user("ivan")
        grant(viewer, self.t.a_sub, Role.INSPECTOR)
        self.client.force_login(viewer)
        page = self.client.get(reverse("health:observation_detail", args=[self.obs.pk]))
        self.assertNotIn('data-testid="follow-up-form"', page.content.decode())
        follow = reverse("health:observation_follow_up", args=[self.obs.pk])
        self.assertEqual(self.client.post(follow, {"temperature": "36.5"}).status_code, 404)

    def test_start_by_employee_number(self):
        self.client.force_login(self.t.alice)
        url = reverse("health:observation_start")
        found = self.client.get(url, {"employee_no": "A003"})
        self.assertRedirects(found, f"{url}?person={self.t.p_site_2.pk}")
        self.assertEqual(self.client.get(url, {"employee_no": "B001"}).status_code, 200)
        self.assertIn(
            "No one with this employee number",
            self.client.get(url, {"employee_no": "B001"}).content.decode(),
        )
        self.assertEqual(self.client.get(url, {"person": self.t.p_b.pk}).status_code, 404)
        future = self.client.post(
            f"{url}?person={self.t.p_site_2.pk}",
            {"reason": "fever", "place": "home", "start_on": "2020-02-11"},
        )
        self.assertEqual(future.status_code, 400)
        self.assertIn("cannot start in the future", future.content.decode())
        ok = self.client.post(
            f"{url}?person={self.t.p_site_2.pk}",
            {"reason": "fever", "place": "designated", "place_detail": "Hotel 3"},
        )
        observation = Observation.objects.get(person=self.t.p_site_2)
        self.assertRedirects(ok, reverse("health:observation_detail", args=[observation.pk]))
        again = self.client.post(
            f"{url}?person={self.t.p_site_1.pk}", {"reason": "fever", "place": "home"}
        )
        self.assertEqual(again.status_code, 400)
        self.assertIn("already under observation", again.content.decode())

    def test_list_queries_do_not_grow_with_rows(self):
        self.client.force_login(self.t.root)
        url = reverse("health:observation_list")
        with CaptureQueriesContext(connection) as before:
            self.client.get(url)
        for person in (self.t.p_site_2, self.t.p_hq):
            observation = start(self.t, person=person, start_on=date(2020, 2, 1))
            services.record_follow_up(
                actor=self.t.root, observation=observation, day=DAY, temperature="36.5", symptoms=[]
            )
        with self.assertNumQueries(len(before.captured_queries)):
            page = self.client.get(url).content.decode()
        self.assertEqual(page.count('data-testid="observation"'), 4)


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class ObservationApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            cls.obs = start(cls.t, person=cls.t.p_site_1, start_on=date(2020, 2, 8))

    def call(self, method, url, user, data=None):
        self.client.force_login(user)
        kwargs = (
            {} if data is None else {"data": json.dumps(data), "content_type": "application/json"}
        )
        return getattr(self.client, method)(f"/api/v1{url}", **kwargs)

    def test_list_and_detail(self):
        body = self.call("get", "/observations?unit=a-sub", self.t.alice).json()
        self.assertEqual(body["count"], 1)
        item = body["items"][0]
        self.assertEqual(
            (item["unit"], item["missing_days"]), ("a-site-1", ["2020-02-08", "2020-02-09"])
        )
        detail = self.call("get", f"/observations/{self.obs.pk}", self.t.bob).json()
        self.assertEqual(detail["planned_end_on"], "2020-02-22")
        self.assertEqual(AccessLog.objects.filter(object_type__startswith="observation").count(), 2)

    def test_outsider_404(self):
        self.assertEqual(
            self.call("get", f"/observations/{self.obs.pk}", self.t.charlie).status_code, 404
        )
        self.assertEqual(
            self.call("get", "/observations?unit=a-sub", self.t.charlie).status_code, 404
        )
        self.assertEqual(self.call("get", "/observations", self.t.charlie).json()["count"], 0)
        response = self.call(
            "post",
            f"/observations/{self.obs.pk}/follow-ups",
            self.t.charlie,
            {"temperature": "36.5"},
        )
        self.assertEqual(response.json()["code"], "not_found")
        start_ = self.call(
            "post",
            "/observations",
            self.t.charlie,
            {"person": self.t.p_site_2.pk, "reason": "fever", "place": "home"},
        )
        self.assertEqual((start_.status_code, start_.json()["code"]), (400, "unknown_person"))

    def test_start_follow_up_end_release(self):
        created = self.call(
            "post",
            "/observations",
            self.t.alice,
            {
                "person": self.t.p_site_2.pk,
                "reason": "fever",
                "place": "home",
                "planned_end_on": "2020-02-20",
            },
        )
        self.assertEqual(created.status_code, 201, created.content)
        oid = created.json()["id"]
        dup = self.call(
            "post",
            "/observations",
            self.t.alice,
            {"person": self.t.p_site_2.pk, "reason": "fever", "place": "home"},
        )
        self.assertEqual((dup.status_code, dup.json()["code"]), (409, "observation_open"))
        bad = self.call(
            "post", f"/observations/{oid}/follow-ups", self.t.alice, {"temperature": "100.2"}
        )
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(list(bad.json()["fields"]), ["temperature"])
        ok = self.call(
            "post",
            f"/observations/{oid}/follow-ups",
            self.t.alice,
            {"temperature": 37.6, "symptoms": ["cough"]},
        )
        self.assertEqual(ok.json()["alarming"], True)
        ended = self.call(
            "post",
            f"/observations/{oid}/end",
            self.t.alice,
            {"new_end_on": "2020-02-25", "reason": "fever"},
        )
        self.assertEqual(ended.json()["changes"][0]["old_end_on"], "2020-02-20")
        schema = self.call("post", f"/observations/{oid}/end", self.t.alice, {"reason": "x"})
        self.assertEqual((schema.status_code, schema.json()["code"]), (422, "invalid"))
        released = self.call("post", f"/observations/{oid}/release", self.t.alice, {"note": "ok"})
        self.assertEqual(released.json()["open"], False)
        self.assertEqual(released.json()["released_by"], "alice")
