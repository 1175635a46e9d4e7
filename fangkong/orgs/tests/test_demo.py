import re
from pathlib import Path

from django.contrib.auth import get_user_model
from django.test import SimpleTestCase, TestCase
from django.urls import reverse

from fangkong.orgs.choices import SiteKind
from fangkong.orgs.demo import seed_demo
from fangkong.orgs.models import FamilyMember, Person, RoleAssignment, Unit
from fangkong.orgs.testing import seed_demo_once


class DemoProvinceTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        seed_demo_once()
        User = get_user_model()
        cls.users = {u.username: u for u in User.objects.all()}

    def test_seeding_twice_duplicates_nothing(self):
        def counts():
            return (
                Unit.objects.count(),
                Person.objects.count(),
                FamilyMember.objects.count(),
                RoleAssignment.objects.count(),
                get_user_model().objects.count(),
            )

        before = counts()
        seed_demo(log=lambda *args: None)
        self.assertEqual(counts(), before)

    def test_shape_follows_the_seeds(self):
        heat = Unit.objects.get(code="CT-HEAT")
        subtree = Unit.objects.subtree(heat)
        self.assertEqual(subtree.filter(site_kind=SiteKind.HEAT_STATION).count(), 13)
        self.assertEqual(subtree.filter(site_kind=SiteKind.VEHICLE).count(), 100)
        self.assertEqual(
            Unit.objects.filter(parent__code="CT-JY", site_kind=SiteKind.COMMUNITY).count(), 12
        )
        self.assertTrue(Unit.objects.get(code="CT-SAFETY").hosts_epidemic_office)
        self.assertEqual(Unit.objects.filter(kind="group").count(), 3)
        self.assertGreater(Person.objects.count(), 300)
        self.assertGreater(FamilyMember.objects.count(), 100)
        self.assertFalse(
            Unit.objects.exclude(kind__in=["sasac", "group"]).filter(liaison__isnull=True).exists()
        )

    def test_demo_logins_work(self):
        for username in (
            "admin",
            "sasac",
            "group-admin",
            "office",
            "heat-liaison",
            "inspector",
            "other-admin",
        ):
            self.assertTrue(
                self.client.login(username=username, password="fangkong-demo"), username
            )

    def visible(self, username, url):
        self.client.force_login(self.users[username])
        return self.client.get(url).status_code

    def test_heat_liaison_sees_only_its_station(self):
        station = Unit.objects.get(code="CT-HEAT-S01")
        self.assertEqual(
            self.visible("heat-liaison", reverse("orgs:unit_detail", args=["CT-HEAT-S01"])), 200
        )
        other_person = Person.objects.get(employee_no="WL00001")
        for url in (
            reverse("orgs:unit_detail", args=["WL"]),
            reverse("orgs:unit_detail", args=["CT-HEAT-S02"]),
            reverse("orgs:person_detail", args=[other_person.pk]),
            reverse("orgs:people_list") + "?unit=WL",
            "/api/v1/units/WL",
            f"/api/v1/people/{other_person.pk}",
            "/api/v1/units/CT/children",
        ):
            self.assertEqual(self.visible("heat-liaison", url), 404, url)
        people = self.client.get("/api/v1/people?page_size=500").json()
        self.assertEqual(people["count"], Person.objects.in_subtree(station).count())

    def test_group_admin_sees_the_group_and_nothing_else(self):
        self.client.force_login(self.users["group-admin"])
        codes = {u["code"] for u in self.client.get("/api/v1/units?q=").json()}
        self.assertIn("CT-HEAT-S13", codes)
        self.assertFalse(any(c.startswith(("WL", "CQ", "SASAC")) for c in codes))
        self.assertEqual(self.visible("group-admin", "/api/v1/units/WL"), 404)
        self.assertEqual(
            self.visible("group-admin", reverse("orgs:unit_detail", args=["CT-HEAT"])), 200
        )

    def test_sasac_sees_everything(self):
        for code in ("SASAC", "CT-HEAT-V100", "WL-SCENIC-A1", "CQ-HALL"):
            self.assertEqual(self.visible("sasac", f"/api/v1/units/{code}"), 200)
        self.client.force_login(self.users["sasac"])
        self.assertEqual(self.client.get("/api/v1/people").json()["count"], Person.objects.count())

    def test_inspector_covers_the_key_units(self):
        self.client.force_login(self.users["inspector"])
        roots = {
            u.code
            for u in Unit.objects.visible_to(self.users["inspector"]).filter(is_key_unit=True)
        }
        self.assertEqual(roots, {"CT-JD", "CT-JY", "CT-HEAT", "CT-MO"})
        self.assertEqual(self.visible("inspector", "/api/v1/units/CT-ZX"), 404)

    def test_other_admin_cannot_see_the_first_group(self):
        self.assertEqual(self.visible("other-admin", "/api/v1/units/CT"), 404)
        self.assertEqual(self.visible("other-admin", "/api/v1/units/WL-HOTEL"), 200)


class DemoOnceConventionTests(SimpleTestCase):
    """A class seeding the whole demo itself costs the suite 10-30 s of CPU each time:
    classes take it from orgs.testing.seed_demo_once() (docs/architecture.md)."""

    def test_no_class_seeds_the_demo_itself(self):
        setup = re.compile(
            r"def (?:setUpTestData|setUpClassData|setUpClass)\(cls\):(.*?)(?=\n    \S|\n\S|\Z)",
            re.S,
        )
        apps = Path(__file__).resolve().parents[2]
        offenders = [
            str(path.relative_to(apps))
            for path in sorted(apps.glob("*/tests/*.py"))
            if any("seed_demo(" in body for body in setup.findall(path.read_text()))
        ]
        self.assertEqual(offenders, [], "call seed_demo_once() in the class's setup instead")
