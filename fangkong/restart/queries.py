"""Scoped reads of return to work: plans within the reader's scope of their unit; the
readiness checklist of a plan computed from the other apps' own queries (health's
check-in tallies and observation figures, supplies' days of cover, disinfection
compliance, duty coverage) with each figure's source page; the restart rate of a subtree
as of a time, with its children for the drill-down."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.core.fields import subtree_q
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import head_count

from .choices import MANUAL_ITEMS, Item, PlanState
from .models import Confirmation, PlanEvent, RestartPlan

SCREEN_DAYS = 14
DISINFECTION_DAYS = 7


def cover_days() -> int:
    return settings.RESTART_COVER_DAYS


def screened_percent() -> int:
    return settings.RESTART_SCREENED_PERCENT


def list_plans(user, *, unit: Unit | None = None, state: str = "") -> QuerySet:
    rows = RestartPlan.objects.visible_to(user).select_related("unit", "unit__parent")
    if unit is not None:
        rows = rows.filter(subtree_q("unit_path", unit.path))
    if state:
        rows = rows.filter(state=state)
    return rows.order_by("unit_path")


def get_plan_for(user, plan_id) -> RestartPlan:
    try:
        plan = list_plans(user).filter(pk=int(plan_id)).first()
    except (TypeError, ValueError):
        plan = None
    if plan is None:
        raise Http404
    return plan


def plan_of(unit: Unit) -> RestartPlan | None:
    return RestartPlan.objects.filter(unit=unit).first()


@dataclass
class Check:
    item: str
    label: object  # lazy text
    state: str  # ok, warn, fail, unknown
    figure: str
    url: str = ""
    manual: bool = False
    confirmations: list = field(default_factory=list)


def _url(name: str, args=(), **query) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _screened(unit: Unit, today) -> Check:
    from fangkong.health.queries.checkins import get_checkin_summary

    heads = head_count(unit)
    done = sum(
        get_checkin_summary(unit, today - timedelta(days=back))["checked_in"]
        for back in range(SCREEN_DAYS)
    )
    expected = heads * SCREEN_DAYS
    rate = round(100 * done / expected) if expected else None
    state = "unknown" if rate is None else ("ok" if rate >= screened_percent() else "fail")
    return Check(
        Item.SCREENED, Item.SCREENED.label, state,
        _("%(done)s of %(expected)s check-ins in %(days)s days (%(rate)s%%)")
        % {"done": done, "expected": expected, "days": SCREEN_DAYS, "rate": rate or 0},
        _url("health:checkins", unit=unit.code),
    )  # fmt: skip


def _isolated(user, unit: Unit, today) -> Check:
    from fangkong.health.permissions import HealthPerm
    from fangkong.health.queries.checkins import get_checkin_summary
    from fangkong.health.queries.travel import TripFilter, list_trips

    if not scope_of(user, HealthPerm.VIEW_HEALTH).covers(unit.path):
        return Check(Item.ISOLATED, Item.ISOLATED.label, "unknown",
                     _("Health data: seen by the health officers only."))  # fmt: skip
    observed = get_checkin_summary(unit, today)["observation"]
    flagged = list_trips(user, TripFilter(unit=unit, flagged=True, start=today, end=today)).count()
    return Check(
        Item.ISOLATED, Item.ISOLATED.label, "ok" if not (observed or flagged) else "warn",
        _("%(observed)s under observation today, %(flagged)s with a trip to a risk area: they "
          "do not return yet") % {"observed": observed, "flagged": flagged},
        _url("health:observation_list", unit=unit.code),
    )  # fmt: skip


def _supplies(user, unit: Unit) -> Check:
    from fangkong.supplies.queries.board import list_stock

    lines = [line for line in list_stock(user, unit, subtree=True) if line.rate]
    enough = [line for line in lines if (line.days_of_cover or 0) >= cover_days()]
    state = "unknown" if not lines else ("ok" if len(enough) == len(lines) else "fail")
    return Check(
        Item.SUPPLIES, Item.SUPPLIES.label, state,
        _("%(enough)s of %(lines)s items in use with at least %(days)s days of cover")
        % {"enough": len(enough), "lines": len(lines), "days": cover_days()},
        _url("supplies:stock", unit=unit.code),
    )  # fmt: skip


def _disinfection(unit: Unit, today) -> Check:
    from fangkong.sites.queries import get_daily_compliance

    days = [today - timedelta(days=back) for back in range(1, DISINFECTION_DAYS + 1)]
    settled = done = 0
    for _day, counts in get_daily_compliance(unit, days):
        settled += counts["settled"]
        done += counts["done"] + counts["late"]
    rate = round(100 * done / settled) if settled else None
    state = "unknown" if rate is None else ("ok" if rate >= 95 else "fail")
    return Check(
        Item.DISINFECTION, Item.DISINFECTION.label, state,
        _("%(done)s of %(settled)s slots done in the last %(days)s days (%(rate)s%%)")
        % {"done": done, "settled": settled, "days": DISINFECTION_DAYS, "rate": rate or 0},
        _url("sites:compliance", unit=unit.code),
    )  # fmt: skip


def _duty(unit: Unit, now) -> Check:
    from fangkong.duty.queries.coverage import list_upcoming_gaps
    from fangkong.duty.queries.on_duty import nearest_room

    room = nearest_room(unit)
    if room is None:
        return Check(Item.DUTY, Item.DUTY.label, "fail", _("No duty room on the unit's line."),
                     _url("duty:room_list"))  # fmt: skip
    gaps = list_upcoming_gaps([room], now, days=7)[room.pk]
    n = sum(len(v) for v in gaps.values())
    return Check(
        Item.DUTY, Item.DUTY.label, "ok" if not n else "fail",
        _("%(room)s: %(n)s gaps in the next 7 days") % {"room": room.name, "n": n},
        _url("duty:room_detail", args=[room.unit.code]),
    )  # fmt: skip


def _contingency(unit: Unit) -> Check:
    from fangkong.rules.queries import get_contingency

    found = get_contingency(unit)
    if found.plans:
        figure = _("Own contingency plan with its roles linked to teams or duty rooms")
    elif found.rules:
        figure = _("%(acked)s of %(rules)s contingency plans acknowledged (签收)") % {
            "acked": found.acked,
            "rules": found.rules,
        }
    else:
        figure = _("No contingency plan covers the unit yet")
    return Check(
        Item.CONTINGENCY, Item.CONTINGENCY.label, "ok" if found.met else "fail", figure,
        _url("rules:plan_list", unit=unit.code) if found.plans
        else _url("rules:rule_list", unit=unit.code, category="contingency"),
    )  # fmt: skip


def get_readiness(user, plan: RestartPlan, now: datetime | None = None) -> list[Check]:
    now = now or timezone.now()
    unit = plan.unit
    today = unit.local_date(now)
    checks = [
        _screened(unit, today),
        _isolated(user, unit, today),
        _supplies(user, unit),
        _disinfection(unit, today),
        _duty(unit, now),
        _contingency(unit),
    ]
    confirmations = list(Confirmation.objects.filter(plan=plan).select_related("confirmed_by"))
    for item in MANUAL_ITEMS:
        mine = [c for c in confirmations if c.item == item]
        checks.append(
            Check(
                item, item.label, "ok" if mine else "fail",
                _("Confirmed %(n)s times") % {"n": len(mine)} if mine else _("Not confirmed yet"),
                manual=True, confirmations=mine,
            )
        )  # fmt: skip
    return checks


def list_events(plan: RestartPlan) -> list[PlanEvent]:
    return list(plan.events.select_related("actor"))


STATE_EVENTS = {
    "created": PlanState.DRAFT,
    "changed": PlanState.DRAFT,
    "filed": PlanState.FILED,
    "approve": PlanState.APPROVED,
    "return": PlanState.RETURNED,
    "wait": PlanState.WAIT,
}


@dataclass
class Rate:
    unit: Unit
    units: int = 0
    restarted: int = 0
    wait: int = 0
    filed: int = 0
    children: list = field(default_factory=list)

    @property
    def rate(self):
        return round(100 * self.restarted / self.units, 1) if self.units else None

    @property
    def rate_excluding_wait(self):
        base = self.units - self.wait
        return round(100 * self.restarted / base, 1) if base > 0 else None


def _states_at(unit: Unit, as_of: datetime) -> dict[int, tuple[str, date | None]]:
    """Each plan's (state, restart day) as of `as_of`, from its events: one query."""
    states: dict[int, tuple[str, date | None]] = {}
    rows = (
        PlanEvent.objects.filter(subtree_q("plan__unit_path", unit.path), at__lte=as_of)
        .filter(kind__in=list(STATE_EVENTS))
        .order_by("at", "id")
        .values_list("plan__unit_id", "kind", "plan__restart_on")
    )
    for unit_id, kind, restart_on in rows:
        states[unit_id] = (STATE_EVENTS[kind], restart_on)
    return states


