"""Schedules, the expected slots, logging and missing them (issue 13): every rule."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from fangkong.accountability.models import Entry
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.notify.models import Message
from fangkong.orgs import services as org_services
from fangkong.orgs.choices import SiteKind
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
