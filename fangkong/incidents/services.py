"""Filing incidents and running their clocks (先电话、后书面; seed 004: 如發現疫情或疑似疫情，
領導小組要將事件發生的詳細情況在30分鐘內報告上級領導機關; seed 000: 在上报省国资委应急值班室的
同时，快速反应、果断处置).

Guarantees:
- a filing creates, in one transaction, the incident, a receipt for each level up to the
  level its kind must reach, a clock for the phone report, the written report and each
  level's acknowledgement, its first timeline events, and the urgent messages to each
  level's on-duty people (queued in the outbox: they exist if and only if the filing does);
- a clock met late, or found overdue by the sweep, makes one accountability entry for the
  late party (once: the ledger's unique key is the clock);
- the sweep (`sweeps.escalate_due`) escalates each overdue clock once, to the level above
  the late party and its on-duty people (带班领导 included), safe to run from two workers at
  once; a clock that fails to escalate is skipped, never a reason for the others to wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.accountability.services import record_entry
from fangkong.core.errors import Conflict, InvalidInput, PermissionDeniedInScope
from fangkong.core.localtime import show
from fangkong.core.locking import lock_rows
from fangkong.core.permissions import require
from fangkong.core.scope import scope_of
from fangkong.health.choices import CaseState
from fangkong.health.models import HealthCase
from fangkong.notify import services as notify
from fangkong.orgs.choices import Role, UnitKind
from fangkong.orgs.models import Person, RoleAssignment, Unit
from fangkong.orgs.queries import list_liaison_user_ids

from .choices import (
    ACK_MINUTES,
    CLOCKS,
    LATE_DISCOVERY_HOURS,
    ClockKind,
    EventKind,
    IncidentKind,
    IncidentState,
    Level,
    Outcome,
)
from .models import Attachment, Clock, Incident, IncidentEvent, PhoneReport, Receipt, WrittenReport
from .permissions import IncidentPerm
from .queries import receipts_for

PERM = IncidentPerm.FILE_INCIDENTS
LATE_KIND = "incident_late"
MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
MAX_ATTACHMENTS = 20
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock a little ahead is not "the future"


# --- levels --------------------------------------------------------------------------------


def lineage(unit: Unit) -> list[Unit]:
    """`unit` and its ancestors, nearest first."""
    return list(Unit.objects.filter(pk__in=[*unit.ancestor_ids, unit.pk]).order_by("-depth"))


def target_of(unit: Unit, level: str) -> Unit:
    """The unit whose duty room an incident of `level` must reach: the group above `unit`
    (or the SASAC above it); the top of the line when there is none."""
    line = lineage(unit)
    wanted = UnitKind.SASAC if level == Level.SASAC else UnitKind.GROUP
    return next((u for u in line if u.kind == wanted), line[-1])


def receiving_levels(unit: Unit, target: Unit) -> list[Unit]:
    """The units above `unit` up to `target`, nearest first (none if `unit` is the target)."""
    line = lineage(unit)[1:]
    levels = []
    for u in line:
        levels.append(u)
        if u.pk == target.pk:
            break
    return levels if target.pk != unit.pk else []


# --- notifications ----------------------------------------------------------------------------


COMMAND_ROLES = (Role.OFFICE, Role.LEADING_GROUP, Role.UNIT_ADMIN)
TOPIC = "incident"


def _command(unit: Unit) -> list[int]:
    """The officers of a level: epidemic office, leading group and admins of exactly that
    unit (its routing rules and its on-duty people are added by notify)."""
    return list(
        RoleAssignment.objects.filter(unit=unit, role__in=COMMAND_ROLES, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _notify_level(
    incident: Incident,
    unit: Unit,
    key: str,
    subject: Callable[[], str] | str,
    body: Callable[[], str] | str,
    extra=(),
) -> None:
    # Topic "incident": urgent (never held by the quiet hours), with the people on duty.
    notify.queue(
        key=key,
        topic=TOPIC,
        unit=unit,
        subject=subject,
        body=body,
        users=[*_command(unit), *extra],
        url=reverse("incidents:detail", args=[incident.pk]),
    )


def _describe(incident: Incident) -> dict:
    return {
        "kind": incident.get_kind_display(),
        "unit": incident.unit.name,
        "title": incident.title,
        "discovered": show(incident.discovered_at, incident.unit, "short"),
    }


def _notify_filed(incident: Incident, levels: list[Unit]) -> None:
    # Callables: notify renders each recipient's copy in their own language.
    def subject():
        return _("[Incident] %(kind)s at %(unit)s: %(title)s") % _describe(incident)

    def body():
        return _(
            "Discovered %(discovered)s. Acknowledge it on the incident page; the clock "
            "runs from discovery."
        ) % _describe(incident)

    for unit in levels:
        _notify_level(incident, unit, f"incident:{incident.pk}:filed:{unit.pk}", subject, body)


# --- filing ----------------------------------------------------------------------------------


def _clean_people(actor, people) -> list[Person]:
    ids = []
    for p in people or ():
        ids.append(getattr(p, "pk", p))
    if not ids:
        return []
    found = (
        list(Person.objects.visible_to(actor).filter(pk__in=ids))
        if actor
        else list(Person.objects.filter(pk__in=ids))
    )
    if len(found) != len(set(ids)):
        raise InvalidInput({"people": _("Some of the people named are not on your roster.")})
    return found


@transaction.atomic
def file_incident(
    *,
    actor,
    unit: Unit,
    kind: str,
    title: str,
    discovered_at: datetime,
    discovered_by: str = "",
    place: str = "",
    site: Unit | str | None = None,
    people=(),
    actions_taken: str = "",
    description: str = "",
    phone: dict | None = None,
    health_case=None,
    now: datetime | None = None,
) -> Incident:
    """File an incident at `unit` (see the module docstring). `actor` None: the system
    (a health case with a suspected or confirmed result). `phone`: the phone report
    already made, {"called_at", "caller", "callee"}. `site`: a unit, or a unit's code as
    the filer typed it; anything but the unit itself or one of its units (unknown, or
    elsewhere, in scope or not) is the same field error."""
    now = now or timezone.now()
    if actor is not None:
        require(actor, PERM, unit.path)
    errors: dict[str, list] = {}
    bad_site = False
    if isinstance(site, str):
        code = site.strip()
        site = Unit.objects.in_subtree(unit).filter(code=code).first() if code else None
        bad_site = bool(code) and site is None
    if kind not in IncidentKind.values:
        errors["kind"] = [_("Choose the kind of incident.")]
    title = " ".join((title or "").split())[:200]
    if not title:
        errors["title"] = [_("Say in a few words what happened.")]
    if discovered_at is None:
        errors["discovered_at"] = [_("Enter when it was discovered.")]
    elif timezone.is_naive(discovered_at):
        errors["discovered_at"] = [_("Give the time with its time zone.")]
    elif discovered_at > now + CLOCK_SKEW:
        errors["discovered_at"] = [_("The discovery time cannot be in the future.")]
    if bad_site or (site is not None and not site.path.startswith(unit.path)):
        # One answer for a code nobody has and a unit outside (issue 10): no answer tells
        # that a unit exists out of the filer's sight.
        errors["site"] = [_("No such unit among this unit and the units below it.")]
        site = None
    if errors:
        raise InvalidInput(errors)
    people = _clean_people(actor, people)
    phone_minutes, written_minutes, level = CLOCKS[kind]
    target = target_of(unit, level)
    late = now - discovered_at > timedelta(hours=LATE_DISCOVERY_HOURS)
    incident = Incident.objects.create(
        unit=unit,
        unit_path=unit.path,
        kind=kind,
        title=title,
        discovered_at=discovered_at,
        discovered_by=(
            discovered_by or (actor.get_full_name() or actor.get_username() if actor else "")
        ).strip()[:100],
        place=place.strip()[:200],
        site=site,
        actions_taken=actions_taken.strip(),
        description=description.strip(),
        level=level,
        target_unit=target,
        late_discovery=late,
        filed_at=now,
        filed_by=actor,
        health_case=health_case,
    )
    incident.people.set(people)
    levels = receiving_levels(unit, target)
    Receipt.objects.bulk_create(
        [Receipt(incident=incident, unit=u, order=i) for i, u in enumerate(levels, start=1)]
    )
    clocks = [
        Clock(
            incident=incident,
            kind=ClockKind.PHONE,
            unit=unit,
            due_at=discovered_at + timedelta(minutes=phone_minutes),
        ),
        Clock(
            incident=incident,
            kind=ClockKind.WRITTEN,
            unit=unit,
            due_at=discovered_at + timedelta(minutes=written_minutes),
        ),
    ] + [
        Clock(
            incident=incident,
            kind=ClockKind.ACK,
            unit=u,
            due_at=now + timedelta(minutes=ACK_MINUTES),
        )
        for u in levels
    ]
    Clock.objects.bulk_create(clocks)
    _event(
        incident,
        EventKind.FILED,
        actor,
        now,
        unit,
        lambda: _("Filed; must reach %(target)s.") % {"target": target.name},
    )
    if late:
        _event(
            incident,
            EventKind.LATE_DISCOVERY,
            actor,
            now,
            unit,
            lambda: (
                _("Discovered more than %(hours)s hours before it was filed.")
                % {"hours": LATE_DISCOVERY_HOURS}
            ),
        )
    if health_case is None and kind in CASE_KINDS and people:
        # One story: a named person's open health case not yet tied to an incident.
        open_case = (
            HealthCase.objects.filter(person__in=people, incident__isnull=True)
            .exclude(state=CaseState.CLOSED)
            .order_by("opened_at")
            .first()
        )
        if open_case is not None:
            _link_case(incident, open_case, None, now)
    _notify_filed(incident, levels)
    if phone:
        record_phone_report(actor=actor, incident=incident, now=now, **phone)
    return incident


def _event(incident, kind, actor, at, unit=None, text="") -> IncidentEvent:
    """A step of the timeline. `text` made by the system is a callable, rendered in the
    site's language whatever the language of the request or command that caused it."""
    if callable(text):
        with translation.override(settings.LANGUAGE_CODE):
            text = text()
    return IncidentEvent.objects.create(
        incident=incident,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        at=at,
        unit=unit,
        text=text,
    )


