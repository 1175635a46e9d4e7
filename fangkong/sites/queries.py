"""Scoped reads of disinfection and ventilation: compliance of a subtree for a day from
the kept tallies (one row per site and day: the province root sums ~10,000 rows), the
slots of a subtree or a site, the schedules in force, the liaison's slots due now."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, Sum
from django.http import Http404

from fangkong.core.fields import subtree_q
from fangkong.core.permissions import CorePerm, Permission
from fangkong.core.scope import get_object_for, scope_of
from fangkong.orgs.choices import Role, SiteKind, UnitKind
from fangkong.orgs.models import Person, RoleAssignment, Unit
from fangkong.orgs.queries import list_children

from .choices import SlotState
from .models import Schedule, Slot, SlotTally
from .schedules import Resolver, default_plan
from .services import EARLY

COUNTS = SlotTally.COUNTS


def _finish(counts: dict) -> dict:
    """Counts with the derived figures: due (slots whose outcome is known or open now),
    the share done of those settled, the share on time."""
    c = {k: counts.get(k, 0) for k in COUNTS}
    settled = c["done"] + c["late"] + c["missed"]
    c["settled"] = settled
    c["rate"] = round(100 * (c["done"] + c["late"]) / settled) if settled else None
    c["on_time_rate"] = round(100 * c["done"] / settled) if settled else None
    return c


def get_compliance(unit: Unit, day: date) -> tuple[dict, list[Unit]]:
    """(the subtree's counts for `day`, its children each with `.compliance`). Two
    queries whatever the size: the children, the tallies summed per site."""
    children = list_children(unit)
    cut = len(unit.path)
    per_child: dict[str, dict] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    rows = (
        SlotTally.objects.in_subtree(unit)
        .filter(day=day)
        .values_list("unit_path", *COUNTS)
        .order_by()
    )
    total = dict.fromkeys(COUNTS, 0)
    for path, *counts in rows:
        bucket = per_child[path[cut:].split("/", 1)[0]]
        for name, n in zip(COUNTS, counts, strict=True):
            bucket[name] += n
            total[name] += n
    for child in children:
        child.compliance = _finish(per_child.get(str(child.pk), {}))  # type: ignore[attr-defined]
    return _finish(total), children


def get_compliance_totals(unit: Unit, day: date) -> dict:
    """The subtree's counts only (one aggregate, for panels)."""
    agg = SlotTally.objects.in_subtree(unit).filter(day=day).aggregate(*[Sum(n) for n in COUNTS])
    return _finish({n: agg[f"{n}__sum"] or 0 for n in COUNTS})


def get_daily_compliance(unit: Unit, days: list[date]) -> list[tuple[date, dict]]:
    """The subtree's counts for each of `days` (one query)."""
    rows = (
        SlotTally.objects.in_subtree(unit)
        .filter(day__in=days)
        .values("day")
        .annotate(*[Sum(n) for n in COUNTS])
        .order_by()
    )
    by_day = {r["day"]: {n: r[f"{n}__sum"] or 0 for n in COUNTS} for r in rows}
    return [(d, _finish(by_day.get(d, {}))) for d in days]


def list_slots(user, unit: Unit, day: date, *, state: str = ""):
    """The slots of `unit`'s subtree for `day`, as `user` may see them."""
    qs = (
        Slot.objects.visible_to(user)
        .in_subtree(unit)
        .filter(day=day)
        .select_related("site", "done_by")
        .order_by("unit_path", "starts_at", "pk")
    )
    return qs.filter(state=state) if state else qs


def get_slot_for(user, slot_id, perm: Permission = CorePerm.VIEW) -> Slot:
    try:
        slot_id = int(slot_id)
    except (TypeError, ValueError):
        raise Http404 from None
    return get_object_for(user, Slot.objects.select_related("site", "done_by"), perm, pk=slot_id)


def list_site_slots(site: Unit, day: date):
    return Slot.objects.filter(site=site, day=day).select_related("done_by").order_by("starts_at")


def list_site_staff(site: Unit, limit: int = 300):
    """Who may be named as having done a slot: the active staff of the site's subtree."""
    return list(
        Person.objects.in_subtree(site)
        .filter(is_active=True)
        .only("pk", "name", "employee_no", "unit_path")
        .order_by("name", "employee_no")[:limit]
    )


def open_slots(slots, now: datetime) -> list[Slot]:
    """Of `slots`, those that can be logged now."""
    return [s for s in slots if s.state == SlotState.EXPECTED and s.starts_at - EARLY <= now]


# --- schedules ----------------------------------------------------------------------------


def list_schedules(user, unit: Unit):
    """The schedules set in `unit`'s subtree and on its line above (they apply in it)."""
    ids = [*unit.ancestor_ids, unit.pk]
    return (
        Schedule.objects.filter(Q(unit_id__in=ids) | subtree_q("unit_path", unit.path))
        .visible_to(user)
        .select_related("unit", "updated_by")
        .order_by("site_kind", "unit_path")
    )


def effective_plans(unit: Unit) -> list[dict]:
    """Per site kind, the plan a site of that kind directly under `unit` would follow,
    and whether it is `unit`'s own, inherited from above, or the shipped default."""
    ids = [*unit.ancestor_ids, unit.pk]
    resolver = Resolver(Schedule.objects.filter(unit_id__in=ids))
    rows = []
    kinds = [unit.site_kind] if unit.kind == UnitKind.SITE and unit.site_kind else SiteKind.values
    for kind in kinds:
        probe = Unit(kind=UnitKind.SITE, site_kind=kind, path=f"{unit.path}0/")
        plan = resolver.plan(probe)
        own = resolver.by_unit.get((unit.pk, kind))
        rows.append(
            {
                "kind": kind,
                "label": SiteKind(kind).label,
                "plan": plan,
                "own": own,
                "source": "own"
                if own
                else ("default" if plan is not None and plan.schedule is None else "above")
                if plan is not None
                else "none",
                "default": default_plan(kind),
            }
        )
    return rows


def count_sites(unit: Unit) -> dict[str, int]:
    rows = (
        Unit.objects.subtree(unit)
        .filter(kind=UnitKind.SITE)
        .exclude(site_kind="")
        .values_list("site_kind")
        .annotate(n=Count("pk"))
    )
    out: dict[str, int] = defaultdict(int)
    for kind, n in rows:
        out[kind] += n
    return out


def list_sites(user, unit: Unit):
    return (
        Unit.objects.visible_to(user)
        .subtree(unit)
        .filter(kind=UnitKind.SITE)
        .exclude(site_kind="")
        .order_by("path")
    )


# --- the liaison's slots -----------------------------------------------------------------


def liaison_site_paths(user) -> list[str]:
    """The units `user` is the liaison of (by role or named on the unit)."""
    if not user.is_authenticated:
        return []
    by_role = RoleAssignment.objects.filter(user=user, role=Role.LIAISON).values_list(
        "unit__path", flat=True
    )
    named = Unit.objects.filter(liaison__user=user).values_list("path", flat=True)
    return sorted(set(by_role) | set(named))


def list_slots_due(user, now: datetime):
    """Slots of the user's liaison sites that can be logged now and are not settled."""
    paths = liaison_site_paths(user)
    if not paths:
        return Slot.objects.none()
    q = Q()
    for p in paths:
        q |= subtree_q("unit_path", p)
    return (
        Slot.objects.filter(q, state=SlotState.EXPECTED)
        .filter(starts_at__lte=now + EARLY, missed_at__gt=now)
        .filter(day__gte=(now - timedelta(days=2)).date())
        .select_related("site")
        .order_by("missed_at")
    )


def can(user, perm: Permission, unit: Unit) -> bool:
    return scope_of(user, perm).covers(unit.path)
