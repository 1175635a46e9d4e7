"""Fever and health cases (早发现、早隔离、早诊断, seed 004).

A check-in with a temperature at or above the threshold, or a red-flag symptom, opens a
case and tells the unit's liaison and its leader at once (through the outbox, in the same
transaction). A case moves forward through reported → isolated → sent for diagnosis →
result → closed; each step is kept with its time and actor. A suspected or confirmed
result emits `health.case_result` (core.followups) in its transaction: incidents open from there.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from fangkong.core import followups
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.locking import lock_rows
from fangkong.core.permissions import require
from fangkong.notify.services import queue
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.queries import list_leader_user_ids, list_liaison_user_ids

from ..choices import CaseResult, CaseState, CaseTrigger, Symptom
from ..models import CaseEvent, HealthCase
from ..permissions import HealthPerm
from ..validation import fever_threshold, parse_reading

ORDER = list(CaseState.values)
ALARMING_RESULTS = (CaseResult.SUSPECTED, CaseResult.CONFIRMED)
# The event of a suspected or confirmed result (core.followups): incidents subscribe.
CASE_RESULT = "health.case_result"
CASE_TOPIC = "health_case"  # notify topic of a case opened (urgent, registered in apps.py)


def responsible_user_ids(unit: Unit) -> set[int]:
    """Who is told about a person's health (a case, a fever under observation, a trip
    through a risk area, missing follow-ups): the liaisons of the nearest unit, going up
    from the person's own, that has any, and the leaders of the unit
    (list_leader_user_ids). The one recipient policy of health's topics; routing rules and
    the unit's robots are added by notify."""
    lineage = Unit.objects.filter(pk__in=[*unit.ancestor_ids, unit.pk]).order_by("-depth")
    liaisons = list_liaison_user_ids(lineage)
    nearest = next((liaisons[u.pk] for u in lineage if liaisons.get(u.pk)), set())
    return nearest | list_leader_user_ids(unit)


def _describe(case: HealthCase) -> str:
    names = dict(Symptom.choices)
    parts = []
    if case.temperature is not None:
        parts.append(f"{case.temperature} °C")
    parts.extend(str(names.get(s, s)) for s in case.symptoms)
    return ", ".join(parts)


def _notify_opened(cases: list[HealthCase], units: dict[int, Unit]) -> None:
    for case in cases:
        unit = units[case.unit_id]

        # Callables: notify renders each recipient's copy in their own language.
        def values(case: HealthCase = case, unit: Unit = unit) -> dict[str, str]:
            return {"name": case.person.name, "unit": unit.name, "what": _describe(case)}

        def subject(values=values) -> str:
            return _("Health case: %(name)s (%(unit)s), %(what)s") % values()

        def body(values=values) -> str:
            return (
                _(
                    "%(name)s of %(unit)s has checked in with %(what)s. Isolate and send for "
                    "diagnosis as the rules require (早发现、早隔离、早诊断), and record each step "
                    "on the case."
                )
                % values()
            )

        queue(
            key=f"health-case:{case.pk}:opened",
            topic=CASE_TOPIC,
            unit=unit,
            subject=subject,
            body=body,
            users=responsible_user_ids(unit),
            url=reverse("health:case_detail", args=[case.pk]),
        )


def open_cases_for(checkins, *, actor=None, now: datetime | None = None) -> int:
    """Open a case for each alarming check-in whose person has no open case (one open case
    per person; a second fever the same week is an event of the first). Call inside the
    check-in's transaction. Returns the number of cases opened."""
    now = now or timezone.now()
    checkins = list(checkins)
    lock_rows(Person, [c.person_id for c in checkins])  # against a concurrent report_case
    open_ids = set(
        HealthCase.objects.filter(person_id__in=[c.person_id for c in checkins])
        .exclude(state=CaseState.CLOSED)
        .values_list("person_id", flat=True)
    )
    threshold = fever_threshold()
    actor = actor if actor is not None and actor.is_authenticated else None
    new = [
        HealthCase(
            person=c.person,
            unit_id=c.unit_id,
            unit_path=c.unit_path,
            checkin=c,
            trigger=CaseTrigger.FEVER
            if c.temperature is not None and c.temperature >= threshold
            else CaseTrigger.SYMPTOM,
            temperature=c.temperature,
            symptoms=list(c.symptoms),
            opened_at=now,
            opened_by=actor,
        )
        for c in checkins
        if c.person_id not in open_ids
    ]
    if not new:
        return 0
    HealthCase.objects.bulk_create(new)
    CaseEvent.objects.bulk_create(
        [CaseEvent(case=case, state=CaseState.REPORTED, at=now, actor=actor) for case in new]
    )
    units = Unit.objects.in_bulk({c.unit_id for c in new})
    _notify_opened(new, units)
    return len(new)


