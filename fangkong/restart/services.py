"""Writes of return to work. Guarantees: each write runs in one transaction and checks the
actor's right (filing: `FILE_PLANS` on the unit; deciding: `DECIDE_PLANS` on the unit's
parent, never on the unit alone); bad input is refused naming the field, nothing written;
filing needs both hand-confirmed items (commitment letter, prevention plan) and is
idempotent (a plan filed again stays filed, no second event or message); every step is a
`PlanEvent` (the restart rate as of a time reads them) and an audit entry."""

from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.permissions import require
from fangkong.funds.validation import check_files
from fangkong.orgs.models import Unit

from .choices import MANUAL_ITEMS, Decision, Industry, Item, PlanState
from .messages import tell_decided, tell_filed
from .models import Confirmation, Phase, PlanEvent, RestartPlan
from .permissions import RestartPerm

FILE = RestartPerm.FILE_PLANS
DECIDE = RestartPerm.DECIDE_PLANS
MAX_PHASES = 20
EDITABLE = (PlanState.DRAFT, PlanState.RETURNED)


def _day(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise InvalidInput({field: _("A day such as 2020-02-10, please.")}) from None


def _count(value, field: str) -> int:
    text = str(value if value is not None else "0").strip() or "0"
    if not text.isdigit() or int(text) > 1_000_000:
        raise InvalidInput({field: _("A whole number, please.")})
    return int(text)


def _event(plan, kind, actor, note="") -> PlanEvent:
    return PlanEvent.objects.create(plan=plan, kind=kind, actor=actor, note=note)


@transaction.atomic
def save_plan(
    *, actor, unit: Unit, industry: str, restart_on, returning=0, note: str = "",
    phases: list[dict] | None = None,
) -> RestartPlan:  # fmt: skip
    """Create the unit's plan or change it (while a draft or returned). `phases`: dicts of
    site (a unit of the subtree or None), starts_on, people, note."""
    require(actor, FILE, unit.path)
    if industry not in Industry.values:
        raise InvalidInput({"industry": _("Choose the industry.")})
    restart_on = _day(restart_on, "restart_on")
    returning = _count(returning, "returning")
    if len(note or "") > 2000:
        raise InvalidInput({"note": _("At most 2000 characters.")})
    phases = phases or []
    if len(phases) > MAX_PHASES:
        raise InvalidInput({"phases": _("At most %(n)s phases.") % {"n": MAX_PHASES}})
    rows = []
    for i, p in enumerate(phases):
        site = p.get("site")
        if site is not None and not site.path.startswith(unit.path):
            raise InvalidInput({f"phases.{i}.site": _("A site of the unit, please.")})
        rows.append(
            Phase(
                site=site,
                starts_on=_day(p.get("starts_on"), f"phases.{i}.starts_on"),
                people=_count(p.get("people"), f"phases.{i}.people"),
                note=str(p.get("note") or "")[:200],
            )
        )
    found = RestartPlan.objects.select_for_update().filter(unit=unit).first()
    created = found is None
    plan = found or RestartPlan(unit=unit, unit_path=unit.path, created_by=actor)
    if not created and plan.state not in EDITABLE:
        raise Conflict("not_editable", _("A filed or decided plan cannot be changed."))
    plan.industry, plan.restart_on, plan.returning, plan.note = (
        industry,
        restart_on,
        returning,
        note,
    )
    if not created and plan.state == PlanState.RETURNED:
        plan.state = PlanState.DRAFT
    plan.save()
    if phases or not created:
        plan.phases.all().delete()
        for row in rows:
            row.plan = plan
        Phase.objects.bulk_create(rows)
    _event(plan, "created" if created else "changed", actor)
    record_change(actor, "create" if created else "update", plan, unit.path)
    return plan


@transaction.atomic
def confirm_item(*, actor, plan: RestartPlan, item: str, file, note: str = "") -> Confirmation:
    """A hand-confirmed item with its evidence (a PDF, photo or document)."""
    require(actor, FILE, plan.unit_path)
    if item not in MANUAL_ITEMS:
        raise InvalidInput({"item": _("Only the commitment letter and the prevention plan.")})
    if not file:
        raise InvalidInput({"file": _("Attach the evidence.")})
    check_files([file], "file")
    plan = RestartPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state not in EDITABLE:
        raise Conflict("not_editable", _("A filed or decided plan cannot be changed."))
    confirmation = Confirmation.objects.create(
        plan=plan, item=item, file=file, note=(note or "")[:200], confirmed_by=actor
    )
    _event(plan, "confirmed", actor, Item(item).label)
    record_change(actor, "confirm", confirmation, plan.unit_path)
    return confirmation


@transaction.atomic
def file_plan(*, actor, plan: RestartPlan) -> RestartPlan:
    """File the plan to the parent (备案). Filed again: unchanged (idempotent)."""
    require(actor, FILE, plan.unit_path)
    plan = (
        RestartPlan.objects.select_for_update(of=("self",))
        .select_related("unit__parent")
        .get(pk=plan.pk)
    )
    if plan.state == PlanState.FILED:
        return plan
    if plan.state not in EDITABLE:
        raise Conflict("already_decided", _("The plan is decided already."))
    have = set(Confirmation.objects.filter(plan=plan).values_list("item", flat=True))
    missing = [i for i in MANUAL_ITEMS if i not in have]
    if missing:
        raise InvalidInput(
            {i: _("Confirm it with its evidence before filing.") for i in missing},
            code="unconfirmed",
        )
    plan.state = PlanState.FILED
    plan.filed_at = timezone.now()
    plan.save(update_fields=["state", "filed_at"])
    event = _event(plan, "filed", actor)
    tell_filed(plan, event.pk)
    record_change(actor, "file", plan, plan.unit_path)
    return plan


@transaction.atomic
def decide_plan(*, actor, plan: RestartPlan, decision: str, note: str = "") -> RestartPlan:
    """The parent decides a filed plan: approved, returned for changes (a reason needed)
    or told to wait (counted apart in the restart rate)."""
    plan = (
        RestartPlan.objects.select_for_update(of=("self",))
        .select_related("unit__parent")
        .get(pk=plan.pk)
    )
    parent = plan.unit.parent
    if parent is None:
        raise Conflict("no_parent", _("A top unit files to nobody."))
    require(actor, DECIDE, parent.path)
    if decision not in Decision.values:
        raise InvalidInput({"decision": _("Approve, return or tell to wait.")})
    note = (note or "").strip()
    if decision == Decision.RETURN and not note:
        raise InvalidInput({"note": _("Say what to change.")})
    if plan.state != PlanState.FILED:
        raise Conflict("not_filed", _("Only a filed plan is decided."))
    plan.state = {
        Decision.APPROVE: PlanState.APPROVED,
        Decision.RETURN: PlanState.RETURNED,
        Decision.WAIT: PlanState.WAIT,
    }[Decision(decision)]
    plan.decided_at, plan.decided_by, plan.decision_note = timezone.now(), actor, note[:2000]
    plan.save(update_fields=["state", "decided_at", "decided_by", "decision_note"])
    event = _event(plan, decision, actor, note)
    tell_decided(plan, event.pk)
    record_change(actor, decision, plan, plan.unit_path)
    return plan


@transaction.atomic
def reopen_plan(*, actor, plan: RestartPlan) -> RestartPlan:
    """A unit told to wait drafts again when it may restart."""
    require(actor, FILE, plan.unit_path)
    plan = RestartPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.state != PlanState.WAIT:
        raise Conflict("not_waiting", _("Only a plan told to wait is reopened."))
    plan.state = PlanState.DRAFT
    plan.save(update_fields=["state"])
    _event(plan, "changed", actor)
    return plan
