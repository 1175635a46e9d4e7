from datetime import UTC, date, datetime
from decimal import Decimal

import time_machine
from django.test import TestCase, override_settings

from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.health.choices import CaseState, Category, Source, Whereabouts
from fangkong.health.models import CheckIn, CheckInRevision, HealthCase
from fangkong.health.queries import checkins as queries
from fangkong.health.services import checkins as services
from fangkong.notify.models import Message
from fangkong.orgs.testing import ProvinceMixin

DAY = date(2020, 2, 3)
MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)  # 08:30 in Shanghai


def normal(**extra):
    return {"temperature": "36.5", "symptoms": [], "whereabouts": "at_post"} | extra


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class CheckInServiceTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        cls.link = services.issue_links(actor=t.root, people=[t.p_site_1])[0]

    def test_a_self_check_in_counts_in_the_tally_and_the_summary(self):
        t = self.t
        outcome = services.check_in_self(link=self.link, raw=normal())
        self.assertEqual((outcome.created, outcome.cases_opened), (1, 0))
        summary = queries.get_checkin_summary(t.group_a, DAY)
        self.assertEqual(summary["expected"], 3)
        self.assertEqual(summary["checked_in"], 1)
        self.assertEqual(summary["missing"], 2)
        self.assertEqual(summary["at_post"], 1)
        self.assertEqual(summary["by_category"][Category.ON_POST], 1)
        self.assertEqual(queries.list_child_summaries(t.group_a, DAY)[2], summary)
        missing = list(queries.list_not_checked_in(None, t.group_a, DAY))
        self.assertEqual({p.pk for p in missing}, {t.p_hq.pk, t.p_site_2.pk})

    def test_a_fever_opens_one_case_and_notifies_the_liaison_and_the_leader(self):
        t = self.t
        outcome = services.check_in_self(link=self.link, raw=normal(temperature="37.8"))
        self.assertEqual(outcome.cases_opened, 1)
        case = HealthCase.objects.get(person=t.p_site_1)
        self.assertEqual((case.state, case.temperature), (CaseState.REPORTED, Decimal("37.8")))
        recipients = set(
            Message.objects.filter(topic="health_case").values_list(
                "recipient__username", flat=True
            )
        )
        self.assertEqual(recipients, {"bob", "alice"})  # liaison of a-site-1, admin of group-a
        # A second fever the same day changes the check-in but opens no second case.
        services.check_in_self(link=self.link, raw=normal(temperature="38.2"))
        self.assertEqual(HealthCase.objects.count(), 1)
        summary = queries.get_checkin_summary(t.group_a, DAY)
        self.assertEqual((summary["checked_in"], summary["fever"]), (1, 1))

    def test_a_red_flag_symptom_opens_a_case_without_fever(self):
        services.check_in_self(link=self.link, raw=normal(symptoms=["taste_smell"]))
        self.assertEqual(HealthCase.objects.get().trigger, "symptom")

    def test_a_second_check_in_keeps_the_first_and_moves_the_counts(self):
        t = self.t
        services.check_in_self(link=self.link, raw=normal())
        services.check_in_self(link=self.link, raw=normal(whereabouts="remote"))
        checkin = CheckIn.objects.get()
        self.assertEqual((checkin.whereabouts, checkin.revision_count), ("remote", 2))
        self.assertEqual(CheckInRevision.objects.get().values["whereabouts"], "at_post")
        summary = queries.get_checkin_summary(t.group_a, DAY)
        self.assertEqual((summary["checked_in"], summary["at_post"], summary["remote"]), (1, 0, 1))
        # The same values again (a retry) change nothing.
        outcome = services.check_in_self(link=self.link, raw=normal(whereabouts="remote"))
        self.assertEqual(outcome.unchanged, 1)
        self.assertEqual(CheckInRevision.objects.count(), 1)

    def test_bad_temperatures_are_refused_with_a_clear_message(self):
        for value, words in (
            ("98.6", "Fahrenheit"),
            ("45", "between"),
            ("abc", "number"),
            ("", "Enter the body temperature"),
        ):
            with self.subTest(value=value), self.assertRaises(InvalidInput) as ctx:
                services.check_in_self(link=self.link, raw=normal(temperature=value))
            self.assertIn(words, str(ctx.exception.fields["temperature"][0]))
        self.assertFalse(CheckIn.objects.exists())

    def test_a_batch_with_one_bad_row_saves_nothing_and_lists_the_row(self):
        t = self.t
        rows = [
            {"employee_no": "A001", **normal()},
            {"employee_no": "A002", **normal(temperature="98.6")},
            {"employee_no": "B001", **normal()},  # another group: not on this roster
        ]
        with self.assertRaises(InvalidInput) as ctx:
            services.check_in_unit(actor=t.alice, unit=t.group_a, day=DAY, rows=rows)
        self.assertEqual(set(ctx.exception.fields), {"row 2", "row 3"})
        self.assertFalse(CheckIn.objects.exists())
        outcome = services.check_in_unit(actor=t.alice, unit=t.group_a, day=DAY, rows=rows[:1])
        self.assertEqual(outcome.created, 1)
        self.assertEqual(CheckIn.objects.get().source, Source.PROXY)
        self.assertEqual(CheckIn.objects.get().category, Category.PARTY)  # A001 is a member

    def test_a_day_in_the_future_and_a_unit_outside_scope_are_refused(self):
        t = self.t
        with self.assertRaises(InvalidInput):
            services.check_in_unit(
                actor=t.alice,
                unit=t.group_a,
                day=date(2020, 2, 4),
                rows=[{"employee_no": "A001", **normal()}],
            )
        with self.assertRaises(PermissionDeniedInScope):
            services.check_in_unit(
                actor=t.charlie, unit=t.group_a, day=DAY, rows=[{"employee_no": "A001", **normal()}]
            )

    def test_revoked_and_expired_links_stop_working(self):
        t = self.t
        token = services.link_token(self.link)
        self.assertEqual(services.resolve_link(token).person, t.p_site_1)
        with self.assertRaises(services.LinkError) as ctx:
            services.resolve_link(token[:-2] + "xx")
        self.assertEqual(ctx.exception.reason, "invalid")
        with self.assertRaises(services.LinkError) as ctx:
            services.resolve_link(token, now=datetime(2030, 1, 1, tzinfo=UTC))
        self.assertEqual(ctx.exception.reason, "expired")
        fresh = services.issue_links(actor=t.bob, people=[t.p_site_1], reissue=True)[0]
        with self.assertRaises(services.LinkError) as ctx:
            services.resolve_link(token)
        self.assertEqual(ctx.exception.reason, "revoked")
        self.assertEqual(services.resolve_link(services.link_token(fresh)).pk, fresh.pk)

    def test_whereabouts_in_observation_count_apart(self):
        services.check_in_self(
            link=self.link, raw=normal(whereabouts=Whereabouts.OBSERVATION, category="observation")
        )
        summary = queries.get_checkin_summary(self.t.a_site_1, DAY)
        self.assertEqual((summary["observation"], summary["by_category"]["observation"]), (1, 1))
