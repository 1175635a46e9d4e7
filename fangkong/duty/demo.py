"""Demo data of the duty roster: duty rooms for the CT group, its heating company and every
key unit, a template per role (24-hour shifts from 08:00, rotating through people of the
unit) applied to this month and the next, so no room has a gap; two demo logins on duty
(`heat-duty`/`heat-duty2`: the heating company's duty managers, `ct-leader`/`ct-leader2`:
the group's leading cadres on duty), and a few log entries and a handover.

Idempotent: rooms are found by unit, templates by name, users by username; applying a
template again keeps its unchanged shifts.
"""

from datetime import time

from django.contrib.auth import get_user_model
from django.utils import timezone

from fangkong.orgs.choices import Role
from fangkong.orgs.demo import DEMO_PASSWORD
from fangkong.orgs.models import Person, RoleAssignment, Unit

from .choices import DutyRole, LogKind
from .clock import local_today, next_month
from .models import DutyLogEntry, DutyRoom, Handover, RosterTemplate, Shift
from .services import log as log_services
from .services import roster, templates

# unit code → (room name, people drawn from this unit's subtree)
ROOMS = {
    "CT": ("集团总值班室", "CT-HQ"),
    "CT-HEAT": ("热力总公司调度值班室", "CT-HEAT"),
}
ROTATION = {DutyRole.STAFF: 4, DutyRole.MANAGER: 3, DutyRole.LEADER: 3}
# (unit code, role) → demo logins given to the people of that rotation, in order; every
# person of the rotation has one, so one of these logins is on duty at every hour.
LOGINS = {
    ("CT-HEAT", DutyRole.MANAGER): [
        ("heat-duty", "热力总公司值班经理"),
        ("heat-duty2", "热力总公司值班经理（二）"),
    ],
    ("CT", DutyRole.LEADER): [
        ("ct-leader", "产投集团带班领导"),
        ("ct-leader2", "产投集团带班领导（二）"),
    ],
}
ROLE_NAMES = {DutyRole.STAFF: "值班人员", DutyRole.MANAGER: "值班经理", DutyRole.LEADER: "带班领导"}


def _pool(unit: Unit, room: DutyRoom) -> list[Person]:
    """People of the subtree who have no login of their own (those belong to other demos)
    and are on none of the room's rotations yet."""
    taken = {pid for people in room.templates.values_list("people", flat=True) for pid in people}
    return list(
        Person.objects.in_subtree(unit)
        .filter(is_active=True, user__isnull=True)
        .exclude(pk__in=taken)
        .order_by("unit_path", "employee_no")[:40]
    )


def _link_logins(unit: Unit, template: RosterTemplate, logins) -> list[str]:
    User = get_user_model()
    names = []
    for (username, description), person_id in zip(logins, template.people, strict=False):
        user, _created = User.objects.get_or_create(username=username)
        if not user.password:
            user.set_password(DEMO_PASSWORD)
        user.first_name = description
        user.save()
        if not Person.objects.filter(user=user).exists():
            Person.objects.filter(pk=person_id, user__isnull=True).update(user=user)
        # Viewer on their unit: they see the roster; being on duty lets them write the log.
        RoleAssignment.objects.get_or_create(user=user, unit=unit, role=Role.VIEWER)
        names.append(username)
    return names


def seed_duty(admin, log=print) -> None:
    ct = Unit.objects.filter(code="CT").first()
    if ct is None:
        return
    rooms_spec = dict(ROOMS)
    for unit in Unit.objects.subtree(ct).filter(is_key_unit=True).order_by("path"):
        rooms_spec.setdefault(unit.code, (f"{unit.name}值班室", unit.code))
    for unit in Unit.objects.filter(is_key_unit=True).exclude(pk__in=Unit.objects.subtree(ct)):
        rooms_spec.setdefault(unit.code, (f"{unit.name}值班室", unit.code))
    units = {
        u.code: u
        for u in Unit.objects.filter(code__in=[*rooms_spec, *(s for _n, s in rooms_spec.values())])
    }
    created = applied = 0
    logins: list[str] = []
    for code, (name, source) in rooms_spec.items():
        unit = units.get(code)
        if unit is None or units.get(source) is None:
            continue
        room = DutyRoom.objects.filter(unit=unit).first()
        if room is None:
            room = roster.save_room(actor=admin, unit=unit, name=name, phone="0913-2100000")
            created += 1
        pool = None
        for role, size in ROTATION.items():
            template_name = f"{ROLE_NAMES[role]}轮值"
            template = RosterTemplate.objects.filter(room=room, name=template_name).first()
            wanted_logins = LOGINS.get((code, role), [])
            size = len(wanted_logins) or size
            if template is None:
                pool = pool if pool is not None else _pool(units[source], room)
                people, pool = pool[:size], pool[size:]
                if len(people) < size:
                    break
                template = templates.save_template(
                    actor=admin,
                    room=room,
                    role=role,
                    name=template_name,
                    shift_hours=24,
                    start_time=time(8),
                    anchor_on=local_today(unit).replace(day=1),
                    people=people,
                )
            if wanted_logins:
                logins += _link_logins(unit, template, wanted_logins)
            this_month = local_today(unit).replace(day=1)
            for month in (this_month, next_month(this_month)):
                result = templates.apply_template(actor=admin, template=template, month=month)
                applied += result.created
    _seed_log(admin)
    log(
        f"Duty roster: {created} duty rooms opened, {applied} shifts made "
        f"({DutyRoom.objects.count()} rooms, {Shift.objects.count()} shifts in all); "
        f"demo logins on duty: {', '.join(dict.fromkeys(logins))}."
    )


def _seed_log(admin) -> None:
    room = DutyRoom.objects.filter(unit__code="CT-HEAT").select_related("unit").first()
    if room is None or DutyLogEntry.objects.filter(room=room).exists():
        return
    now = timezone.now()
    for kind, text in (
        (LogKind.CALL_IN, "区疫情防控指挥部来电：明日起各热力站实行每日两次测温登记。"),
        (LogKind.INSTRUCTION_DOWN, "已电话通知第1至第13热力站站长落实测温登记，并报送执行情况。"),
        (LogKind.REPORT_UP, "向集团总值班室报告：各站运行正常，无发热人员。"),
    ):
        log_services.add_log_entry(actor=admin, room=room, kind=kind, text=text, at=now)
    outgoing = (
        Shift.objects.filter(room=room, role=DutyRole.MANAGER, ends_at__lte=now)
        .order_by("-ends_at")
        .first()
    )
    if outgoing is not None and not Handover.objects.filter(outgoing=outgoing).exists():
        incoming = log_services.next_shift(outgoing)
        if incoming is not None:
            log_services.write_handover(
                actor=admin,
                outgoing=outgoing,
                incoming=incoming,
                note="交班：各站运行正常；第7热力站一名运行工体温37.4℃已复测正常，请继续关注。",
            )
