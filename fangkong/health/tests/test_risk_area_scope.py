"""Who keeps which risk area (issue 10): province-wide areas are the SASAC duty room's
and system admins'; a group's office keeps areas of its own, which flag only the trips
of its subtree and which another group neither sees nor ends."""

import json
from datetime import UTC, date, datetime

import time_machine
from django.test import TestCase, override_settings
from django.urls import reverse

from fangkong.core.errors import PermissionDeniedInScope
from fangkong.health.models import RiskArea
from fangkong.health.services import travel as services
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user

NOW = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)


def trip(t, person, destination="湖北武汉"):
    return services.record_trip(
        actor=t.root,
        person=person,
        origin="西安",
        destination=destination,
        depart_on=date(2020, 2, 1),
        return_on=date(2020, 2, 5),
        transport="car",
    )


def new_area(actor, name="武汉", **extra):
    return services.save_risk_area(
        actor=actor, name=name, level="high", effective_from=date(2020, 1, 20), **extra
    )


def flags(trip_):
    trip_.refresh_from_db()
    return trip_.risk_level, trip_.risk_areas


@time_machine.travel(NOW, tick=False)
@override_settings(LANGUAGE_CODE="en")
class RiskAreaScopeTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        t.bella = make_user("bella")  # group-b's epidemic office
        grant(t.bella, t.group_b, Role.OFFICE)
        t.sub_office = make_user("sub-office")
        grant(t.sub_office, t.a_sub, Role.OFFICE)
        with time_machine.travel(NOW, tick=False):
            cls.trip_a = trip(t, t.p_site_1)
            cls.trip_hq = trip(t, t.p_hq)
            cls.trip_b = trip(t, t.p_b)

    def call(self, method, url, user, data=None):
        self.client.force_login(user)
        kwargs = (
            {} if data is None else {"data": json.dumps(data), "content_type": "application/json"}
        )
        return getattr(self.client, method)(f"/api/v1{url}", **kwargs)

    # --- the rules in the service -------------------------------------------------------

    def test_the_sasac_duty_room_keeps_province_wide_areas(self):
        area = new_area(self.t.sasac)
        self.assertIsNone(area.unit)
        self.assertEqual(area.reflagged, 3)
        for t_ in (self.trip_a, self.trip_hq, self.trip_b):
            self.assertEqual(flags(t_), ("high", ["武汉"]))
        services.end_risk_area(actor=self.t.sasac, area=area, effective_to=date(2020, 1, 25))
        self.assertEqual(flags(self.trip_b), ("", []))
        self.assertTrue(services.keeps_province_areas(self.t.root))

    def test_an_area_without_a_unit_applies_everywhere(self):
        # What the migration leaves every existing area: province-wide.
        area = RiskArea.objects.create(name="武汉", level="high", effective_from=date(2020, 1, 1))
        self.assertIsNone(area.unit)
        self.assertEqual(services.reflag_trips(), 3)
        self.assertEqual(flags(self.trip_b), ("high", ["武汉"]))

    def test_a_group_office_may_not_create_or_end_province_wide_areas(self):
        with self.assertRaises(PermissionDeniedInScope) as caught:
            new_area(self.t.olga, unit=None)
        self.assertIn("SASAC duty room", str(caught.exception.message))
        area = new_area(self.t.sasac)
        for call in (
            lambda: services.end_risk_area(actor=self.t.olga, area=area),
            lambda: services.save_risk_area(
                actor=self.t.olga,
                area=area,
                name="武汉",
                level="low",
                effective_from=area.effective_from,
            ),
            lambda: services.save_risk_area(
                actor=self.t.olga,
                area=area,
                unit=self.t.group_a,
                name="武汉",
                level="low",
                effective_from=area.effective_from,
            ),
        ):
            with self.assertRaises(PermissionDeniedInScope):
                call()
        area.refresh_from_db()
        self.assertEqual((area.unit, area.level, area.effective_to), (None, "high", None))
        self.assertEqual(flags(self.trip_b), ("high", ["武汉"]))

    def test_a_group_area_flags_only_its_own_subtree(self):
        area = new_area(self.t.olga)  # no unit named: the office's own group
        self.assertEqual(area.unit, self.t.group_a)
        self.assertEqual(area.reflagged, 2)
        self.assertEqual(flags(self.trip_a), ("high", ["武汉"]))
        self.assertEqual(flags(self.trip_hq), ("high", ["武汉"]))
        self.assertEqual(flags(self.trip_b), ("", []))
        # A trip registered later is flagged by the same rule.
        self.assertEqual(trip(self.t, self.t.p_b).risk_level, "")
        self.assertEqual(trip(self.t, self.t.p_site_2).risk_level, "high")

    def test_narrowing_an_area_unflags_the_units_left_out(self):
        area = new_area(self.t.olga)
        services.save_risk_area(
            actor=self.t.olga,
            area=area,
            unit=self.t.a_sub,
            name="武汉",
            level="high",
            effective_from=area.effective_from,
        )
        self.assertEqual(flags(self.trip_hq), ("", []))
        self.assertEqual(flags(self.trip_a), ("high", ["武汉"]))

    def test_a_unit_keeps_its_own_areas_not_those_above_it(self):
        group_area = new_area(self.t.olga)
        with self.assertRaises(PermissionDeniedInScope):
            services.end_risk_area(actor=self.t.sub_office, area=group_area)
        with self.assertRaises(PermissionDeniedInScope):
            new_area(self.t.sub_office, unit=self.t.group_a)
        own = new_area(self.t.sub_office, name="郑州")
        self.assertEqual(own.unit, self.t.a_sub)
        # The group's office and the duty room keep the areas below them.
        services.end_risk_area(actor=self.t.olga, area=own)
        services.end_risk_area(actor=self.t.sasac, area=group_area)

    def test_other_groups_and_other_roles_may_not(self):
        area = new_area(self.t.olga)
        with self.assertRaises(PermissionDeniedInScope):
            services.end_risk_area(actor=self.t.bella, area=area)
        with self.assertRaises(PermissionDeniedInScope):
            new_area(self.t.bella, unit=self.t.group_a)
        for user in (self.t.alice, self.t.bob, self.t.nobody):
            with self.assertRaises(PermissionDeniedInScope):
                new_area(user)

    # --- API ----------------------------------------------------------------------------

    def test_api_province_wide_is_the_duty_rooms(self):
        body = {"name": "武汉", "level": "high", "effective_from": "2020-01-20"}
        denied = self.call("post", "/risk-areas", self.t.olga, body | {"unit": None})
        self.assertEqual((denied.status_code, denied.json()["code"]), (403, "forbidden"))
        created = self.call("post", "/risk-areas", self.t.sasac, body)
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual((created.json()["unit"], created.json()["reflagged"]), (None, 3))
        aid = created.json()["id"]
        ended = self.call("post", f"/risk-areas/{aid}/end", self.t.olga, {})
        self.assertEqual((ended.status_code, ended.json()["code"]), (403, "forbidden"))
        put = self.call("put", f"/risk-areas/{aid}", self.t.olga, body | {"unit": "group-a"})
        self.assertEqual(put.status_code, 403)
        self.assertIsNone(RiskArea.objects.get(pk=aid).effective_to)
        self.assertEqual(
            self.call("post", f"/risk-areas/{aid}/end", self.t.sasac, {}).status_code, 200
        )

    def test_api_group_area_is_invisible_to_another_group(self):
        body = {"name": "武汉", "level": "high", "effective_from": "2020-01-20"}
        created = self.call("post", "/risk-areas", self.t.olga, body)
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual((created.json()["unit"], created.json()["reflagged"]), ("group-a", 2))
        aid = created.json()["id"]
        self.assertEqual(
            [a["name"] for a in self.call("get", "/risk-areas", self.t.bob).json()], ["武汉"]
        )
        self.assertEqual(self.call("get", "/risk-areas", self.t.bella).json(), [])
        self.assertEqual(self.call("get", "/risk-areas", self.t.charlie).json(), [])
        for method, url, data in (
            ("post", f"/risk-areas/{aid}/end", {}),
            ("put", f"/risk-areas/{aid}", body),
        ):
            outsider = self.call(method, url, self.t.bella, data)
            missing = self.call(method, url.replace(str(aid), "999999"), self.t.bella, data)
            self.assertEqual((outsider.status_code, outsider.json()), (404, missing.json()))
        self.assertIsNone(RiskArea.objects.get(pk=aid).effective_to)
        self.assertEqual(flags(self.trip_b), ("", []))

    def test_api_a_unit_outside_the_keeping_reads_as_unknown(self):
        body = {"name": "武汉", "level": "high", "effective_from": "2020-01-20"}
        outside = self.call("post", "/risk-areas", self.t.olga, body | {"unit": "group-b"})
        unknown = self.call("post", "/risk-areas", self.t.olga, body | {"unit": "NOPE"})
        self.assertEqual(outside.status_code, 400)
        self.assertEqual(outside.content, unknown.content)
        self.assertEqual(outside.json()["code"], "unknown_unit")
        self.assertFalse(RiskArea.objects.exists())

    # --- pages --------------------------------------------------------------------------

    def test_pages_follow_the_same_rules(self):
        province = new_area(self.t.sasac)
        own = new_area(self.t.olga, name="郑州")
        self.client.force_login(self.t.olga)
        page = self.client.get(reverse("health:risk_area_list")).content.decode()
        self.assertEqual(page.count('data-testid="risk-area"'), 2)
        self.assertIn(reverse("health:risk_area_edit", args=[own.pk]), page)
        self.assertNotIn(reverse("health:risk_area_edit", args=[province.pk]), page)
        self.assertEqual(
            self.client.get(reverse("health:risk_area_edit", args=[province.pk])).status_code, 404
        )
        form = self.client.get(reverse("health:risk_area_create")).content.decode()
        self.assertNotIn("Whole province", form)
        refused = self.client.post(
            reverse("health:risk_area_create"),
            {"unit": "", "name": "西安", "level": "low", "effective_from": "2020-01-01"},
        )
        self.assertEqual(refused.status_code, 400)
        self.client.post(reverse("health:risk_area_end", args=[province.pk]), follow=True)
        province.refresh_from_db()
        self.assertIsNone(province.effective_to)
        saved = self.client.post(
            reverse("health:risk_area_create"),
            {"unit": "a-sub", "name": "西安", "level": "low", "effective_from": "2020-01-01"},
        )
        self.assertRedirects(saved, reverse("health:risk_area_list"))
        self.assertEqual(RiskArea.objects.get(name="西安").unit, self.t.a_sub)

        self.client.force_login(self.t.bella)
        page = self.client.get(reverse("health:risk_area_list")).content.decode()
        self.assertEqual(page.count('data-testid="risk-area"'), 1)  # the province's only
        self.assertNotIn("郑州", page)
        for name in ("health:risk_area_edit", "health:risk_area_end"):
            method = self.client.post if name.endswith("end") else self.client.get
            self.assertEqual(method(reverse(name, args=[own.pk])).status_code, 404)
        own.refresh_from_db()
        self.assertIsNone(own.effective_to)

        self.client.force_login(self.t.sasac)
        form = self.client.get(reverse("health:risk_area_create")).content.decode()
        self.assertIn("Whole province", form)
        page = self.client.get(reverse("health:risk_area_list")).content.decode()
        self.assertIn(reverse("health:risk_area_edit", args=[own.pk]), page)
        self.assertIn(reverse("health:risk_area_edit", args=[province.pk]), page)
