"""The inspections' demo on the units and logins it names (not the whole demo province,
which orgs' demo test seeds): three visits by `inspector` with findings, one item closed
and verified, one overdue (told and in the ledger), the office's visit of a unit the
inspector re-checks the same day; idempotent."""

from django.test import TestCase

from fangkong.accountability.models import Entry
from fangkong.inspections import queries
from fangkong.inspections.choices import RectState
from fangkong.inspections.demo import seed_inspections
from fangkong.inspections.models import Rectification, Visit
from fangkong.inspections.testing import install_checklists
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import Role, SiteKind, UnitKind
from fangkong.orgs.testing import grant, make_user
from fangkong.supplies.models import Request


class DemoTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        install_checklists()
        cls.admin = make_user("admin", superuser=True)

        def unit(code, parent, kind, **extra):
            return orgs.create_unit(
                actor=cls.admin, parent=parent, code=code, name=code, kind=kind, **extra
            )

        ct = unit("CT", None, UnitKind.GROUP)
        keys = {
            c: unit(c, ct, UnitKind.SUBSIDIARY, is_key_unit=True)
            for c in ("CT-HEAT", "CT-JY", "CT-MO", "CT-JD")
        }
        station = unit(
            "CT-HEAT-S01", keys["CT-HEAT"], UnitKind.SITE, site_kind=SiteKind.HEAT_STATION
        )
        unit("CT-JY-C01", keys["CT-JY"], UnitKind.SITE, site_kind=SiteKind.COMMUNITY)
        unit("CT-MO-JDC", keys["CT-MO"], UnitKind.SITE, site_kind=SiteKind.COMMUNITY)
        cls.inspector = make_user("inspector")
        for key in keys.values():
            grant(cls.inspector, key, Role.INSPECTOR)
        cls.office = make_user("office")
        grant(cls.office, ct, Role.OFFICE)
        grant(make_user("heat-liaison"), station, Role.LIAISON)
        cls.ct = ct

    def test_three_visits_one_closed_one_overdue_and_idempotent(self):
        seed_inspections(self.admin, log=lambda *a: None)
        done = Visit.objects.filter(inspector=self.inspector, state="done")
        self.assertEqual(done.count(), 3)
        closed = Rectification.objects.get(state=RectState.CLOSED)
        self.assertEqual(closed.verified_by, self.office)
        self.assertNotEqual(closed.fixed_by, closed.verified_by)
        board = queries.get_board(self.office, self.ct)
        self.assertGreaterEqual(board.overdue, 1)
        self.assertTrue(Entry.objects.filter(kind="rectification_overdue").exists())
        self.assertEqual(Request.objects.get().item.code, "thermometer-gun")
        planned = Visit.objects.get(inspector=self.office)
        self.assertTrue(queries.other_visits(planned.unit, planned.day, self.office))
        seed_inspections(self.admin, log=lambda *a: None)
        self.assertEqual(Visit.objects.count(), 5)
