"""Writes of inspections (督导检查, issue 13).

Guarantees:
- only the leading group, the office (and system admins) assign inspectors (包抓包联), and
  only to units of their scope, an inspector whose inspect scope covers the unit;
- a visit is planned at a unit the inspector may inspect, with the checklist version
  current that day; it is answered item by item by its inspector only, until finished;
  a failed item that asks for a photo is refused without one;
- finishing a visit turns each failed item into a rectification item (整改) of the unit,
  owned by its liaison, due by severity (FANGKONG_INSPECTION_DUE_HOURS: serious 24 h,
  normal 3 days, minor 7 days), and tells the owner;
- a fix needs a note and at least one photo of evidence; a verification is by someone
  other than the fixer (the visit's inspector or the office), closes the item, or
  reopens it with a reason;
- a failed item about supplies raises a supply request through supplies' own service;
- every change is a RectificationEvent (and an audit entry); messages go through notify
  in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.permissions import CorePerm, require
from fangkong.core.scope import scope_of
from fangkong.orgs.models import Person, Unit
from fangkong.supplies.choices import Urgency
from fangkong.supplies.services import requests as supply_requests

from . import messages
from .choices import AnswerKind, RectAction, RectState, Result, Severity, VisitState
from .models import (
    Answer,
    Assignment,
    Checklist,
    ChecklistItem,
    Photo,
    Rectification,
    RectificationEvent,
    Visit,
)
from .permissions import InspectionPerm
from .queries import REPEAT_DAYS
from .validation import check_photos

SEVERITIES = (Severity.SERIOUS, Severity.NORMAL, Severity.MINOR)


def due_hours(severity: str) -> int:
    hours = (
        list(settings.INSPECTION_DUE_HOURS) + [24, 72, 168][len(settings.INSPECTION_DUE_HOURS) :]
    )
    return hours[SEVERITIES.index(severity)]


def _event(rect: Rectification, action: str, actor, now: datetime, note: str = "") -> None:
    RectificationEvent.objects.create(
        rectification=rect,
        action=action,
        by=actor if actor and actor.pk else None,
        at=now,
        note=note[:500],
    )


def _save_photos(files, *, visit: Visit | None, actor, now, answer=None, rect=None) -> list[Photo]:
    photos = []
    for f in files:
        photos.append(
            Photo.objects.create(
                visit=visit,
                answer=answer,
                rectification=rect,
                file=f,
                name=f.name[-200:],
                size=getattr(f, "size", 0) or 0,
                at=now,
                by=actor,
            )
        )
    return photos


# --- plans ----------------------------------------------------------------------------------


@transaction.atomic
def assign_inspector(*, actor, inspector, unit: Unit, now=None) -> Assignment:
    """包抓包联: assign a member of the leading group (who may inspect the unit) to a key unit.
    Assigning twice returns the existing assignment."""
    require(actor, InspectionPerm.MANAGE_PLANS, unit.path)
    if not unit.is_key_unit:  # 由各委员对各重点防疫企业进行包抓包联 (seed 003)
        raise InvalidInput({"unit": _("Members are assigned to key units.")})
    if inspector is None or not scope_of(inspector, InspectionPerm.INSPECT).covers(unit.path):
        raise InvalidInput({"inspector": _("Choose someone who may inspect this unit.")})
    assignment, created = Assignment.objects.get_or_create(
        inspector=inspector,
        unit=unit,
        defaults={
            "unit_path": unit.path,
            "assigned_by": actor,
            "assigned_at": now or timezone.now(),
        },
    )
    if created:
        record_change(actor, "create", assignment, unit.path, {"inspector": inspector.pk})
    return assignment


@transaction.atomic
def unassign_inspector(*, actor, assignment: Assignment) -> None:
    require(actor, InspectionPerm.MANAGE_PLANS, assignment.unit_path)
    record_change(actor, "delete", assignment, assignment.unit_path)
    assignment.delete()


def default_checklist(unit: Unit) -> Checklist | None:
    active = list(Checklist.objects.filter(is_active=True))
    for checklist in active:
        if unit.site_kind and unit.site_kind in checklist.site_kinds:
            return checklist
    return next((c for c in active if c.code == "duty-room"), active[0] if active else None)


@transaction.atomic
def plan_visit(*, actor, unit: Unit, day: date | None = None, checklist=None, now=None) -> Visit:
    """A visit of `unit` by `actor` on `day` (default today at the unit), with the current
    version of `checklist` (default: the one for the unit's site kind)."""
    require(actor, InspectionPerm.INSPECT, unit.path)
    now = now or timezone.now()
    day = day or unit.local_date(now)
    if day < unit.local_date(now):
        raise InvalidInput({"day": _("Plan a visit for today or a later day.")})
    if checklist is None:
        checklist = default_checklist(unit)
    if checklist is None or not checklist.is_active:
        raise InvalidInput({"checklist": _("Choose a checklist.")})
    visit = Visit.objects.create(
        unit=unit,
        unit_path=unit.path,
        inspector=actor,
        checklist=checklist.current_version(),
        day=day,
        created_at=now,
        created_by=actor,
    )
    record_change(actor, "create", visit, unit.path)
    return visit


def _own_open_visit(actor, visit: Visit) -> Visit:
    visit = Visit.objects.select_for_update().get(pk=visit.pk)
    require(actor, InspectionPerm.INSPECT, visit.unit_path)
    if visit.inspector_id != actor.pk:
        raise PermissionDeniedInScope(_("Only the visit's inspector answers its checklist."))
    if visit.state == VisitState.DONE:
        raise Conflict("visit_done", _("This visit is finished."), {"visit": [_("finished")]})
    return visit


def _item_of(visit: Visit, item) -> ChecklistItem:
    if isinstance(item, ChecklistItem):
        item = item.code
    found = ChecklistItem.objects.filter(version_id=visit.checklist_id, code=str(item)).first()
    if found is None:
        raise InvalidInput({"item": _("No such item on this visit's checklist.")})
    return found


def _judge(item: ChecklistItem, result, number, text) -> tuple[str, int | None, str]:
    """The answer's result, number and text from what was given, by the item's kind."""
    text = (text or "").strip()[:500]
    if result == Result.NOT_APPLICABLE:
        return Result.NOT_APPLICABLE, None, text
    if item.kind == AnswerKind.PASS_FAIL:
        if result not in (Result.PASS, Result.FAIL):
            raise InvalidInput({"result": _("Answer pass or fail.")})
        return result, None, text
    if item.kind == AnswerKind.NUMBER:
        try:
            value = int(str(number).strip())
        except (TypeError, ValueError):
            raise InvalidInput({"number": _("Give a whole number.")}) from None
        if value < 0 or value > 1_000_000:
            raise InvalidInput({"number": _("Give a number from 0 to 1,000,000.")})
        failed = result == Result.FAIL or (item.min_value is not None and value < item.min_value)
        return (Result.FAIL if failed else Result.PASS), value, text
    if not text:
        raise InvalidInput({"text": _("Write the answer.")})
    return (Result.FAIL if result == Result.FAIL else Result.PASS), None, text


@transaction.atomic
def record_answer(
    *, actor, visit: Visit, item, result="", number=None, text="", note="", photos=(), now=None
) -> Answer:
    """One answer of the visit's checklist (again: replaces the earlier one, photos kept). A
    failed item that asks for a photo needs one, now or from before."""
    visit = _own_open_visit(actor, visit)
    item = _item_of(visit, item)
    result, value, text = _judge(item, result, number, text)
    files = check_photos(photos)
    now = now or timezone.now()
    existing = Answer.objects.filter(visit=visit, item=item).first()
    had_photo = existing is not None and existing.photos.exists()
    if result == Result.FAIL and item.photo_on_fail and not files and not had_photo:
        raise InvalidInput(
            {"photos": _("A failed “%(item)s” needs a photo.") % {"item": item.label}}
        )
    note = (note or "").strip()[:500]
    answer, _created = Answer.objects.update_or_create(
        visit=visit,
        item=item,
        defaults={
            "result": result,
            "number": value,
            "text": text,
            "note": note,
            "at": now,
            "by": actor,
        },
    )
    _save_photos(files, visit=visit, actor=actor, now=now, answer=answer)
    if visit.state == VisitState.PLANNED:
        visit.state = VisitState.IN_PROGRESS
        visit.started_at = now
        visit.save(update_fields=["state", "started_at"])
    return answer


@transaction.atomic
def finish_visit(*, actor, visit: Visit, note: str = "", now=None) -> list[Rectification]:
    """Close the visit: every item answered; each failed one becomes a rectification item
    of the unit (owned by its liaison, due by severity), its owner told."""
    visit = _own_open_visit(actor, visit)
    now = now or timezone.now()
    answers = {a.item_id: a for a in visit.answers.select_related("item", "item__supply_item")}
    missing = [i.label for i in visit.checklist.items.all() if i.pk not in answers]
    if missing:
        raise InvalidInput(
            {
                "answers": _("Answer every item first: %(items)s")
                % {"items": "、".join(missing[:5])}
            },
            code="unanswered",
        )
    unit = Unit.objects.select_related("liaison").get(pk=visit.unit_id)
    failed = [a for a in answers.values() if a.result == Result.FAIL]
    seen = repeat_counts(unit, [a.item.code for a in failed], visit, now)
    created = []
    for answer in failed:
        item = answer.item
        rect = Rectification.objects.create(
            visit=visit,
            answer=answer,
            item_code=item.code,
            title=item.label,
            detail=answer.note or answer.text,
            unit=unit,
            unit_path=unit.path,
            owner=unit.liaison,
            severity=item.severity,
            due_at=now + timedelta(hours=due_hours(item.severity)),
            supply_item=item.supply_item,
            created_at=now,
            repeat_n=seen.get(item.code, 0) + 1,
        )
        _event(rect, RectAction.CREATED, actor, now, rect.detail)
        messages.tell_owner(rect, "created")
        created.append(rect)
    visit.state = VisitState.DONE
    visit.finished_at = now
    visit.note = (note or "").strip()[:2000]
    visit.save(update_fields=["state", "finished_at", "note"])
    record_change(actor, "finish", visit, visit.unit_path, {"findings": len(created)})
    return created


def repeat_counts(unit: Unit, codes: list[str], visit: Visit, now: datetime) -> dict[str, int]:
    """{item code: other visits of the last REPEAT_DAYS that found it at `unit`}."""
    seen: dict[str, set] = {}
    rows = (
        Rectification.objects.filter(
            unit=unit,
            item_code__in=codes,
            created_at__gte=now - timedelta(days=REPEAT_DAYS),
            visit__isnull=False,
        )
        .exclude(visit=visit)
        .values_list("item_code", "visit_id")
    )
    for code, visit_id in rows:
        seen.setdefault(code, set()).add(visit_id)
    return {code: len(visits) for code, visits in seen.items()}


def recount_repeats(queryset=None) -> int:
    """Set repeat_n of existing items from scratch (after a bulk load: the bench; the
    migration that brought the field has its own frozen copy). Returns the items changed."""
    rows = (
        (queryset if queryset is not None else Rectification.objects.all())
        .filter(visit__isnull=False)
        .order_by("unit_id", "item_code", "created_at", "id")
        .values_list("id", "unit_id", "item_code", "visit_id", "created_at", "repeat_n")
    )
    group = None
    earlier: list[tuple[datetime, int]] = []
    changed: dict[int, list[int]] = {}
    for pk, unit_id, code, visit_id, created, old in rows.iterator(chunk_size=2000):
        if (unit_id, code) != group:
            group, earlier = (unit_id, code), []
        since = created - timedelta(days=REPEAT_DAYS)
        earlier = [(at, v) for at, v in earlier if at >= since]
        n = len({v for _, v in earlier if v != visit_id}) + 1
        if n != old:
            changed.setdefault(n, []).append(pk)
        earlier.append((created, visit_id))
    for n, ids in changed.items():
        for i in range(0, len(ids), 500):
            Rectification.objects.filter(pk__in=ids[i : i + 500]).update(repeat_n=n)
    return sum(map(len, changed.values()))


@transaction.atomic
def record_finding(
    *, actor, unit: Unit, title: str, detail: str = "", severity: str = Severity.NORMAL,
    source: str, source_url: str = "", item_code: str = "", now=None,
) -> Rectification:  # fmt: skip
    """A finding from another source than a visit (a contingency plan's drill): a
    rectification item of `unit` like a visit's failed item — owned by its liaison, due
    by severity, its owner told — with `source` (and its page) saying where it was found.
    The caller decides who may record findings of its kind; this checks the actor sees
    the unit. Verified by the office, or by who recorded it (as a visit's inspector)."""
    require(actor, CorePerm.VIEW, unit.path)
    title = (title or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Say what was found.")
    elif len(title) > 200:
        errors["title"] = _("At most 200 characters.")
    if severity not in Severity.values:
        errors["severity"] = _("Choose the severity.")
    if not (source or "").strip():
        errors["source"] = _("Say where it was found.")
    if errors:
        raise InvalidInput(errors)
    now = now or timezone.now()
    unit = Unit.objects.select_related("liaison").get(pk=unit.pk)
    rect = Rectification.objects.create(
        item_code=(item_code or "finding")[:40],
        title=title,
        detail=(detail or "").strip()[:500],
        unit=unit,
        unit_path=unit.path,
        owner=unit.liaison,
        severity=severity,
        due_at=now + timedelta(hours=due_hours(severity)),
        source=source.strip()[:200],
        source_url=(source_url or "")[:200],
        found_by=actor if actor and actor.pk else None,
        created_at=now,
    )
    _event(rect, RectAction.CREATED, actor, now, rect.detail)
    messages.tell_owner(rect, "created")
    record_change(actor, "create", rect, unit.path, {"source": rect.source})
    return rect


# --- rectification ------------------------------------------------------------------------


def _locked(rect: Rectification) -> Rectification:
    return (
        Rectification.objects.select_for_update(of=("self",))
        .select_related("unit", "visit", "owner", "supply_item")
        .get(pk=rect.pk)
    )


@transaction.atomic
def set_owner(*, actor, rect: Rectification, owner: Person) -> Rectification:
    rect = _locked(rect)
    require(actor, InspectionPerm.FIX, rect.unit_path)
    if owner is None or not owner.unit_path.startswith(rect.unit_path):
        raise InvalidInput({"owner": _("Choose a person of the unit.")})
    rect.owner = owner
    rect.save(update_fields=["owner"])
    record_change(actor, "update", rect, rect.unit_path, {"owner": owner.pk})
    return rect


@transaction.atomic
def report_fix(*, actor, rect: Rectification, note: str, photos=(), now=None) -> Rectification:
    """The owner unit reports the fix with its evidence: a note and at least one photo."""
    rect = _locked(rect)
    require(actor, InspectionPerm.FIX, rect.unit_path)
    if rect.state != RectState.OPEN:
        raise Conflict(
            "not_open",
            _("This item is not waiting for a fix."),
            {"state": [rect.get_state_display()]},
        )
    note = (note or "").strip()
    files = check_photos(photos)
    errors = {}
    if not note:
        errors["note"] = _("Describe what was done.")
    if not files:
        errors["photos"] = _("Attach at least one photo as evidence.")
    if errors:
        raise InvalidInput(errors, code="no_evidence")
    now = now or timezone.now()
    rect.state = RectState.FIXED
    rect.fix_note = note[:2000]
    rect.fixed_at = now
    rect.fixed_by = actor
    rect.save(update_fields=["state", "fix_note", "fixed_at", "fixed_by"])
    _save_photos(files, visit=rect.visit, actor=actor, now=now, rect=rect)
    _event(rect, RectAction.FIXED, actor, now, note)
    record_change(actor, "fix", rect, rect.unit_path)
    messages.tell_verifiers(rect)
    return rect


def may_verify(user, rect: Rectification) -> bool:
    if user.pk == rect.fixed_by_id:
        return False
    finder = rect.visit.inspector_id if rect.visit is not None else rect.found_by_id
    if finder is not None and user.pk == finder:
        return True
    return scope_of(user, InspectionPerm.VERIFY).covers(rect.unit_path)


@transaction.atomic
def verify_fix(
    *, actor, rect: Rectification, accepted: bool, note: str = "", now=None
) -> Rectification:
    """Someone other than the fixer (the visit's inspector or the office) checks the fix:
    accepted, the item closes; refused (with a reason), it is open again for the owner."""
    rect = _locked(rect)
    if rect.state != RectState.FIXED:
        raise Conflict(
            "not_fixed",
            _("No fix is waiting for verification."),
            {"state": [rect.get_state_display()]},
        )
    if actor.pk == rect.fixed_by_id:
        raise InvalidInput(
            {"verified_by": _("The fix is verified by someone other than its fixer.")},
            code="fixer_verifies",
        )
    if not may_verify(actor, rect):
        raise PermissionDeniedInScope(_("Only the inspector or the epidemic office verifies."))
    note = (note or "").strip()
    now = now or timezone.now()
    if accepted:
        rect.state = RectState.CLOSED
        rect.verified_at = rect.closed_at = now
        rect.verified_by = actor
        rect.save(update_fields=["state", "verified_at", "closed_at", "verified_by"])
        _event(rect, RectAction.VERIFIED, actor, now, note)
    else:
        if not note:
            raise InvalidInput({"note": _("Say what is still wrong.")})
        rect.state = RectState.OPEN
        rect.reopened += 1
        rect.fixed_at = None
        rect.save(update_fields=["state", "reopened", "fixed_at"])
        _event(rect, RectAction.REOPENED, actor, now, note)
        messages.tell_owner(rect, "reopened")
    record_change(actor, "verify", rect, rect.unit_path, {"accepted": bool(accepted)})
    return rect


@transaction.atomic
def request_supplies(*, actor, rect: Rectification, quantity, reason: str = "", now=None):
    """A finding of supplies short raises a request of its supply item at once, through the
    supplies' own request service (urgent for a serious finding); kept on the item."""
    rect = _locked(rect)
    if isinstance(quantity, str) and quantity.strip().isdigit():
        quantity = int(quantity.strip())  # from a page's form; the API gives an int
    if rect.supply_item_id is None:
        raise InvalidInput({"item": _("This finding is not about supplies.")})
    if rect.supply_request_id is not None:
        raise Conflict(
            "already_requested",
            _("Supplies were already requested for it."),
            {"quantity": [_("already requested")]},
        )
    if rect.state == RectState.CLOSED:
        raise Conflict("closed", _("This item is closed."), {"state": [rect.get_state_display()]})
    with translation.override(settings.LANGUAGE_CODE):  # stored text: the site's language
        default = str(_("Inspection finding: %(title)s") % {"title": rect.title})
    reason = (reason or "").strip() or default
    request = supply_requests.file_request(
        actor=actor,
        unit=rect.unit,
        item=rect.supply_item,
        quantity=quantity,
        reason=reason,
        urgency=Urgency.URGENT if rect.severity == Severity.SERIOUS else Urgency.NORMAL,
        now=now,
    )
    rect.supply_request = request
    rect.save(update_fields=["supply_request"])
    _event(rect, RectAction.SUPPLY_REQUEST, actor, now or timezone.now(), reason)
    return request
