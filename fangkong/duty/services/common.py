"""Rules shared by the roster's writes: who may be put on duty, and the overlap check.

One person never has two overlapping shifts, in any room. Every write that puts someone
on duty locks their Person rows first (in primary-key order, so two writers cannot
deadlock), then checks, then writes: two concurrent writes for one person run one after
the other and the second sees the first's shift.
"""

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput
from fangkong.orgs.models import Person
from fangkong.orgs.services import group_of

from ..clock import local
from ..models import DutyRoom, Shift
from ..permissions import DutyPerm

PERM = DutyPerm.MANAGE_DUTY
MAX_SHIFT_HOURS = 72


def lock_people(ids: Iterable[int]) -> None:
    list(
        Person.objects.select_for_update(of=("self",))
        .filter(pk__in=sorted(set(ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def unknown_person(field: str = "person") -> InvalidInput:
    """The one answer for a person who is not on the room's group's roster: unknown and
    of another group read the same (issue 10), so no answer tells that someone exists
    outside the caller's group."""
    return InvalidInput({field: _("Unknown person.")}, code="unknown_person")


def check_person(room: DutyRoom, person: Person | None, field: str = "person") -> None:
    """A person on a room's roster belongs to the room's group and is active; someone of
    another group is `unknown_person`, whether active or not."""
    if person is None:
        raise InvalidInput({field: _("Choose a person.")})
    if person.group_id != group_of(room.unit).pk:
        raise unknown_person(field)
    if not person.is_active:
        raise InvalidInput(
            {field: _("%(name)s is no longer on the roster.") % {"name": person.name}}
        )


def check_times(starts_at, ends_at) -> dict:
    errors: dict[str, list] = {}
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, datetime):
            errors[field] = [_("Enter a date and time.")]
        elif timezone.is_naive(value):
            errors[field] = [_("A time needs its time zone.")]
    if errors:
        return errors
    if ends_at <= starts_at:
        errors["ends_at"] = [_("A shift ends after it starts.")]
    elif (ends_at - starts_at).total_seconds() > MAX_SHIFT_HOURS * 3600:
        errors["ends_at"] = [
            _("A shift lasts at most %(hours)s hours.") % {"hours": MAX_SHIFT_HOURS}
        ]
    return errors


def find_overlap(person_id: int, starts_at, ends_at, exclude=()) -> Shift | None:
    """The person's first shift, in any room, that overlaps [starts_at, ends_at)."""
    return (
        Shift.objects.filter(person_id=person_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .exclude(pk__in=list(exclude))
        .select_related("room__unit", "person")
        .order_by("starts_at")
        .first()
    )


def overlap_error(person: Person, other: Shift, field: str = "person") -> InvalidInput:
    """The refusal of a second shift at the same time, naming the one already held."""
    unit = other.room.unit
    detail = _("%(name)s is already on duty from %(start)s to %(end)s (%(room)s).") % {
        "name": person.name,
        "start": local(other.starts_at, unit).strftime("%Y-%m-%d %H:%M"),
        "end": local(other.ends_at, unit).strftime("%Y-%m-%d %H:%M"),
        "room": other.room.name,
    }
    return InvalidInput(
        {field: [detail]},
        message=_("One person cannot hold two overlapping shifts."),
        code="shift_overlap",
    )
