"""Writes of the roster: duty rooms and single shifts. Each runs in one transaction,
checks `manage_duty` on the room's unit and leaves an audit entry."""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.permissions import require
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.validation import clean_phone

from ..choices import DutyRole
from ..models import DutyRoom, Handover, Shift
from .common import PERM, check_person, check_times, find_overlap, lock_people, overlap_error


@transaction.atomic
def save_room(*, actor, unit: Unit, name: str, phone: str = "", active: bool = True) -> DutyRoom:
    """Open the unit's duty room, or change its name, phone or state (one room per unit)."""
    require(actor, PERM, unit.path)
    errors: dict[str, list] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("A name is required.")]
    elif len(name) > 100:
        errors["name"] = [_("A name has at most 100 characters.")]
    try:
        phone = clean_phone(phone)
    except ValueError as exc:
        errors["phone"] = [exc.args[0]]
    if errors:
        raise InvalidInput(errors)
    room = DutyRoom.objects.select_for_update().filter(unit=unit).first()
    if room is None:
        try:
            with transaction.atomic():
                room = DutyRoom.objects.create(unit=unit, name=name, phone=phone, active=active)
        except IntegrityError as exc:  # opened meanwhile
            raise Conflict("room_exists", _("This unit already has a duty room.")) from exc
        record_change(actor, "create_duty_room", room, unit.path, {"name": name})
        return room
    changes = {
        key: [getattr(room, key), value]
        for key, value in (("name", name), ("phone", phone), ("active", active))
        if getattr(room, key) != value
    }
    if changes:
        room.name, room.phone, room.active = name, phone, active
        room.save(update_fields=["name", "phone", "active"])
        record_change(actor, "update_duty_room", room, unit.path, changes)
    return room


def _check_role(role) -> dict:
    return {} if role in DutyRole.values else {"role": [_("Choose a duty role.")]}


@transaction.atomic
def create_shift(
    *, actor, room: DutyRoom, role: str, person: Person, starts_at, ends_at, note: str = ""
) -> Shift:
    """Put `person` on duty in `room` as `role` for [starts_at, ends_at). Refuses (code
    `shift_overlap`) when the person already holds a shift overlapping it, in any room."""
    require(actor, PERM, room.unit.path)
    errors = _check_role(role) | check_times(starts_at, ends_at)
    if len(note) > 200:
        errors["note"] = [_("At most 200 characters.")]
    if errors:
        raise InvalidInput(errors)
    if not room.active:
        raise Conflict("room_closed", _("This duty room is closed."))
    check_person(room, person)
    lock_people([person.pk])
    other = find_overlap(person.pk, starts_at, ends_at)
    if other is not None:
        raise overlap_error(person, other)
    shift = Shift.objects.create(
        room=room,
        role=role,
        person=person,
        starts_at=starts_at,
        ends_at=ends_at,
        note=note.strip(),
        created_by=actor,
        edited=True,
    )
    record_change(
        actor,
        "create_shift",
        shift,
        room.unit.path,
        {
            "role": role,
            "person": person.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
        },
    )
    return shift


@transaction.atomic
def update_shift(
    *,
    actor,
    shift: Shift,
    person: Person | None = None,
    starts_at=None,
    ends_at=None,
    role: str | None = None,
    note: str | None = None,
) -> Shift:
    """Change a shift's person, times, role or note; the overlap rule is checked again. An
    edited shift stays as it is when its template is applied again."""
    room = shift.room
    require(actor, PERM, room.unit.path)
    person = person or shift.person
    starts_at = starts_at or shift.starts_at
    ends_at = ends_at or shift.ends_at
    role = role or shift.role
    note = shift.note if note is None else note.strip()
    errors = _check_role(role) | check_times(starts_at, ends_at)
    if len(note) > 200:
        errors["note"] = [_("At most 200 characters.")]
    if errors:
        raise InvalidInput(errors)
    if person.pk != shift.person_id:
        check_person(room, person)
    lock_people([person.pk])
    shift = (
        Shift.objects.select_for_update(of=("self",)).select_related("room__unit").get(pk=shift.pk)
    )
    other = find_overlap(person.pk, starts_at, ends_at, exclude=[shift.pk])
    if other is not None:
        raise overlap_error(person, other)
    new = {
        "person_id": person.pk,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "role": role,
        "note": note,
    }
    changes = {
        k: [str(getattr(shift, k)), str(v)] for k, v in new.items() if getattr(shift, k) != v
    }
    if not changes:
        return shift
    for key, value in new.items():
        setattr(shift, key, value)
    shift.edited = True
    shift.save()
    record_change(actor, "update_shift", shift, room.unit.path, changes)
    return shift


@transaction.atomic
def delete_shift(*, actor, shift: Shift) -> None:
    """Remove a shift; one named in a handover is kept (the handover is a record)."""
    require(actor, PERM, shift.room.unit.path)
    if (
        Handover.objects.filter(outgoing=shift).exists()
        or Handover.objects.filter(incoming=shift).exists()
    ):
        raise Conflict("shift_has_handover", _("A shift with a handover note cannot be removed."))
    record_change(
        actor,
        "delete_shift",
        shift,
        shift.room.unit.path,
        {
            "role": shift.role,
            "person": shift.person_id,
            "starts_at": shift.starts_at.isoformat(),
            "ends_at": shift.ends_at.isoformat(),
        },
    )
    shift.delete()
