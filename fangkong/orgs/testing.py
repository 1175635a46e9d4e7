"""Shared test fixtures: a small province with users of different scopes.

province (sasac)
├── group-a (group)                  alice: unit admin;  olga: epidemic office
│   ├── a-hq (department)
│   └── a-sub (subsidiary, key unit)
│       ├── a-site-1 (site)          bob: liaison
│       └── a-site-2 (site)
└── group-b (group)                  charlie: unit admin (the outsider)
    └── b-sub (subsidiary)
root: superuser on everything; sasac: office on the province
"""

from types import SimpleNamespace

from django.contrib.auth import get_user_model

from fangkong.orgs import services
from fangkong.orgs.choices import Role, SiteKind, UnitKind
from fangkong.orgs.models import RoleAssignment

PASSWORD = "test-pass-123"


def make_user(username, *, superuser=False):
    User = get_user_model()
    user = User.objects.create_user(
        username, password=PASSWORD, is_superuser=superuser, is_staff=superuser
    )
    return user


def grant(user, unit, role):
    RoleAssignment.objects.create(user=user, unit=unit, role=role)


def make_province():
    t = SimpleNamespace()
    t.root = make_user("root", superuser=True)

    def unit(code, parent, kind=UnitKind.DEPARTMENT, **extra):
        return services.create_unit(
            actor=t.root, parent=parent, code=code, name=f"Unit {code}", kind=kind, **extra
        )

    t.province = unit("province", None, UnitKind.SASAC)
    t.group_a = unit("group-a", t.province, UnitKind.GROUP)
    t.a_hq = unit("a-hq", t.group_a)
    t.a_sub = unit("a-sub", t.group_a, UnitKind.SUBSIDIARY, is_key_unit=True)
    t.a_site_1 = unit("a-site-1", t.a_sub, UnitKind.SITE, site_kind=SiteKind.HEAT_STATION)
    t.a_site_2 = unit("a-site-2", t.a_sub, UnitKind.SITE, site_kind=SiteKind.OFFICE)
    t.group_b = unit("group-b", t.province, UnitKind.GROUP)
    t.b_sub = unit("b-sub", t.group_b, UnitKind.SUBSIDIARY)

    def person(unit_, no, **extra):
        return services.create_person(
            actor=t.root, unit=unit_, employee_no=no, name=f"Person {no}", **extra
        )

    t.p_hq = person(t.a_hq, "A001", is_party_member=True, position="部长")
    t.p_site_1 = person(
        t.a_site_1,
        "A002",
        phone="13800000001",
        id_number="11010519491231002X",
        family=[{"name": "Kin", "relation": "配偶", "phone": "13900000000"}],
    )
    t.p_site_2 = person(t.a_site_2, "A003", position="站长")
    t.p_b = person(t.b_sub, "B001")

    t.alice = make_user("alice")
    grant(t.alice, t.group_a, Role.UNIT_ADMIN)
    t.olga = make_user("olga")
    grant(t.olga, t.group_a, Role.OFFICE)
    t.bob = make_user("bob")
    grant(t.bob, t.a_site_1, Role.LIAISON)
    t.charlie = make_user("charlie")
    grant(t.charlie, t.group_b, Role.UNIT_ADMIN)
    t.sasac = make_user("sasac")
    grant(t.sasac, t.province, Role.OFFICE)
    t.nobody = make_user("nobody")
    return t


class ProvinceMixin:
    """For django.test.TestCase: `cls.t` holds the province, built once per class."""

    @classmethod
    def setUpTestData(cls):
        cls.t = make_province()

    def login(self, user):
        self.client.force_login(user)
        return self.client