def _meet(incident: Incident, kind: str, unit: Unit, at: datetime) -> Clock | None:
    """Stop a clock at `at`; a clock met after its deadline that the sweep has not yet
    escalated makes its accountability entry now."""
    clock = (
        Clock.objects.select_for_update()
        .filter(incident=incident, kind=kind, unit=unit, met_at__isnull=True)
        .first()
    )
    if clock is None:
        return None
    clock.met_at = at
    clock.save(update_fields=["met_at"])
    if at > clock.due_at and clock.escalated_at is None:
        _record_late(clock, at)
    return clock


def _require_open(incident: Incident) -> Incident:
    incident = Incident.objects.select_for_update().select_related("unit").get(pk=incident.pk)
    if incident.state == IncidentState.CLOSED:
        raise Conflict("incident_closed", _("The incident is closed."))
    return incident


@transaction.atomic
def record_phone_report(
    *,
    actor,
    incident: Incident,
    called_at: datetime,
    caller: str,
    callee: str,
    to_unit: Unit | None = None,
    note: str = "",
    now: datetime | None = None,
) -> PhoneReport:
    """先电话: who called whom, when. Stops the phone clock at the time of the call."""
    now = now or timezone.now()
    incident = _require_open(incident)
    if actor is not None:
        require(actor, PERM, incident.unit_path)
    errors = {}
    if not (caller or "").strip():
        errors["caller"] = [_("Enter who called.")]
    if not (callee or "").strip():
        errors["callee"] = [_("Enter who was called.")]
    if called_at is None or called_at > now + CLOCK_SKEW:
        errors["called_at"] = [_("The time of the call cannot be in the future.")]
    elif called_at < incident.discovered_at:
        errors["called_at"] = [_("The call cannot be before the discovery.")]
    if errors:
        raise InvalidInput(errors)
    if to_unit is None:
        first = incident.receipts.select_related("unit").first()
        to_unit = first.unit if first else incident.target_unit
    report = PhoneReport.objects.create(
        incident=incident,
        called_at=called_at,
        caller=caller.strip()[:100],
        callee=callee.strip()[:100],
        to_unit=to_unit,
        note=note.strip()[:500],
        recorded_by=actor if actor is not None and actor.is_authenticated else None,
    )
    _meet(incident, ClockKind.PHONE, incident.unit, called_at)
    _event(
        incident,
        EventKind.PHONE,
        actor,
        called_at,
        to_unit,
        lambda: (
            _("%(caller)s called %(callee)s (%(unit)s).")
            % {"caller": report.caller, "callee": report.callee, "unit": to_unit.name}
        ),
    )
    return report


