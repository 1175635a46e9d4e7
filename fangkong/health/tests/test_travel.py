import io
import json
from datetime import UTC, date, datetime, timedelta

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse
from openpyxl import load_workbook

from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.models import AccessLog
from fangkong.health.models import Observation, RiskArea, Trip
from fangkong.health.services import travel as services
from fangkong.notify.models import Message
from fangkong.orgs.models import FamilyMember
from fangkong.orgs.testing import ProvinceMixin

DAY = date(2020, 2, 10)
NOW = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


def trip(t, person=None, **extra):
    values = {
        "origin": "西安",
        "destination": "北京",
        "depart_on": date(2020, 2, 1),
        "return_on": date(2020, 2, 5),
        "transport": "train",
        "transport_no": "g88",
    } | extra
    return services.record_trip(actor=t.root, person=person or t.p_site_1, **values)


def area(t, name="武汉", level="high", start=date(2020, 1, 20), end=None):
    return services.save_risk_area(
        actor=t.root, name=name, level=level, effective_from=start, effective_to=end
    )


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class RiskFlagTests(ProvinceMixin, TestCase):
    def test_flagged_by_origin_destination_or_via_within_the_window(self):
        area(self.t)
        area(self.t, name="Beijing", level="medium", start=date(2020, 2, 3))
        wuhan = trip(self.t, destination="湖北武汉")
        self.assertEqual((wuhan.risk_level, wuhan.risk_areas), ("high", ["武汉"]))
        both = trip(self.t, origin="beijing chaoyang", destination="上海", via="武汉, 郑州")
        self.assertEqual((both.risk_level, both.risk_areas), ("high", ["武汉", "Beijing"]))
        before = trip(
            self.t,
            destination="北京 Beijing",
            depart_on=date(2020, 1, 25),
            return_on=date(2020, 2, 2),
        )
        self.assertEqual((before.risk_level, before.risk_areas), ("", []))
        self.assertEqual(trip(self.t, destination="上海").risk_level, "")

    def test_flagged_trip_alerts_the_unit(self):
        area(self.t)
        trip(self.t, destination="武汉")
        recipients = set(Message.objects.values_list("recipient__username", flat=True))
        self.assertEqual(recipients, {"bob", "alice"})

    def test_areas_flag_recent_and_future_trips_again(self):
        recent = trip(
            self.t, destination="武汉", depart_on=date(2020, 1, 25), return_on=date(2020, 2, 3)
        )
        future = trip(self.t, destination="武汉", depart_on=date(2020, 2, 20), return_on=None)
        old = trip(
            self.t, destination="武汉", depart_on=date(2019, 12, 20), return_on=date(2020, 1, 5)
        )
        wuhan = area(self.t, start=date(2019, 12, 1))
        self.assertEqual(wuhan.reflagged, 2)
        for t_, level in ((recent, "high"), (future, "high"), (old, "")):
            t_.refresh_from_db()
            self.assertEqual(t_.risk_level, level)
        services.save_risk_area(
            actor=self.t.sasac,
            area=wuhan,
            name="武汉",
            level="medium",
            effective_from=date(2019, 12, 1),
        )
        recent.refresh_from_db()
        self.assertEqual(recent.risk_level, "medium")
        services.end_risk_area(actor=self.t.sasac, area=wuhan)  # in force until today
        future.refresh_from_db()
        recent.refresh_from_db()
        self.assertEqual((future.risk_level, future.risk_areas), ("", []))
        self.assertEqual(recent.risk_level, "medium")

    def test_only_admins_and_the_office_keep_risk_areas(self):
        for user in (self.t.bob, self.t.alice, self.t.nobody):
            with self.assertRaises(PermissionDeniedInScope):
                services.save_risk_area(actor=user, name="武汉", level="high", effective_from=DAY)
        services.save_risk_area(actor=self.t.olga, name="武汉", level="high", effective_from=DAY)
        with self.assertRaises(InvalidInput) as caught:
            services.save_risk_area(
                actor=self.t.olga,
                name=" ",
                level="severe",
                effective_from=DAY,
                effective_to=DAY - timedelta(days=1),
            )
        self.assertEqual(set(caught.exception.fields), {"name", "level", "effective_to"})


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class TripServiceTests(ProvinceMixin, TestCase):
    def test_record_copies_the_unit_and_normalizes(self):
        saved = trip(self.t, transport_no=" g 88 ", via="  郑州   ")
        self.assertEqual((saved.unit, saved.unit_path), (self.t.a_site_1, self.t.a_site_1.path))
        self.assertEqual((saved.transport_no, saved.via), ("G88", "郑州"))
        self.assertEqual(saved.traveller, "Person A002")

    def test_family_member_trip(self):
        kin = FamilyMember.objects.get(person=self.t.p_site_1)
        saved = trip(self.t, family_member=kin, transport="car", transport_no="")
        self.assertEqual(saved.traveller, "Kin")
        with self.assertRaises(InvalidInput) as caught:
            trip(self.t, person=self.t.p_site_2, family_member=kin)
        self.assertEqual(list(caught.exception.fields), ["family_member"])

    def test_bad_input(self):
        with self.assertRaises(InvalidInput) as caught:
            trip(self.t, origin="", return_on=date(2020, 1, 31), transport_no="")
        self.assertEqual(set(caught.exception.fields), {"origin", "return_on", "transport_no"})
        with self.assertRaises(InvalidInput) as caught:
            trip(self.t, transport="rocket")
        self.assertEqual(list(caught.exception.fields), ["transport"])
        with self.assertRaises(PermissionDeniedInScope):
            services.record_trip(
                actor=self.t.charlie,
                person=self.t.p_site_1,
                origin="a",
                destination="b",
                depart_on=DAY,
                transport="car",
            )

    def test_update_reflags(self):
        area(self.t)
        saved = trip(self.t)
        updated = services.update_trip(actor=self.t.bob, trip=saved, via="武汉")
        self.assertEqual(updated.risk_level, "high")
        with self.assertRaises(InvalidInput):
            services.update_trip(actor=self.t.bob, trip=saved, return_on=date(2020, 1, 1))

    def test_observation_from_a_flagged_trip(self):
        area(self.t)
        plain = trip(self.t)
        with self.assertRaises(Conflict):
            services.start_observation_from_trip(actor=self.t.bob, trip=plain)
        flagged = trip(self.t, destination="武汉", return_on=date(2020, 2, 6))
        observation = services.start_observation_from_trip(actor=self.t.bob, trip=flagged)
        self.assertEqual((observation.reason, observation.place), ("risk_area", "home"))
        self.assertEqual(
            (observation.start_on, observation.planned_end_on),
            (date(2020, 2, 6), date(2020, 2, 20)),
        )
        self.assertEqual(observation.trip, flagged)
        with self.assertRaises(Conflict):
            services.start_observation_from_trip(actor=self.t.bob, trip=flagged)
        # A trip not back yet: the observation starts today, never in the future.
        future = trip(
            self.t,
            person=self.t.p_site_2,
            destination="武汉",
            depart_on=date(2020, 2, 9),
            return_on=date(2020, 2, 12),
        )
        later = services.start_observation_from_trip(actor=self.t.root, trip=future)
        self.assertEqual(later.start_on, DAY)


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class TravelPageTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        with time_machine.travel(NOW, tick=False):
            area(t)
            cls.flagged = trip(t, destination="武汉", return_on=date(2020, 2, 12))
            cls.plain = trip(t, person=t.p_site_2, return_on=date(2020, 2, 11))
            cls.outside = trip(t, person=t.p_b, return_on=date(2020, 2, 12))

    def test_list_filters_and_logs(self):
        self.client.force_login(self.t.alice)
        url = reverse("health:trip_list")
        page = self.client.get(url).content.decode()
        self.assertEqual(page.count('data-testid="trip"'), 2)
        self.assertNotIn("Person B001", page)
        flagged = self.client.get(url, {"flagged": "1"}).content.decode()
        self.assertEqual(flagged.count('data-testid="trip"'), 1)
        period = self.client.get(url, {"start": "2020-02-12", "end": "2020-02-20"}).content.decode()
        self.assertEqual(period.count('data-testid="trip"'), 1)
        bad = self.client.get(url, {"start": "2020-02-20", "end": "2020-02-01"}).content.decode()
        self.assertIn('data-testid="filter-errors"', bad)
        self.assertEqual(AccessLog.objects.filter(object_type="trip_list").count(), 4)
        partial = self.client.get(url, {"unit": "a-site-2"}, headers={"HX-Request": "true"})
        self.assertNotIn("<html", partial.content.decode())
        self.assertEqual(partial.content.decode().count('data-testid="trip"'), 1)

    def test_outsiders_get_404(self):
        self.client.force_login(self.t.charlie)
        for name, args in (
            ("health:trip_detail", [self.flagged.pk]),
            ("health:trip_edit", [self.flagged.pk]),
        ):
            self.assertEqual(self.client.get(reverse(name, args=args)).status_code, 404)
        self.assertEqual(
            self.client.post(
                reverse("health:trip_observation", args=[self.flagged.pk])
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(reverse("health:trip_list"), {"unit": "a-sub"}).status_code, 404
        )
        self.assertEqual(
            self.client.get(
                reverse("health:trip_create"), {"person": self.t.p_site_1.pk}
            ).status_code,
            404,
        )
        self.client.force_login(self.t.nobody)
        for name in (
            "health:trip_list",
            "health:returns",
            "health:risk_area_list",
            "health:trip_export",
            "health:trip_create",
        ):
            self.assertEqual(self.client.get(reverse(name)).status_code, 404, name)
        self.assertFalse(AccessLog.objects.filter(object_type="trip").exists())

    def test_detail_and_one_click_observation(self):
        self.client.force_login(self.t.bob)
        url = reverse("health:trip_detail", args=[self.flagged.pk])
        page = self.client.get(url).content.decode()
        self.assertIn('data-testid="start-observation"', page)
        self.assertTrue(
            AccessLog.objects.filter(object_type="trip", object_id=str(self.flagged.pk)).exists()
        )
        response = self.client.post(reverse("health:trip_observation", args=[self.flagged.pk]))
        observation = Observation.objects.get(trip=self.flagged)
        self.assertRedirects(response, reverse("health:observation_detail", args=[observation.pk]))
        self.assertEqual(observation.start_on, DAY)  # not back yet (returns 02-12)
        self.assertNotIn('data-testid="start-observation"', self.client.get(url).content.decode())
        plain = self.client.post(reverse("health:trip_observation", args=[self.plain.pk]))
        self.assertEqual(plain.status_code, 404)  # a-site-2 is not bob's

    def test_export_has_a_watermark_and_is_logged(self):
        self.client.force_login(self.t.alice)
        response = self.client.get(reverse("health:trip_export"), {"unit": "a-sub"})
        self.assertEqual(response.status_code, 200)
        workbook = load_workbook(io.BytesIO(response.content))
        sheet = workbook.worksheets[0]
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(len(rows), 3)
        self.assertIn("武汉", [c for row in rows for c in row if c])
        self.assertIn("alice", sheet.oddHeader.center.text)
        self.assertIn("alice", workbook.properties.description)
        log = AccessLog.objects.get(action="export")
        self.assertEqual((log.object_type, log.unit_path), ("trip_list", self.t.a_sub.path))

    def test_returns_calendar(self):
        self.client.force_login(self.t.alice)
        page = self.client.get(reverse("health:returns")).content.decode()
        self.assertEqual(page.count('data-testid="return-day"'), 7)
        self.assertEqual(page.count('data-testid="return"'), 2)
        self.assertIn("list-group-item-danger", page)
        self.assertNotIn("Person B001", page)
        narrow = self.client.get(reverse("health:returns"), {"unit": "a-site-2"}).content.decode()
        self.assertEqual(narrow.count('data-testid="return"'), 1)

    def test_create_via_lookup_and_errors(self):
        self.client.force_login(self.t.bob)
        url = reverse("health:trip_create")
        found = self.client.get(url, {"employee_no": "A002"})
        self.assertRedirects(found, f"{url}?person={self.t.p_site_1.pk}")
        form = self.client.get(found.url).content.decode()
        self.assertIn("Kin (配偶)", form)
        kin = FamilyMember.objects.get(person=self.t.p_site_1)
        data = {
            "person": self.t.p_site_1.pk,
            "family_member": kin.pk,
            "origin": "西安",
            "destination": "武汉市",
            "depart_on": "2020-02-11",
            "return_on": "2020-02-10",
            "transport": "flight",
        }
        bad = self.client.post(url, data)
        self.assertEqual(bad.status_code, 400)
        self.assertIn("The return cannot be before the departure.", bad.content.decode())
        self.assertIn("Enter the train or flight number.", bad.content.decode())
        ok = self.client.post(url, data | {"return_on": "2020-02-15", "transport_no": "MU2101"})
        saved = Trip.objects.get(family_member=kin)
        self.assertRedirects(ok, reverse("health:trip_detail", args=[saved.pk]))
        self.assertEqual(saved.risk_level, "high")
        edit = reverse("health:trip_edit", args=[saved.pk])
        self.assertEqual(self.client.get(edit).status_code, 200)
        self.client.post(
            edit, data | {"return_on": "2020-02-16", "transport_no": "MU2101", "family_member": ""}
        )
        saved.refresh_from_db()
        self.assertEqual((saved.return_on, saved.family_member), (date(2020, 2, 16), None))

    def test_risk_area_pages(self):
        self.client.force_login(self.t.bob)
        page = self.client.get(reverse("health:risk_area_list")).content.decode()
        self.assertEqual(page.count('data-testid="risk-area"'), 1)
        self.assertNotIn(reverse("health:risk_area_create"), page)
        self.assertEqual(self.client.get(reverse("health:risk_area_create")).status_code, 404)
        self.client.force_login(self.t.olga)
        url = reverse("health:risk_area_create")
        bad = self.client.post(
            url,
            {
                "name": "朝阳区",
                "level": "medium",
                "effective_from": "2020-02-10",
                "effective_to": "2020-02-01",
            },
        )
        self.assertEqual(bad.status_code, 400)
        ok = self.client.post(
            url, {"unit": "group-a", "name": "西安", "level": "low", "effective_from": "2020-01-01"}
        )
        self.assertRedirects(ok, reverse("health:risk_area_list"))
        self.plain.refresh_from_db()
        self.assertEqual(self.plain.risk_areas, ["西安"])
        wuhan = RiskArea.objects.get(name="武汉")
        self.client.force_login(self.t.sasac)
        self.client.post(reverse("health:risk_area_end", args=[wuhan.pk]))
        wuhan.refresh_from_db()
        self.assertEqual(wuhan.effective_to, DAY)


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class TravelApiTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        with time_machine.travel(NOW, tick=False):
            area(cls.t)
            cls.flagged = trip(cls.t, destination="武汉")

    def call(self, method, url, user, data=None):
        self.client.force_login(user)
        kwargs = (
            {} if data is None else {"data": json.dumps(data), "content_type": "application/json"}
        )
        return getattr(self.client, method)(f"/api/v1{url}", **kwargs)

    def test_list_detail_and_outsiders(self):
        body = self.call("get", "/trips?unit=group-a&flagged=true", self.t.alice).json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["items"][0]["risk_areas"], ["武汉"])
        detail = self.call("get", f"/trips/{self.flagged.pk}", self.t.bob)
        self.assertEqual(detail.json()["traveller"], "Person A002")
        self.assertEqual(
            self.call("get", f"/trips/{self.flagged.pk}", self.t.charlie).json()["code"],
            "not_found",
        )
        self.assertEqual(self.call("get", "/trips", self.t.charlie).json()["count"], 0)
        self.assertEqual(AccessLog.objects.filter(object_type__startswith="trip").count(), 3)

    def test_create_update_and_observation(self):
        kin = FamilyMember.objects.get(person=self.t.p_site_1)
        created = self.call(
            "post",
            "/trips",
            self.t.bob,
            {
                "person": self.t.p_site_1.pk,
                "family_member": kin.pk,
                "origin": "西安",
                "destination": "成都",
                "depart_on": "2020-02-08",
                "return_on": "2020-02-09",
                "transport": "train",
                "transport_no": "D1234",
            },
        )
        self.assertEqual(created.status_code, 201, created.content)
        tid = created.json()["id"]
        patched = self.call("patch", f"/trips/{tid}", self.t.bob, {"via": "湖北武汉"})
        self.assertEqual(patched.json()["risk_level"], "high")
        bad = self.call(
            "post",
            "/trips",
            self.t.bob,
            {
                "person": self.t.p_site_1.pk,
                "origin": "西安",
                "destination": "成都",
                "depart_on": "2020-02-08",
                "return_on": "2020-02-01",
                "transport": "flight",
            },
        )
        self.assertEqual(bad.status_code, 400)
        self.assertEqual(set(bad.json()["fields"]), {"return_on", "transport_no"})
        outside = self.call(
            "post",
            "/trips",
            self.t.charlie,
            {
                "person": self.t.p_site_1.pk,
                "origin": "a",
                "destination": "b",
                "depart_on": "2020-02-08",
                "transport": "car",
            },
        )
        self.assertEqual(outside.json()["code"], "unknown_person")
        started = self.call("post", f"/trips/{tid}/observation", self.t.bob)
        self.assertEqual(started.status_code, 201, started.content)
        self.assertEqual((started.json()["trip"], started.json()["start_on"]), (tid, "2020-02-09"))
        again = self.call("post", f"/trips/{self.flagged.pk}/observation", self.t.bob)
        self.assertEqual((again.status_code, again.json()["code"]), (409, "observation_open"))

    def test_risk_areas(self):
        listed = self.call("get", "/risk-areas", self.t.bob).json()
        self.assertEqual([a["name"] for a in listed], ["武汉"])
        denied = self.call(
            "post",
            "/risk-areas",
            self.t.bob,
            {"name": "成都", "level": "low", "effective_from": "2020-02-01"},
        )
        self.assertEqual((denied.status_code, denied.json()["code"]), (403, "forbidden"))
        created = self.call(
            "post",
            "/risk-areas",
            self.t.sasac,
            {"name": "北京", "level": "medium", "effective_from": "2020-02-01"},
        )
        self.assertEqual(created.status_code, 201)
        self.assertEqual(created.json()["reflagged"], 0)
        self.assertEqual(self.call("get", "/risk-areas", self.t.nobody).status_code, 404)
        current = self.call("get", "/risk-areas?current_on=2020-01-25", self.t.bob).json()
        self.assertEqual([a["name"] for a in current], ["武汉"])