class CaseOpen(Conflict):
    """The person has an open case already: `case_id` names it (a double submit of the
    report form lands on that case)."""

    def __init__(self, case_id: int, name: str):
        super().__init__("case_open", _("%(name)s already has an open case.") % {"name": name})
        self.case_id = case_id


@transaction.atomic
def report_case(
    *,
    actor,
    person: Person,
    temperature=None,
    symptoms=(),
    note: str = "",
    now: datetime | None = None,
    trigger: str = CaseTrigger.MANUAL,
) -> HealthCase:
    """Open a case by hand (a fever found outside the check-in, a call from a family).
    `actor` None: the system, for a fever found at a checkpoint (whose writer checked the
    permission to enter counts there: the person may belong to another unit)."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, HealthPerm.MANAGE_HEALTH, person.unit_path)
    errors: dict = {}
    temperature, symptoms = parse_reading(temperature, symptoms, errors, optional=True)
    if errors:
        raise InvalidInput(errors)
    lock_rows(Person, [person.pk])  # a double submit, or a check-in opening one meanwhile
    existing = HealthCase.objects.filter(person=person).exclude(state=CaseState.CLOSED).first()
    if existing is not None:
        raise CaseOpen(existing.pk, person.name)
    case = HealthCase.objects.create(
        person=person,
        unit_id=person.unit_id,
        unit_path=person.unit_path,
        trigger=trigger,
        temperature=temperature,
        symptoms=symptoms,
        opened_at=now,
        opened_by=actor,
        note=note.strip()[:500],
    )
    CaseEvent.objects.create(
        case=case, state=CaseState.REPORTED, at=now, actor=actor, note=note.strip()[:500]
    )
    _notify_opened([case], {person.unit_id: person.unit})
    return case


@transaction.atomic
def advance_case(
    *,
    actor,
    case: HealthCase,
    state: str,
    result: str = "",
    note: str = "",
    now: datetime | None = None,
) -> HealthCase:
    """Move a case forward (steps may be skipped, never undone). Entering "result" needs
    the result; a suspected or confirmed result emits CASE_RESULT in the same transaction."""
    now = now or timezone.now()
    case = HealthCase.objects.select_for_update().get(pk=case.pk)
    require(actor, HealthPerm.MANAGE_HEALTH, case.unit_path)
    if state not in ORDER:
        raise InvalidInput({"state": _("Unknown state.")})
    if case.state == CaseState.CLOSED:
        raise Conflict("case_closed", _("The case is closed."))
    if ORDER.index(state) <= ORDER.index(case.state):
        raise InvalidInput(
            {
                "state": _("A case only moves forward: it is already “%(state)s”.")
                % {"state": case.get_state_display()}
            }
        )
    if state == CaseState.RESULT:
        if result not in CaseResult.values:
            raise InvalidInput({"result": _("Choose the result of the diagnosis.")})
    elif result:
        raise InvalidInput({"result": _("A result goes with the step “Result known”.")})
    case.state = state
    if result:
        case.result = result
    if state == CaseState.CLOSED:
        case.closed_at = now
    case.save(update_fields=["state", "result", "closed_at"])
    CaseEvent.objects.create(
        case=case, state=state, result=result, at=now, actor=actor, note=note.strip()[:500]
    )
    if result in ALARMING_RESULTS:
        followups.emit(CASE_RESULT, key=case.pk, unit_path=case.unit_path, case_id=case.pk)
    return case