def get_rate(user, unit: Unit, as_of: datetime | None = None) -> Rate:
    """The restart rate of `unit`'s subtree as of `as_of`: of its subsidiaries (the
    SASAC's count), those with an approved plan whose day has come; and excluding those
    told to wait. With the children of `unit`, each its own subtree's figures."""
    as_of = as_of or timezone.now()
    counted = list(
        Unit.objects.filter(subtree_q("path", unit.path), kind=UnitKind.SUBSIDIARY).values_list(
            "pk", "path"
        )
    )
    states = _states_at(unit, as_of)
    day = unit.local_date(as_of)
    children = [c for c in Unit.objects.filter(parent=unit).order_by("sort_order", "path")]
    total = Rate(unit)
    per_child = {c.pk: Rate(c) for c in children}
    for pk, path in counted:
        buckets = [total] + [
            per_child[c.pk] for c in children if path.startswith(c.path)
        ]  # fmt: skip
        state, restart_on = states.get(pk) or ("", None)
        for b in buckets:
            b.units += 1
            if state == PlanState.APPROVED and restart_on and restart_on <= day:
                b.restarted += 1
            elif state == PlanState.WAIT:
                b.wait += 1
            elif state == PlanState.FILED:
                b.filed += 1
    total.children = [per_child[c.pk] for c in children if per_child[c.pk].units]
    return total


def list_to_decide(user, limit: int = 20) -> list[RestartPlan]:
    from .permissions import RestartPerm

    scope = scope_of(user, RestartPerm.DECIDE_PLANS)
    if scope.empty:
        return []
    rows = list_plans(user, state=PlanState.FILED)[: limit * 3]
    return [p for p in rows if p.unit.parent and scope.covers(p.unit.parent.path)][:limit]
