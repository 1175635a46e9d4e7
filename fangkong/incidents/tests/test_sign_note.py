"""The incident page tells whoever sees an incident but cannot sign (签收) why, and tells
an inspector who may sign for a level what signing does (issue 10)."""

from datetime import UTC, datetime, timedelta

import time_machine
from django.test import TestCase
from django.urls import reverse

from fangkong.duty.services import roster
from fangkong.incidents import services
from fangkong.orgs import services as orgs
from fangkong.orgs.choices import Role
from fangkong.orgs.testing import ProvinceMixin, grant, make_user

FOUND = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NOW = FOUND + timedelta(minutes=5)


@time_machine.travel(NOW, tick=False)
class SignNoteTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        with time_machine.travel(NOW, tick=False):
            t.room = roster.save_room(actor=t.root, unit=t.group_a, name="Group A duty room")
            t.manager = make_user("manager")  # a duty manager, seeing incidents as a viewer
            grant(t.manager, t.group_a, Role.VIEWER)
            person = orgs.create_person(actor=t.root, unit=t.a_hq, employee_no="A020", name="M")
            person.user = t.manager
            person.save()
            roster.create_shift(
                actor=t.root,
                room=t.room,
                role="manager",
                person=person,
                starts_at=datetime(2020, 2, 3, 12, 0, tzinfo=UTC),  # 20:00, later today
                ends_at=datetime(2020, 2, 4, 0, 0, tzinfo=UTC),
            )
            t.inspector = make_user("inspector")
            grant(t.inspector, t.a_sub, Role.INSPECTOR)
            t.at_site = services.file_incident(
                actor=t.bob,
                unit=t.a_site_1,
                kind="suspected",
                title="Fever after a trip",
                discovered_at=FOUND,
            )  # reported to a-sub, group-a and the province
            t.at_sub = services.file_incident(
                actor=t.root,
                unit=t.a_sub,
                kind="fever_cluster",
                title="Three fevers",
                discovered_at=FOUND,
            )  # reported to group-a

    def page(self, user, incident):
        self.client.force_login(user)
        response = self.client.get(reverse("incidents:detail", args=[incident.pk]))
        self.assertEqual(response.status_code, 200)
        return response.content.decode()

    def note(self, page):
        marker = 'data-testid="sign-note"'
        if marker not in page:
            return None
        return page.split(marker, 1)[1].split("</div>", 1)[0]

    def test_an_off_duty_manager_is_told_who_signs_and_when_their_shift_is(self):
        page = self.page(self.t.manager, self.t.at_site)
        self.assertNotIn('data-testid="ack"', page)
        note = self.note(page)
        self.assertIn("您当前不在值班", note)
        self.assertIn("02-03 20:00", note)
        self.assertIn("当班值班员完成", note)

    def test_on_duty_the_manager_signs_with_nothing_to_explain(self):
        with time_machine.travel(datetime(2020, 2, 3, 13, 0, tzinfo=UTC), tick=False):
            page = self.page(self.t.manager, self.t.at_site)
        self.assertIn('data-testid="ack"', page)
        self.assertIsNone(self.note(page))

    def test_an_inspector_who_may_sign_is_told_what_it_means(self):
        page = self.page(self.t.inspector, self.t.at_site)
        self.assertIn('data-testid="ack"', page)
        note = self.note(page)
        self.assertIn("督查人员，也可以代表Unit a-sub签收", note)
        self.assertIn("15分钟签收时限", note)

    def test_an_inspector_of_the_reporting_unit_may_only_view(self):
        page = self.page(self.t.inspector, self.t.at_sub)
        self.assertNotIn('data-testid="ack"', page)
        self.assertIn("您是督查角色，只能查看", self.note(page))

    def test_the_reporting_unit_and_levels_above_the_target_are_told(self):
        page = self.page(self.t.bob, self.t.at_site)
        self.assertIn("本事件由您所在单位上报", self.note(page))
        page = self.page(self.t.sasac, self.t.at_sub)  # goes up to group-a only
        self.assertIn("本事件报至Unit group-a为止", self.note(page))

    def test_officers_of_a_receiving_level_and_signed_levels_see_no_note(self):
        page = self.page(self.t.alice, self.t.at_site)
        self.assertIn('data-testid="ack"', page)
        self.assertIsNone(self.note(page))
        services.acknowledge(actor=self.t.alice, incident=self.t.at_sub)
        self.assertIsNone(self.note(self.page(self.t.inspector, self.t.at_sub)))
