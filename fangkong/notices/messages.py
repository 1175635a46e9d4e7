"""What the notices app tells people, through notify's one entry point.

- topic `notice`: a notice delivered (in-app, one message per batch of recipient units,
  to the people holding a role on them or addressed by role) and a notice waiting for a
  leading-group member's approval;
- topic `notice_chase`: a re-reminder (再次提醒) of the units that still owe a reading,
  an acknowledgement or a reply. The first is in-app; from the second on, per unit, the
  unit's routing rules and the people on duty add SMS; from the third on, the unit's
  robots too (DING's escalation)."""

from __future__ import annotations

from collections import defaultdict

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.notify import services as notify
from fangkong.orgs.choices import Role
from fangkong.orgs.models import RoleAssignment, Unit

from .permissions import ROLES, NoticePerm

TOPIC = "notice"
TOPIC_CHASE = "notice_chase"
UNIT_BATCH = 1000


def _url(notice) -> str:
    return reverse("notices:notice_detail", args=[notice.pk])


def _users_of(unit_ids: list[int]) -> dict[int, set[int]]:
    """unit id → the users who read for it: holders of a role that acknowledges, and the
    unit's liaison on the roster."""
    users: dict[int, set[int]] = defaultdict(set)
    roles = ROLES[NoticePerm.ACK_NOTICES]
    for unit_id, user_id in RoleAssignment.objects.filter(
        unit_id__in=unit_ids, role__in=roles, user__is_active=True
    ).values_list("unit_id", "user_id"):
        users[unit_id].add(user_id)
    for unit_id, user_id in Unit.objects.filter(
        pk__in=unit_ids, liaison__user__isnull=False
    ).values_list("pk", "liaison__user_id"):
        users[unit_id].add(user_id)
    return users


def _recipients(rows) -> tuple[list[int], set[int]]:
    unit_ids = sorted({unit_id for unit_id, _path, person in rows if person is None})
    people = {person for _u, _p, person in rows if person is not None}
    return unit_ids, people


def deliver(notice, rows) -> None:
    facts = {"number": notice.number, "title": notice.title, "issuer": notice.issuer.name}

    def subject():
        return _("[Notice] %(issuer)s %(number)s: %(title)s") % facts

    def body():
        text = _("Open it to read and acknowledge it (签收).")
        if notice.reply_by:
            text += " " + _("A written reply is required by the deadline.")
        return text

    unit_ids, people = _recipients(rows)
    batches = [unit_ids[i : i + UNIT_BATCH] for i in range(0, len(unit_ids), UNIT_BATCH)] or [[]]
    for index, batch in enumerate(batches):
        users = set().union(*_users_of(batch).values()) if batch else set()
        if index == 0:
            users |= people
        if not users:
            continue
        notify.queue(
            key=f"notice:{notice.pk}:b{index}",
            topic=TOPIC,
            unit=notice.issuer,
            subject=subject,
            body=body,
            users=sorted(users),
            rules=False,
            channels=(),
            url=_url(notice),
        )


def notify_approvers(notice) -> None:
    line = [*notice.issuer.ancestor_ids, notice.issuer.pk]
    users = RoleAssignment.objects.filter(
        unit_id__in=line, role=Role.LEADING_GROUP, user__is_active=True
    ).values_list("user_id", flat=True)
    facts = {"title": notice.title, "issuer": notice.issuer.name}
    notify.queue(
        key=f"notice:{notice.pk}:approve",
        topic=TOPIC,
        unit=notice.issuer,
        subject=lambda: _("[Notice] Waits for your approval: %(title)s") % facts,
        body=lambda: _("%(issuer)s wants to issue it; open it to approve.") % facts,
        users=sorted(set(users)),
        rules=False,
        channels=(),
        url=_url(notice),
    )


def remind(notice, reminder, rows) -> None:
    facts = {"number": notice.number, "title": notice.title, "issuer": notice.issuer.name}

    def subject():
        return _("[Reminder] Please read and acknowledge %(number)s: %(title)s") % facts

    def body():
        return (
            _("%(issuer)s reminds you: this notice is still not read, acknowledged or replied.")
            % facts
        )

    unit_ids, people = _recipients(rows)
    by_unit = _users_of(unit_ids)
    if reminder.level == 1:
        users = set().union(*by_unit.values()) | people if (by_unit or people) else set()
        if users:
            notify.queue(
                key=f"notice:{notice.pk}:r{reminder.pk}",
                topic=TOPIC_CHASE,
                unit=notice.issuer,
                subject=subject,
                body=body,
                users=sorted(users),
                rules=False,
                channels=(),
                url=_url(notice),
            )
        return
    # Escalation: per unit, its rules and the people on duty (SMS), then its robots.
    units = {u.pk: u for u in Unit.objects.filter(pk__in={u for u, _p, _x in rows})}
    person_of: dict[int, set[int]] = defaultdict(set)
    for unit_id, _path, person in rows:
        if person is not None:
            person_of[unit_id].add(person)
    with notify.cached_lookups():
        for unit_id, unit in units.items():
            notify.queue(
                key=f"notice:{notice.pk}:r{reminder.pk}:u{unit_id}",
                topic=TOPIC_CHASE,
                unit=unit,
                subject=subject,
                body=body,
                users=sorted(by_unit.get(unit_id, set()) | person_of.get(unit_id, set())),
                channels=None if reminder.level >= 3 else (),
                url=_url(notice),
            )
