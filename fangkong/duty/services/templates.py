"""Roster templates: a repeating pattern per role (e.g. 24-hour shifts rotating through a
list of people), and applying one to a whole month in one action."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.numbers import parse_int
from fangkong.core.permissions import require
from fangkong.orgs.models import Person
from fangkong.orgs.services import group_of

from ..choices import DutyRole
from ..clock import aware, month_window, tz_of
from ..models import DutyRoom, Handover, RosterTemplate, Shift
from .common import PERM, lock_people, overlap_error

MAX_PEOPLE = 100


def _clean_people(room: DutyRoom, people) -> tuple[list[int], list]:
    """Person ids in rotation order (objects or ids), each active and in the room's group."""
    ids = [getattr(p, "pk", p) for p in people or []]
    if not ids:
        return [], [_("Name at least one person.")]
    if len(ids) > MAX_PEOPLE:
        return [], [_("At most %(n)s people in one rotation.") % {"n": MAX_PEOPLE}]
    try:
        ids = [int(i) for i in ids]
    except (TypeError, ValueError):
        return [], [_("Unknown person.")]
    group = group_of(room.unit)
    found = {
        p.pk: p
        for p in Person.objects.filter(pk__in=ids).only("pk", "name", "group_id", "is_active")
    }
    errors = []
    for pid in dict.fromkeys(ids):
        person = found.get(pid)
        if person is None or person.group_id != group.pk:
            errors.append(_("Person %(id)s is not in the duty room's group.") % {"id": pid})
        elif not person.is_active:
            errors.append(_("%(name)s is no longer on the roster.") % {"name": person.name})
    return ids, errors


@transaction.atomic
def save_template(
    *,
    actor,
    room: DutyRoom,
    role: str,
    name: str,
    shift_hours: int,
    start_time: time,
    anchor_on: date,
    people,
    template: RosterTemplate | None = None,
) -> RosterTemplate:
    """Create or change a template. Changing it changes no shift until it is applied."""
    require(actor, PERM, room.unit.path)
    errors: dict[str, list] = {}
    if role not in DutyRole.values:
        errors["role"] = [_("Choose a duty role.")]
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 100:
        errors["name"] = [_("A name has at most 100 characters.")]
    try:
        shift_hours = parse_int(shift_hours)
    except (TypeError, ValueError):
        shift_hours = 0
    if not 1 <= shift_hours <= 72:
        errors["shift_hours"] = [_("A shift lasts from 1 to 72 hours.")]
    if not isinstance(start_time, time):
        errors["start_time"] = [_("Enter a time of day.")]
    if not isinstance(anchor_on, date):
        errors["anchor_on"] = [_("Enter a date.")]
    ids, people_errors = _clean_people(room, people)
    if people_errors:
        errors["people"] = people_errors
    if errors:
        raise InvalidInput(errors)
    values = {
        "role": role,
        "name": name,
        "shift_hours": shift_hours,
        "start_time": start_time,
        "anchor_on": anchor_on,
        "people": ids,
    }
    try:
        with transaction.atomic():
            if template is None:
                template = RosterTemplate.objects.create(room=room, created_by=actor, **values)
                record_change(
                    actor,
                    "create_template",
                    template,
                    room.unit.path,
                    {k: str(v) for k, v in values.items()},
                )
                return template
            changes = {
                k: [str(getattr(template, k)), str(v)]
                for k, v in values.items()
                if getattr(template, k) != v
            }
            for key, value in values.items():
                setattr(template, key, value)
            template.save()
    except IntegrityError as exc:
        raise InvalidInput({"name": _("Another template of this room has this name.")}) from exc
    if changes:
        record_change(actor, "update_template", template, room.unit.path, changes)
    return template


@dataclass(frozen=True)
class Slot:
    index: int  # the slot's number from the anchor: person = people[index % len(people)]
    starts_at: datetime
    ends_at: datetime


