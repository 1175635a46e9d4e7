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

And the demo province for tests that need all of it: `seed_demo_once()` (see there).
"""

import atexit
import shutil
import tempfile
from dataclasses import dataclass
from types import SimpleNamespace

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from fangkong.core.testing import TableSnapshot
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


# The demo once per test process (each xdist worker): seeding takes 10-30 s, a snapshot's
# restore well under one. Seeded on the migrated database (the state conftest.py keeps at
# the start of the run), so every class gets the same demo, whatever ran before it.
_migrated: TableSnapshot | None = None


@dataclass
class _Demo:
    key: tuple
    snapshot: TableSnapshot
    media: str  # the files the demo stored (inspection photos, restart evidence)
    result: dict


_demo: _Demo | None = None


def remember_migrated_state() -> None:
    """conftest.py, once the test database is migrated: the state the demo is seeded on."""
    global _migrated
    _migrated = TableSnapshot()


def seed_demo_once() -> dict:
    """The database becomes the migrated one with `seed_demo()` run on it, as the first
    line of `setUpTestData()` (a TestCase: rolled back after the class) or of a browser
    test's `setUpClassData()` (flushed after the class). Anything made before is gone.

    The demo is seeded once and kept as a snapshot of every table, restored for each later
    class, and its files are copied into the current MEDIA_ROOT. The demo depends on the
    moment: it is seeded again when the local date or hour differs from the snapshot's
    (FANGKONG_TEST_NOW, a test's time_machine.travel, the 09:00 cut-off passing during
    the run); never kept across runs (a process's memory). Tests of
    seed_demo itself (idempotence, the hours) call it directly."""
    global _demo
    from .demo import seed_demo

    now = timezone.localtime()
    key = (connection.alias, connection.settings_dict["NAME"], now.date(), now.hour)
    if _demo is not None and _demo.key == key:
        _demo.snapshot.restore()
    else:
        if _demo is not None:
            shutil.rmtree(_demo.media, ignore_errors=True)
            _demo = None
        media = tempfile.mkdtemp(prefix="fk-demo-media-")
        atexit.register(shutil.rmtree, media, ignore_errors=True)
        with transaction.atomic():
            if _migrated is not None:
                _migrated.restore()
            with override_settings(MEDIA_ROOT=media):
                result = seed_demo(log=lambda *a: None)
            _demo = _Demo(key, TableSnapshot(), media, result)
    shutil.copytree(_demo.media, settings.MEDIA_ROOT, dirs_exist_ok=True)
    return dict(_demo.result)