@transaction.atomic
def file_written_report(
    *, actor, incident: Incident, text: str, files=(), now: datetime | None = None
) -> WrittenReport:
    """后书面: the written report with its attachments; stops the written clock."""
    now = now or timezone.now()
    incident = _require_open(incident)
    require(actor, PERM, incident.unit_path)
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": _("Write the report.")})
    files = list(files or ())
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput({"files": _("At most %(n)s files.") % {"n": MAX_ATTACHMENTS}})
    for f in files:
        if f.size > MAX_ATTACHMENT_BYTES:
            raise InvalidInput({"files": _("%(name)s is larger than 20 MB.") % {"name": f.name}})
    report = WrittenReport.objects.create(
        incident=incident, text=text, filed_at=now, filed_by=actor
    )
    for f in files:
        Attachment.objects.create(report=report, file=f, name=f.name[:200], size=f.size)
    _meet(incident, ClockKind.WRITTEN, incident.unit, now)
    _event(
        incident,
        EventKind.WRITTEN,
        actor,
        now,
        incident.unit,
        lambda: _("Written report filed (%(n)s attachments).") % {"n": len(files)},
    )

    def subject():
        return _("[Incident] Written report: %(title)s (%(unit)s)") % _describe(incident)

    for receipt in incident.receipts.select_related("unit"):
        key = f"incident:{incident.pk}:written:{report.pk}:{receipt.unit_id}"
        _notify_level(incident, receipt.unit, key, subject, text[:500])
    return report