def slots(template: RosterTemplate, start: datetime, end: datetime) -> list[Slot]:
    """The template's shifts overlapping [start, end), cut to it. Shift starts are counted
    in the unit's wall-clock time, so a 24-hour shift starts at the same local hour every
    day; each slot ends where the next begins, so the pattern has no holes."""
    unit = template.room.unit
    tz = tz_of(unit)
    anchor = datetime.combine(template.anchor_on, template.start_time)
    step = timedelta(hours=template.shift_hours)
    low = start.astimezone(tz).replace(tzinfo=None)
    high = end.astimezone(tz).replace(tzinfo=None)
    index = (low - anchor) // step
    result = []
    while anchor + index * step < high:
        begin = max(aware(anchor + index * step, unit), start)
        finish = min(aware(anchor + (index + 1) * step, unit), end)
        if begin < finish:
            result.append(Slot(index, begin, finish))
        index += 1
    return result


@dataclass
class Applied:
    created: int = 0
    removed: int = 0
    kept: int = 0


@transaction.atomic
def apply_template(
    *, actor, template: RosterTemplate, month: date, now: datetime | None = None
) -> Applied:
    """Make the template's shifts for the whole local month of `month` in one action.

    Idempotent: applying again replaces the template's future shifts of that month with
    the pattern as it stands (an unchanged shift is kept as it is), and never touches
    shifts that have begun, were changed by hand or by a swap, or carry a handover; no
    slot is filled twice. Shifts are cut at the month's edges, so each month stands alone.
    All or nothing: one overlap with a person's other shifts (any room) refuses the whole
    month (`shift_overlap`, naming the person and the shift they hold).
    """
    room = template.room
    require(actor, PERM, room.unit.path)
    template = (
        RosterTemplate.objects.select_for_update().select_related("room__unit").get(pk=template.pk)
    )
    room = template.room
    if not room.active:
        raise Conflict("room_closed", _("This duty room is closed."))
    now = now or timezone.now()
    ids, errors = _clean_people(room, template.people)
    if errors:
        raise InvalidInput({"people": errors})
    start, end = month_window(month, room.unit)
    wanted = [(ids[s.index % len(ids)], s) for s in slots(template, start, end)]
    lock_people(ids)

    mine = list(template.shifts.filter(starts_at__lt=end, ends_at__gt=start))
    protected = set(
        Handover.objects.filter(Q(outgoing__in=mine) | Q(incoming__in=mine)).values_list(
            "outgoing_id", "incoming_id"
        )
    )
    protected_ids = {i for pair in protected for i in pair}
    wanted_keys = {(pid, s.starts_at, s.ends_at) for pid, s in wanted}
    removable = [
        s for s in mine if s.starts_at >= now and not s.edited and s.pk not in protected_ids
    ]
    remove = [s for s in removable if (s.person_id, s.starts_at, s.ends_at) not in wanted_keys]
    remove_ids = {s.pk for s in remove}
    staying = [s for s in mine if s.pk not in remove_ids]
    Shift.objects.filter(pk__in=remove_ids).delete()

    new = [
        Shift(
            room=room,
            role=template.role,
            person_id=pid,
            starts_at=slot.starts_at,
            ends_at=slot.ends_at,
            template=template,
            created_by=actor,
        )
        for pid, slot in wanted
        # A slot already held by one of the template's remaining shifts stays as it is.
        if not any(s.starts_at < slot.ends_at and slot.starts_at < s.ends_at for s in staying)
    ]
    _check_overlaps(new, ids, start, end)
    Shift.objects.bulk_create(new)
    result = Applied(created=len(new), removed=len(remove), kept=len(staying))
    record_change(
        actor,
        "apply_template",
        template,
        room.unit.path,
        {
            "month": month.strftime("%Y-%m"),
            "created": result.created,
            "removed": result.removed,
            "kept": result.kept,
        },
    )
    return result


def _check_overlaps(new: list[Shift], ids: list[int], start: datetime, end: datetime) -> None:
    """Refuse the batch if one of its shifts overlaps another shift of the same person:
    one already stored (any room) or one of the batch."""
    held: dict[int, list[Shift]] = {pid: [] for pid in ids}
    for shift in Shift.objects.filter(
        person_id__in=ids, starts_at__lt=end, ends_at__gt=start
    ).select_related("room__unit"):
        held[shift.person_id].append(shift)
    for shift in sorted(new, key=lambda s: s.starts_at):
        for other in held[shift.person_id]:
            if other.starts_at < shift.ends_at and shift.starts_at < other.ends_at:
                person = Person.objects.get(pk=shift.person_id)
                raise overlap_error(person, other, field="people")
        held[shift.person_id].append(shift)
