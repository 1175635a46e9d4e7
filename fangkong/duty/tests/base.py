"""The duty tests' fixtures: the shared test province with duty rooms on group-a and
b-sub, six more people in a-hq (one, A010, with the login "duty1")."""

import zoneinfo
from datetime import UTC, date, datetime, time

from fangkong.orgs import services as orgs
from fangkong.orgs.testing import ProvinceMixin, make_user

from ..services import roster, templates

NOW = datetime(2020, 2, 10, 2, 0, tzinfo=UTC)  # 10:00 on Feb 10 in Asia/Shanghai
MARCH = date(2020, 3, 1)


SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 0, month: int = 2) -> datetime:
    """A Shanghai wall-clock time of 2020, as UTC."""
    return datetime(2020, month, day, hour, tzinfo=SHANGHAI).astimezone(UTC)


class DutyMixin(ProvinceMixin):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        t = cls.t
        t.people = {
            no: orgs.create_person(actor=t.root, unit=t.a_hq, employee_no=no, name=f"Duty {no}")
            for no in ("A010", "A011", "A012", "A013", "A014", "A015")
        }
        t.duty1 = make_user("duty1")
        t.people["A010"].user = t.duty1
        t.people["A010"].save()
        t.room = roster.save_room(
            actor=t.root, unit=t.group_a, name="Group A duty room", phone="010-12345678"
        )
        t.room_b = roster.save_room(actor=t.root, unit=t.b_sub, name="B duty room")

    def person(self, no):
        return self.t.people[no]

    def template(
        self,
        role="staff",
        people=("A010", "A011", "A012"),
        hours=24,
        start="08:00",
        name=None,
        room=None,
    ):
        return templates.save_template(
            actor=self.t.root,
            room=room or self.t.room,
            role=role,
            name=name or f"{role} rota",
            shift_hours=hours,
            start_time=time.fromisoformat(start),
            anchor_on=date(2020, 1, 1),
            people=[self.person(no) for no in people],
        )

    def full_roster(self):
        """A template per role, no person in two of them."""
        return [
            self.template("staff", ("A010", "A011", "A012")),
            self.template("manager", ("A013", "A014"), hours=12),
            self.template("leader", ("A015",)),
        ]