@transaction.atomic
def acknowledge(
    *,
    actor,
    incident: Incident,
    unit: Unit | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Receipt:
    """A receiving level acknowledges (and may pass an instruction down with `note`). Only
    someone of that level may: anyone else is refused."""
    now = now or timezone.now()
    incident = _require_open(incident)
    mine = [r for r in receipts_for(actor, incident) if unit is None or r.unit_id == unit.pk]
    if not mine:
        raise PermissionDeniedInScope(
            _("Only the duty room or the officers of a receiving level may acknowledge.")
        )
    pending = [r for r in mine if r.acknowledged_at is None]
    if not pending:
        raise Conflict("already_acknowledged", _("Your level has already acknowledged."))
    receipt = pending[0]
    receipt.acknowledged_at, receipt.acknowledged_by = now, actor
    receipt.save(update_fields=["acknowledged_at", "acknowledged_by"])
    _meet(incident, ClockKind.ACK, receipt.unit, now)
    _event(incident, EventKind.ACK, actor, now, receipt.unit, note.strip()[:1000])
    if note.strip():
        pass_instruction(
            actor=actor, incident=incident, text=note, unit=receipt.unit, now=now, logged=True
        )
    return receipt


@transaction.atomic
def pass_instruction(
    *,
    actor,
    incident: Incident,
    text: str,
    unit: Unit | None = None,
    now: datetime | None = None,
    logged: bool = False,
) -> None:
    """上情下达: an instruction from a receiving level to the reporting unit."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise InvalidInput({"text": _("Write the instruction.")})
    if unit is None:
        levels = receipts_for(actor, incident)
        if not levels:
            raise PermissionDeniedInScope(
                _("Only the duty room or the officers of a receiving level may instruct.")
            )
        unit = levels[0].unit
    if not logged:
        _event(incident, EventKind.INSTRUCTION, actor, now, unit, text[:1000])

    def subject():
        return _("[Instruction] %(unit)s on “%(title)s”") % {
            "unit": unit.name,
            "title": incident.title,
        }

    # 上情下达: to the reporting unit's officers, liaisons and on-duty people, and the filer.
    liaisons = list_liaison_user_ids([incident.unit]).get(incident.unit_id, set())
    filer = [incident.filed_by_id] if incident.filed_by_id else []
    _notify_level(
        incident,
        incident.unit,
        f"incident:{incident.pk}:instruction:{now.timestamp()}",
        subject,
        text[:500],
        extra=[*liaisons, *filer],
    )


def may_close(user, incident: Incident) -> bool:
    """Whether `user` may close `incident`: never the reporting unit alone. The decision
    belongs to the level its kind must reach (or a level above it); for kinds that stop at
    the group, also to a receiving level that has acknowledged (签收). A unit that is
    itself the level its kind must reach has nobody above to ask."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if incident.target_unit_id == incident.unit_id:
        return scope_of(user, PERM).covers(incident.unit_path)
    target_path = Unit.objects.values_list("path", flat=True).get(pk=incident.target_unit_id)
    if scope_of(user, PERM).covers(target_path):
        return True
    for receipt in receipts_for(user, incident):
        if receipt.unit_id == incident.target_unit_id:
            return True
        if incident.level == Level.GROUP and receipt.acknowledged_at is not None:
            return True
    return False


@transaction.atomic
def close_incident(
    *, actor, incident: Incident, outcome: str, reason: str, now: datetime | None = None
) -> Incident:
    """Close an incident with an outcome and a reason, decided by a level that may (see
    `may_close`). Clocks not met stay unmet: they are marked cancelled ("closed before
    met"), so the sweep stops escalating them and the page never shows them as done; a
    clock already overdue keeps its accountability entry. Every receiving level and the
    reporting unit are told."""
    now = now or timezone.now()
    incident = _require_open(incident)
    if not may_close(actor, incident):
        raise PermissionDeniedInScope(
            _("Only the level this incident must reach may close it, not the reporting unit alone.")
        )
    errors = {}
    if outcome not in Outcome.values:
        errors["outcome"] = [_("Choose how the incident ended.")]
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = [_("Give the reason for closing.")]
    if errors:
        raise InvalidInput(errors)
    incident.state, incident.closed_at, incident.closed_by = IncidentState.CLOSED, now, actor
    incident.outcome, incident.close_reason = outcome, reason[:2000]
    incident.save(update_fields=["state", "closed_at", "closed_by", "outcome", "close_reason"])
    unmet = list(
        Clock.objects.select_for_update()
        .select_related("unit", "incident")
        .filter(incident=incident, met_at__isnull=True, cancelled_at__isnull=True)
    )
    for clock in unmet:
        if clock.escalated_at is None and clock.due_at < now:
            _record_late(clock, now)  # overdue before closing: closing does not excuse it
    Clock.objects.filter(pk__in=[c.pk for c in unmet]).update(cancelled_at=now)
    label = Outcome(outcome).label
    _event(
        incident,
        EventKind.CLOSED,
        actor,
        now,
        incident.unit,
        lambda: _("Closed: %(outcome)s. %(reason)s") % {"outcome": label, "reason": reason},
    )

    def subject():
        return _("[Incident closed] %(title)s (%(unit)s): %(outcome)s") % {
            **_describe(incident),
            "outcome": Outcome(outcome).label,
        }

    def body():
        return _("Closed by %(who)s. Reason: %(reason)s") % {
            "who": actor.get_full_name() or actor.get_username(),
            "reason": reason[:500],
        }

    filer = [incident.filed_by_id] if incident.filed_by_id else []
    for unit in [*(r.unit for r in incident.receipts.select_related("unit")), incident.unit]:
        _notify_level(
            incident,
            unit,
            f"incident:{incident.pk}:closed:{unit.pk}",
            subject,
            body,
            extra=filer if unit.pk == incident.unit_id else (),
        )
    return incident


# --- late clocks (also used by the escalation sweep, incidents/sweeps.py) ---------------------


def _record_late(clock: Clock, at: datetime) -> None:
    record_entry(
        kind=LATE_KIND,
        unit=clock.unit,
        day=clock.unit.local_date(clock.due_at),
        object_type="incident_clock",
        object_id=clock.pk,
        facts={
            "incident": clock.incident_id,
            "clock": clock.kind,
            "due_at": clock.due_at.isoformat(),
            "met_at": clock.met_at.isoformat() if clock.met_at else None,
        },
        now=at,
    )


# --- from a health case --------------------------------------------------------------------


CASE_KINDS = (IncidentKind.SUSPECTED, IncidentKind.CONFIRMED)


def open_from_case_id(*, case_id: int) -> Incident | None:
    """The follow-up of a suspected or confirmed result (core.followups, event
    health.case_result), run by the worker in its own transaction."""
    from fangkong.health.models import HealthCase

    return open_from_case(HealthCase.objects.select_related("person", "unit").get(pk=case_id))


@transaction.atomic
def open_from_case(case) -> Incident | None:
    """A health case with a suspected or confirmed result opens an incident by itself
    (once per case, also when two runs race: the case row is locked before the check).
    A case and its incident are one story: when an open case incident filed by hand
    already names the person, the case is linked to it instead (a timeline event; a
    confirmed result raises a suspected incident to confirmed and tells its levels),
    never a second incident."""
    lock_rows(type(case), [case.pk])
    if Incident.objects.filter(health_case=case).exists():
        return None
    kind = IncidentKind.CONFIRMED if case.result == "confirmed" else IncidentKind.SUSPECTED
    result_event = case.events.filter(result=case.result).order_by("at").last()
    discovered = result_event.at if result_event else timezone.now()
    with transaction.atomic():
        existing = (
            Incident.objects.select_for_update()
            .filter(
                state=IncidentState.OPEN,
                kind__in=CASE_KINDS,
                health_case__isnull=True,
                people=case.person_id,
            )
            .order_by("filed_at", "pk")
            .first()
        )
        if existing is not None:
            _link_case(existing, case, kind, discovered)
            return existing
    return file_incident(
        actor=None,
        unit=case.unit,
        kind=kind,
        health_case=case,
        title=_("%(result)s: %(name)s")
        % {"result": case.get_result_display(), "name": case.person.name},
        discovered_at=discovered,
        discovered_by=_("Health case"),
        people=[case.person_id],
        description=case.note,
    )


def _link_case(incident: Incident, case, kind: str | None, at: datetime) -> None:
    """Tie `case` to `incident` (the same person's story). `kind`: the case's result as an
    incident kind, or None when the link is made at filing."""
    incident.health_case = case
    fields = ["health_case"]
    raised = kind == IncidentKind.CONFIRMED and incident.kind != IncidentKind.CONFIRMED
    if raised:
        incident.kind = IncidentKind.CONFIRMED
        fields.append("kind")
    incident.save(update_fields=fields)
    result = case.get_result_display() if case.result else case.get_state_display()
    _event(
        incident,
        EventKind.CASE_LINKED,
        None,
        at,
        case.unit,
        lambda: (
            _("Linked to the health case of %(name)s (%(result)s).")
            % {"name": case.person.name, "result": result}
        ),
    )
    if raised:

        def subject():
            return _("[Incident] Now a confirmed case: %(title)s (%(unit)s)") % _describe(incident)

        for receipt in incident.receipts.select_related("unit"):
            key = f"incident:{incident.pk}:confirmed:{receipt.unit_id}"
            _notify_level(incident, receipt.unit, key, subject, subject)
