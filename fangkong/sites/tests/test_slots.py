"""Schedules, the expected slots, logging and missing them (issue 13): every rule."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from fangkong.accountability.models import Entry
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.notify.models import Message
from fangkong.orgs import services as org_services
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import ProvinceMixin
from fangkong.sites import links, queries, schedules, services, sweeps
from fangkong.sites.choices import Covers, SlotState, Via
from fangkong.sites.models import Slot, SlotTally

CN = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 2, 3)


def at(hh, mm=0, day=DAY):
    return datetime(day.year, day.month, day.day, hh, mm, tzinfo=CN)


class SlotTests(ProvinceMixin, TestCase):
    def sync(self, day=DAY, now=None):
        return services.sync_slots(day, now=now or at(0, 1))

    def slots(self, site, day=DAY):
        return list(Slot.objects.filter(site=site, day=day).order_by("number"))

    def tally(self, site, day=DAY):
        return SlotTally.objects.get(site=site, day=day)

    def test_the_sweep_makes_each_site_s_slots_from_the_defaults_once(self):
        t = self.t
        self.assertEqual(self.sync()["created"], 3)  # heat station 1, office 2
        station, office = self.slots(t.a_site_1), self.slots(t.a_site_2)
        self.assertEqual(len(station), 1)
        self.assertEqual(len(office), 2)
        self.assertEqual(station[0].starts_at, at(9))
        self.assertEqual(station[0].covers, Covers.BOTH)
        self.assertEqual(station[0].ends_at, at(11))
        self.assertEqual(station[0].missed_at, at(13))
        self.assertEqual(self.sync()["created"], 0)  # twice: nothing new
        tally = self.tally(t.a_site_2)
        self.assertEqual((tally.total, tally.expected), (2, 2))

    def test_slots_whose_time_is_over_are_not_made_late(self):
        t = self.t
        # A first run at noon makes only the office's 14:30: its 08:30 and the heat
        # station's 09:00 could no longer be done on time.
        self.assertEqual(services.sync_slots(DAY, now=at(12))["created"], 1)
        self.assertEqual([s.number for s in self.slots(t.a_site_2)], [2])
        self.assertEqual(sweeps.mark_missed(now=at(23, 59))["missed"], 1)

    def test_an_override_on_a_site_wins_over_the_subtree_s_schedule(self):
        t = self.t
        schedules.set_schedule(
            actor=t.olga,
            unit=t.group_a,
            site_kind=SiteKind.OFFICE,
            slots=[{"at": "09:00", "covers": "ventilation"}],
        )
        schedules.set_schedule(
            actor=t.olga,
            unit=t.a_site_2,
            site_kind=SiteKind.OFFICE,
            slots=schedules.OFFICE_BUILDING,
        )
        self.sync()
        self.assertEqual(len(self.slots(t.a_site_2)), 3)  # 办公楼每日三消毒
        schedules.clear_schedule(actor=t.olga, unit=t.a_site_2, site_kind=SiteKind.OFFICE)
        self.sync()
        office = self.slots(t.a_site_2)
        self.assertEqual([(s.starts_at, s.covers) for s in office], [(at(9), "ventilation")])
        self.assertEqual(self.tally(t.a_site_2).total, 1)

    def test_a_changed_schedule_leaves_started_slots_as_they_were(self):
        t = self.t
        self.sync()
        schedules.set_schedule(
            actor=t.olga, unit=t.group_a, site_kind=SiteKind.OFFICE, slots=[{"at": "15:00"}]
        )
        services.sync_slots(DAY, now=at(10))
        office = self.slots(t.a_site_2)
        # 08:30 (slot 1) had started: kept as it was; 14:30 (slot 2) had not: dropped. The
        # new schedule's only slot is slot 1 of the day, which the day already has.
        self.assertEqual([s.starts_at for s in office], [at(8, 30)])
        self.assertEqual(self.tally(t.a_site_2).total, 1)

    def test_schedule_input_is_checked_with_the_field_named(self):
        t = self.t
        with self.assertRaises(InvalidInput) as caught:
            schedules.set_schedule(
                actor=t.olga, unit=t.group_a, site_kind=SiteKind.OFFICE, slots=[{"at": "25:00"}]
            )
        self.assertIn("slots", caught.exception.fields)
        with self.assertRaises(InvalidInput) as caught:
            schedules.set_schedule(
                actor=t.olga, unit=t.a_site_1, site_kind=SiteKind.OFFICE, slots=[]
            )
        self.assertIn("site_kind", caught.exception.fields)
        with self.assertRaises(PermissionDeniedInScope):
            schedules.set_schedule(
                actor=t.bob, unit=t.a_site_1, site_kind=SiteKind.HEAT_STATION, slots=[]
            )
        self.assertEqual(
            schedules.parse_slots("08:30 消毒通风 84消毒液\n14:00 通风"),
            [
                {"at": "08:30", "covers": "both", "agent": "84消毒液"},
                {"at": "14:00", "covers": "ventilation", "agent": ""},
            ],
        )
        with self.assertRaises(ValueError):
            schedules.parse_slots("morning")

    def test_a_closed_site_has_no_slots(self):
        t = self.t
        t.a_site_1.active_to = DAY - timedelta(days=1)
        t.a_site_1.save()
        self.sync()
        self.assertEqual(self.slots(t.a_site_1), [])

    def test_logging_on_time_then_late_and_the_tally_follows(self):
        t = self.t
        self.sync()
        first, second = self.slots(t.a_site_2)
        logged = services.log_slot(
            slot=first,
            done=["disinfection", "ventilation"],
            person=t.p_site_2,
            actor=t.olga,
            now=at(9),
        )
        self.assertEqual(logged.state, SlotState.DONE)
        late = services.log_slot(
            slot=second, done=["disinfection", "ventilation"], actor=t.olga, now=at(17, 30)
        )
        self.assertEqual(late.state, SlotState.LATE)
        tally = self.tally(t.a_site_2)
        self.assertEqual((tally.expected, tally.done, tally.late), (0, 1, 1))
        counts, children = queries.get_compliance(t.group_a, DAY)
        self.assertEqual((counts["total"], counts["done"], counts["late"]), (3, 1, 1))
        sub = next(c for c in children if c.pk == t.a_sub.pk)
        self.assertEqual(sub.compliance["done"], 1)

    def test_bad_logs_are_refused_with_the_field_named_and_nothing_written(self):
        t = self.t
        self.sync()
        station = self.slots(t.a_site_1)[0]
        office = self.slots(t.a_site_2)[0]
        cases = [
            (dict(slot=station, done=["disinfection"], now=at(10)), "done"),  # covers both
            (dict(slot=station, done=["sweeping"], now=at(10)), "done"),
            (dict(slot=station, done=[], now=at(10)), "done"),
            (dict(slot=station, done=["disinfection", "ventilation"], now=at(7)), "slot"),
            (dict(slot=office, done=["disinfection", "ventilation"], site=t.a_site_1), "slot"),
            (dict(slot=station, done=["disinfection", "ventilation"], person=t.p_b), "person"),
            (dict(slot=station, done=["disinfection", "ventilation"], note="x" * 301), "note"),
            (
                dict(
                    slot=station,
                    done=["disinfection", "ventilation"],
                    photo=SimpleUploadedFile("a.exe", b"MZ", content_type="application/x-exe"),
                ),
                "photo",
            ),
        ]
        for kwargs, field in cases:
            kwargs.setdefault("now", at(10))
            with self.subTest(field=field), self.assertRaises(InvalidInput) as caught:
                services.log_slot(via=Via.QR, **kwargs)
            self.assertIn(field, caught.exception.fields)
        station.refresh_from_db()
        self.assertEqual(station.state, SlotState.EXPECTED)
        self.assertEqual(self.tally(t.a_site_1).expected, 1)
        with self.assertRaises(PermissionDeniedInScope):
            services.log_slot(slot=station, done=["disinfection", "ventilation"], actor=t.charlie)

    def test_a_second_log_is_a_conflict(self):
        t = self.t
        self.sync()
        station = self.slots(t.a_site_1)[0]
        both = ["disinfection", "ventilation"]
        services.log_slot(slot=station, done=both, person=t.p_site_1, via=Via.QR, now=at(9, 5))
        with self.assertRaises(Conflict) as caught:
            services.log_slot(slot=station, done=both, via=Via.QR, now=at(9, 6))
        self.assertIn("slot", caught.exception.fields)
        self.assertEqual(self.tally(t.a_site_1).done, 1)

    def test_a_photo_is_kept(self):
        t = self.t
        self.sync()
        station = self.slots(t.a_site_1)[0]
        photo = SimpleUploadedFile("p.png", b"\x89PNG....", content_type="image/png")
        with self.settings(MEDIA_ROOT="/tmp/fk-sites-test-media"):
            logged = services.log_slot(
                slot=station, done=["disinfection", "ventilation"], photo=photo, now=at(9)
            )
        self.assertTrue(logged.photo.name.startswith("sites/"))

    def test_a_missed_slot_tells_the_liaison_once_and_is_in_the_ledger(self):
        t = self.t
        self.sync()
        self.assertEqual(sweeps.mark_missed(now=at(12, 29))["missed"], 0)
        result = sweeps.mark_missed(now=at(13, 1))
        # the heat station's 09:00 (missed at 13:00) and the office's 08:30 (12:30)
        self.assertEqual(result, {"missed": 2, "failed": 0})
        self.assertEqual(sweeps.mark_missed(now=at(13, 2))["missed"], 0)
        station = self.slots(t.a_site_1)[0]
        self.assertEqual(station.state, SlotState.MISSED)
        told = Message.objects.filter(topic="site_slot_missed", recipient=t.bob)
        self.assertEqual(told.count(), 1)
        entry = Entry.objects.get(kind=services.MISSED_KIND, unit=t.a_site_1)
        self.assertEqual(entry.day, DAY)
        self.assertEqual(entry.object_id, station.pk)
        self.assertEqual(self.tally(t.a_site_1).missed, 1)
        with self.assertRaises(Conflict):
            services.log_slot(slot=station, done=["disinfection", "ventilation"], now=at(13, 5))
        counts, _children = queries.get_compliance(t.province, DAY)
        self.assertEqual(counts["missed"], 2)

    def test_the_liaison_s_slots_due_now(self):
        t = self.t
        self.sync()
        due = list(queries.list_slots_due(t.bob, at(9, 10)))
        self.assertEqual([s.site_id for s in due], [t.a_site_1.pk])
        self.assertEqual(list(queries.list_slots_due(t.bob, at(7))), [])
        self.assertEqual(list(queries.list_slots_due(t.charlie, at(9, 10))), [])

    def test_a_moved_site_s_slots_move_with_it(self):
        t = self.t
        self.sync()
        org_services.move_unit(actor=t.root, unit=t.a_site_1, new_parent=t.a_hq)
        t.a_site_1.refresh_from_db()
        self.assertEqual(self.slots(t.a_site_1)[0].unit_path, t.a_site_1.path)
        counts, _children = queries.get_compliance(t.a_hq, DAY)
        self.assertEqual(counts["total"], 1)


class LinkTests(ProvinceMixin, TestCase):
    def test_a_link_names_its_site_until_revoked_or_the_site_closes(self):
        t = self.t
        (link,) = links.issue_links(actor=t.olga, sites=[t.a_site_1])
        token = links.link_token(link)
        self.assertEqual(links.resolve_link(token).site, t.a_site_1)
        self.assertEqual(links.issue_links(actor=t.olga, sites=[t.a_site_1])[0], link)
        (fresh,) = links.issue_links(actor=t.olga, sites=[t.a_site_1], reissue=True)
        with self.assertRaises(links.LinkError) as caught:
            links.resolve_link(token)
        self.assertEqual(caught.exception.reason, "revoked")
        with self.assertRaises(links.LinkError) as caught:
            links.resolve_link(token + "x")
        self.assertEqual(caught.exception.reason, "invalid")
        t.a_site_1.active_to = date(2020, 1, 1)
        t.a_site_1.active_from = date(2019, 1, 1)
        t.a_site_1.save()
        with self.assertRaises(links.LinkError) as caught:
            links.resolve_link(links.link_token(fresh))
        self.assertEqual(caught.exception.reason, "closed")
        with self.assertRaises(PermissionDeniedInScope):
            links.issue_links(actor=t.charlie, sites=[t.a_site_1])


class TaskAndPanelTests(ProvinceMixin, TestCase):
    def test_the_liaison_s_to_do_and_the_command_panel(self):
        from fangkong.core.command import panels_for
        from fangkong.core.tasks import tasks_for

        t = self.t
        services.sync_slots(DAY, now=at(0, 1))
        tasks = [x for x in tasks_for(t.bob, at(9, 10)) if x.kind == "sites.slot"]
        self.assertEqual(len(tasks), 1)
        self.assertIn("a-site-1", tasks[0].url)
        self.assertFalse(tasks[0].urgent)
        late = [x for x in tasks_for(t.bob, at(11, 30)) if x.kind == "sites.slot"]
        self.assertTrue(late[0].urgent)
        panels = {p["panel"].name: p["data"] for p in panels_for(t.olga, t.group_a, at(13, 30))}
        self.assertEqual(panels["sites.compliance"]["figures"][2]["value"], 3)
        sweeps.mark_missed(now=at(13, 30))
        panels = {p["panel"].name: p["data"] for p in panels_for(t.olga, t.group_a, at(13, 30))}
        self.assertEqual(panels["sites.compliance"]["figures"][1]["value"], 2)


class SweepInSqlTests(ProvinceMixin, TestCase):
    """The sweep writes its rows in SQL (`services.sync_slots`); these are the rows the
    rule it replaced gives: `schedules.Resolver().plan(site)` and `Plan.times`, per site."""

    def rule(self, day, now):
        resolver = schedules.Resolver()
        rows = set()
        for site in Unit.objects.filter(kind=UnitKind.SITE).exclude(site_kind=""):
            plan = resolver.plan(site)
            if plan is None or not site.is_open_on(day):
                continue
            for spec in plan.slots:
                # In UTC: Python never finds a time in a clock change's gap equal to one
                # of another zone, even the same instant.
                starts, ends, missed = (t.astimezone(UTC) for t in plan.times(site, day, spec))
                if ends > now:
                    rows.add(
                        (site.pk, spec.number, starts, ends, missed, spec.covers, spec.agent)
                        + (spec.label,)
                    )
        return rows

    def made(self, day):
        return set(
            Slot.objects.filter(day=day).values_list(
                "site_id", "number", "starts_at", "ends_at", "missed_at", "covers", "agent", "label"
            )
        )

    def setUp(self):
        super().setUp()
        t = self.t

        def site(code, parent, kind, tz="Asia/Shanghai"):
            return org_services.create_unit(
                actor=t.root,
                parent=parent,
                code=code,
                name=code,
                kind=UnitKind.SITE,
                site_kind=kind,
                timezone=tz,
            )

        # Offices of group A: its schedule; a-site-2 the office building's override; an
        # office in Berlin (summer time) under the group's schedule; a vehicle in Urumqi on
        # the default; group B switched canteens off and has a canteen.
        t.berlin = site("a-berlin", t.a_sub, SiteKind.OFFICE, "Europe/Berlin")
        t.urumqi = site("a-urumqi", t.a_hq, SiteKind.VEHICLE, "Asia/Urumqi")
        t.canteen = site("b-canteen", t.b_sub, SiteKind.CANTEEN)
        t.b_office = site("b-office", t.b_sub, SiteKind.OFFICE, "America/New_York")
        schedules.set_schedule(
            actor=t.olga,
            unit=t.group_a,
            site_kind=SiteKind.OFFICE,
            slots=[
                {"at": "01:30", "covers": "ventilation", "label": "夜"},
                {"at": "02:30", "covers": "both", "agent": "75%酒精"},  # not a Berlin time
                {"at": "09:00", "covers": "disinfection"},
            ],
            window_minutes=90,
            grace_minutes=45,
        )
        schedules.set_schedule(
            actor=t.olga,
            unit=t.a_site_2,
            site_kind=SiteKind.OFFICE,
            slots=schedules.OFFICE_BUILDING,
        )
        schedules.set_schedule(actor=t.root, unit=t.group_b, site_kind=SiteKind.CANTEEN, slots=[])

    def test_the_rows_are_the_rule_s_with_overrides_and_time_zones(self):
        # 29 March 2026: Berlin moves its clocks from 02:00 to 03:00.
        day = date(2026, 3, 29)
        now = datetime(2026, 3, 28, 12, tzinfo=UTC)
        made = services.sync_slots(day, now=now)
        expected = self.rule(day, now)
        self.assertEqual(self.made(day), expected)
        self.assertEqual(made["created"], len(expected))
        sites = {row[0] for row in expected}
        self.assertNotIn(self.t.canteen.pk, sites)  # switched off by group B
        self.assertEqual(len([r for r in expected if r[0] == self.t.a_site_2.pk]), 3)
        berlin = sorted(r for r in expected if r[0] == self.t.berlin.pk)
        self.assertEqual(berlin[0][2], datetime(2026, 3, 29, 0, 30, tzinfo=UTC))  # 01:30 CET
        self.assertEqual(berlin[2][2], datetime(2026, 3, 29, 7, tzinfo=UTC))  # 09:00 CEST
        urumqi = [r for r in expected if r[0] == self.t.urumqi.pk]
        self.assertEqual(min(r[2] for r in urumqi), datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
        for site in (self.t.a_site_2, self.t.berlin, self.t.urumqi):
            tally = SlotTally.objects.get(site=site, day=day)
            self.assertEqual(
                (tally.total, tally.expected), (len([r for r in expected if r[0] == site.pk]),) * 2
            )

    def test_a_late_first_run_and_a_changed_schedule_follow_the_rule(self):
        t = self.t
        day = date(2026, 7, 1)
        noon = datetime(2026, 7, 1, 4, tzinfo=UTC)  # 12:00 in Shanghai, 06:00 in Berlin
        services.sync_slots(day, now=noon)
        self.assertEqual(self.made(day), self.rule(day, noon))
        # The group changes its offices' schedule; the override and started slots stay.
        schedules.set_schedule(
            actor=t.olga,
            unit=t.group_a,
            site_kind=SiteKind.OFFICE,
            slots=[{"at": "10:00", "covers": "both"}, {"at": "18:00", "covers": "ventilation"}],
        )
        later = datetime(2026, 7, 1, 6, tzinfo=UTC)
        result = services.sync_slots(day, now=later)
        rows = self.made(day)
        # Every slot not started follows the new rule; started ones are as they were.
        not_started = {r for r in rows if r[2] > later}
        self.assertEqual(not_started, {r for r in self.rule(day, later) if r[2] > later})
        self.assertGreater(result["changed"] + result["removed"], 0)
        for site in (t.berlin, t.a_site_2, t.b_office):
            tally = SlotTally.objects.get(site=site, day=day)
            self.assertEqual(tally.total, Slot.objects.filter(site=site, day=day).count())
        self.assertEqual(
            services.sync_slots(day, now=later), {"created": 0, "changed": 0, "removed": 0}
        )

    def test_the_sites_given_are_the_only_ones_made(self):
        t = self.t
        day = date(2026, 3, 29)
        now = datetime(2026, 3, 28, 12, tzinfo=UTC)
        services.sync_slots(day, now=now, sites=[t.berlin, t.urumqi])
        self.assertEqual(
            self.made(day), {r for r in self.rule(day, now) if r[0] in (t.berlin.pk, t.urumqi.pk)}
        )
