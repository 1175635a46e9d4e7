"""Scoped reads of checkpoints: within the reader's scope of the checkpoint's unit. A
shift's people are those entered for it and the team members deployed to the checkpoint's
site that day (teams.queries.deployed_at), each marked with their team."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Prefetch, QuerySet, Sum
from django.http import Http404

from fangkong.core.fields import subtree_q
from fangkong.orgs.models import Unit
from fangkong.teams.queries import deployed_at

from .choices import Slot
from .models import Checkpoint, Fever, OnDuty, Shift, SignIn

SUMS = ("checked", "staff", "residents", "visitors", "fevers", "turned_away")


def list_checkpoints(user, *, unit: Unit | None = None, active: bool = True) -> QuerySet:
    rows = Checkpoint.objects.visible_to(user).select_related("unit")
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    if active:
        rows = rows.filter(is_active=True)
    return rows.order_by("unit_path", "code")


def get_checkpoint_for(user, code: str) -> Checkpoint:
    checkpoint = list_checkpoints(user, active=False).filter(code=(code or "").strip()).first()
    if checkpoint is None:
        raise Http404
    return checkpoint


@dataclass
class ShiftView:
    slot: str
    label: str
    shift: Shift | None
    on_duty: list[OnDuty] = field(default_factory=list)
    fevers: list[Fever] = field(default_factory=list)


@dataclass
class Day:
    checkpoint: Checkpoint
    day: date
    shifts: list[ShiftView]
    deployed: list  # (person, deployment) of the teams at the checkpoint's site


def get_day(checkpoint: Checkpoint, day: date) -> Day:
    """The checkpoint's three shifts of `day` (counted or not), with their people and
    fevers, and the team members deployed to its site that day."""
    shifts = {
        s.slot: s
        for s in Shift.objects.filter(checkpoint=checkpoint, day=day).prefetch_related(
            Prefetch("on_duty", queryset=OnDuty.objects.select_related("person")),
            Prefetch(
                "fever_rows", queryset=Fever.objects.select_related("person", "case", "incident")
            ),
        )
    }
    views = []
    for slot, label in Slot.choices:
        shift = shifts.get(slot)
        views.append(
            ShiftView(
                slot,
                str(label),
                shift,
                list(shift.on_duty.all()) if shift else [],
                list(shift.fever_rows.all()) if shift else [],
            )
        )
    return Day(checkpoint, day, views, deployed_at(checkpoint.unit, day))


@dataclass
class Totals:
    unit: Unit
    day: date
    checkpoints: int = 0
    counted: int = 0  # checkpoints with at least one shift counted
    checked: int = 0
    staff: int = 0
    residents: int = 0
    visitors: int = 0
    fevers: int = 0
    turned_away: int = 0
    rows: list = field(default_factory=list)  # (checkpoint, {sums}) by checkpoint


def get_totals(user, unit: Unit, day: date) -> Totals:
    """A subtree's checkpoint figures of a day, and per checkpoint: two queries."""
    checkpoints = list(list_checkpoints(user, unit=unit))
    grouped: dict[int, dict] = {
        row["checkpoint"]: dict(row)
        for row in Shift.objects.filter(subtree_q("unit_path", unit.path), day=day)
        .filter(checkpoint__in=[c.pk for c in checkpoints])
        .values("checkpoint")
        .annotate(n=Count("id"), **{f"s_{k}": Sum(k) for k in SUMS})
    }
    totals = Totals(unit, day, checkpoints=len(checkpoints))
    for c in checkpoints:
        row = grouped.get(c.pk)
        sums = {k: (row[f"s_{k}"] or 0) if row else 0 for k in SUMS}
        sums["shifts"] = row["n"] if row else 0
        if row:
            totals.counted += 1
        for k in SUMS:
            setattr(totals, k, getattr(totals, k) + sums[k])
        totals.rows.append((c, sums))
    return totals


def list_fevers(user, unit: Unit, day: date) -> list[Fever]:
    return list(
        Fever.objects.visible_to(user)
        .filter(subtree_q("unit_path", unit.path), shift__day=day)
        .select_related("shift__checkpoint", "person", "case", "incident")
    )


def current_shift(unit: Unit, now=None) -> tuple[date, str]:
    """The shift running now at the unit: (its day, its slot); before 07:00 it is the
    previous day's night shift."""
    from datetime import timedelta

    from .choices import SLOT_HOURS

    local = unit.local_time(now)
    for slot, (start, end) in SLOT_HOURS.items():
        if start <= local.hour < end:
            return local.date(), slot
    return local.date() - timedelta(days=1), Slot.NIGHT


def shifts_of(checkpoints: list[Checkpoint], day: date, slot: str) -> dict[int, Shift]:
    """The shifts counted of these checkpoints, by checkpoint id."""
    rows = Shift.objects.filter(checkpoint__in=checkpoints, day=day, slot=slot)
    return {s.checkpoint_id: s for s in rows}


def find_staff(checkpoint: Checkpoint, numbers: list[str]) -> dict:
    """Staff of the checkpoint's group by exact employee number, for a fever found: the
    people passing a checkpoint come from the whole group, beyond the reader's scope (a
    number must be exact; the roster is not browsed)."""
    from fangkong.orgs.models import Person
    from fangkong.orgs.services import group_of

    rows = Person.objects.filter(
        group=group_of(checkpoint.unit), employee_no__in=numbers, is_active=True
    )
    return {p.employee_no: p for p in rows}


def list_signins(checkpoint: Checkpoint, day: date, limit: int = 200) -> list:
    """The checkpoint's sign-ins of its unit's local `day`, latest first, with who."""
    zone = checkpoint.unit.tzinfo
    start = datetime.combine(day, time(0), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return list(
        SignIn.objects.filter(checkpoint=checkpoint, at__gte=start, at__lt=end)
        .select_related("person")
        .order_by("-at", "-id")[:limit]
    )


def list_signin_checkpoints(site: Unit) -> list[Checkpoint]:
    """The checkpoints in use on `site` itself (the site's QR code signs in at them)."""
    return list(Checkpoint.objects.filter(unit=site, is_active=True).order_by("code"))


def find_roster_person(checkpoint: Checkpoint, number: str):
    """The active staff member of the checkpoint's site with this exact employee number."""
    from fangkong.orgs.models import Person

    return (
        Person.objects.in_subtree(checkpoint.unit)
        .filter(employee_no=(number or "").strip(), is_active=True)
        .first()
    )
