"""Writes of checkpoints. Guarantees: each write runs in one transaction and checks the
actor's permission on the checkpoint's unit; a shift's counts add up (staff + residents +
visitors = people checked; fevers found and turned away not above people checked), each
refusal naming its field, nothing written; the fevers found are the fever rows of the
shift, one per person: every fever found opens at once, in the same transaction, a health
case for a staff member of the roster (`health.services.cases.report_case`, as a check-in
fever does) or an incident of kind fever at the checkpoint's unit for a resident or a
visitor (`incidents.services.file_incident`, with its 30-minute clock). Counts entered
again for the same shift replace the earlier ones; fevers are only ever added."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.numbers import normalize_number
from fangkong.core.permissions import require
from fangkong.health.choices import CaseTrigger
from fangkong.health.services import cases
from fangkong.health.validation import fever_threshold, parse_temperature
from fangkong.incidents import services as incidents
from fangkong.incidents.choices import IncidentKind
from fangkong.orgs.choices import UnitKind
from fangkong.orgs.models import Person, Unit
from fangkong.orgs.services import group_of
from fangkong.orgs.validation import CODE_RE

from .choices import Direction, Duty, Passer, Slot, Source
from .models import Checkpoint, Fever, OnDuty, Shift, SignIn
from .permissions import CheckpointPerm

MANAGE = CheckpointPerm.MANAGE_CHECKPOINTS
ENTER = CheckpointPerm.ENTER_COUNTS
# More than this many people through one checkpoint in one shift is a typing error.
MAX_COUNT = 100_000
MAX_ON_DUTY = 50
COUNTS = ("checked", "staff", "residents", "visitors", "fevers", "turned_away")


def _line(value, field: str, max_length: int, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput({field: _("This field is required.")})
    if len(value) > max_length:
        raise InvalidInput({field: _("At most %(n)s characters.") % {"n": max_length}})
    return value


@transaction.atomic
def create_checkpoint(*, actor, unit: Unit, code: str, name: str) -> Checkpoint:
    """A checkpoint on a site (a community gate, a heat-station door) or a site that is a
    checkpoint itself."""
    require(actor, MANAGE, unit.path)
    if unit.kind != UnitKind.SITE:
        raise InvalidInput({"unit": _("A checkpoint is at a site (or is a site itself).")})
    code = _line(code, "code", 64, required=True)
    if not CODE_RE.match(code):
        raise InvalidInput({"code": _("Letters, digits and dashes only.")})
    if Checkpoint.objects.filter(code=code).exists():
        raise InvalidInput({"code": _("This code is taken.")}, code="duplicate_code")
    checkpoint = Checkpoint.objects.create(
        unit=unit,
        unit_path=unit.path,
        code=code,
        name=_line(name, "name", 100) or unit.name,
        created_by=actor,
    )
    record_change(actor, "create", checkpoint, unit.path)
    return checkpoint


@transaction.atomic
def set_active(*, actor, checkpoint: Checkpoint, active: bool) -> Checkpoint:
    """Close a checkpoint (no more counts; its shifts and fevers stay) or open it again."""
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    require(actor, MANAGE, checkpoint.unit_path)
    if checkpoint.is_active != active:
        checkpoint.is_active = active
        checkpoint.save(update_fields=["is_active"])
        record_change(actor, "open" if active else "close", checkpoint, checkpoint.unit_path)
    return checkpoint


@transaction.atomic
def set_signin(*, actor, checkpoint: Checkpoint, enabled: bool) -> Checkpoint:
    """Turn staff sign-in by the site's QR code on or off for the checkpoint (off by
    default); the sign-ins recorded stay."""
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    require(actor, MANAGE, checkpoint.unit_path)
    if checkpoint.signin_enabled != enabled:
        checkpoint.signin_enabled = enabled
        checkpoint.save(update_fields=["signin_enabled"])
        record_change(
            actor, "signin_on" if enabled else "signin_off", checkpoint, checkpoint.unit_path
        )
    return checkpoint


@transaction.atomic
def sign_in(
    *,
    checkpoint: Checkpoint,
    person: Person,
    direction: str = "",
    actor=None,
    source: str = Source.QR,
    entry_key: str | None = None,
    now: datetime | None = None,
) -> tuple[SignIn, bool]:
    """Record that `person`, of the roster of the checkpoint's site, passed it now. Only
    when the checkpoint turned sign-in on and is in use. `actor` is the logged-in user (None
    from the site's QR code, its own credential). The same `entry_key` again (a double
    submit) records nothing and returns the first row. Returns (sign-in, created)."""
    # Under the checkpoint's lock: two copies of one submit run one after the other, and
    # the second finds the first's row.
    checkpoint = Checkpoint.objects.select_for_update().get(pk=checkpoint.pk)
    if entry_key:
        earlier = SignIn.objects.filter(entry_key=entry_key).first()
        if earlier is not None:
            if earlier.checkpoint_id != checkpoint.pk or earlier.person_id != person.pk:
                raise Conflict("key_reused", _("This form was already sent for someone else."))
            return earlier, False
    if actor is not None:
        require(actor, ENTER, checkpoint.unit_path)
    if not checkpoint.signin_enabled:
        raise Conflict("signin_off", _("Sign-in is not enabled at this checkpoint."))
    if not checkpoint.is_active:
        raise Conflict("closed", _("This checkpoint is closed."))
    errors: dict[str, object] = {}
    if not person.is_active or not person.unit_path.startswith(checkpoint.unit_path):
        errors["person"] = _("Choose someone on this site's staff.")
    if direction and direction not in Direction.values:
        errors["direction"] = _("Unknown value: %(value)s.") % {"value": direction}
    if errors:
        raise InvalidInput(errors)
    row = SignIn.objects.create(
        checkpoint=checkpoint,
        unit_path=checkpoint.unit_path,
        person=person,
        at=now or timezone.now(),
        direction=direction,
        source=source,
        entry_key=entry_key or None,
        created_by=actor,
    )
    record_change(
        actor, "sign_in", row, checkpoint.unit_path, {"person": person.pk, "direction": direction}
    )
    return row, True


@dataclass
class Found:
    """A fever found, as entered: a staff member of the roster, or a resident or visitor
    (a name if they gave one)."""

    passer: str
    temperature: object
    person: Person | None = None
    name: str = ""
    note: str = ""


def _count(values: dict, field: str) -> int:
    value = values.get(field)
    if value in (None, ""):
        return 0
    if isinstance(value, bool):
        raise InvalidInput({field: _("Give a whole number, 0 or more.")})
    if isinstance(value, str):
        value = normalize_number(value).strip()
        if not value.isdigit():
            raise InvalidInput({field: _("Give a whole number, 0 or more.")})
        value = int(value)
    if not isinstance(value, int) or value < 0:
        raise InvalidInput({field: _("Give a whole number, 0 or more.")})
    if value > MAX_COUNT:
        raise InvalidInput({field: _("At most %(n)s in one shift.") % {"n": MAX_COUNT}})
    return value


def check_counts(values: dict, fevers: int) -> dict[str, int]:
    """The counts as numbers, checked against each other (field errors all at once)."""
    counts = {f: _count(values, f) for f in COUNTS if f != "fevers"}
    errors: dict[str, list] = {}
    parts = counts["staff"] + counts["residents"] + counts["visitors"]
    if parts != counts["checked"]:
        errors["checked"] = [
            _("Staff, residents and visitors add up to %(n)s, not the people checked.")
            % {"n": parts}
        ]
    typed = values.get("fevers")
    if typed not in (None, "") and _count(values, "fevers") != fevers:
        errors["fevers"] = [
            _("%(typed)s fevers counted but %(n)s recorded: enter who each one was.")
            % {"typed": _count(values, "fevers"), "n": fevers}
        ]
    if fevers > counts["checked"]:
        errors.setdefault("fevers", []).append(_("More fevers found than people checked."))
    if counts["turned_away"] > counts["checked"]:
        errors["turned_away"] = [_("More people turned away than checked.")]
    if errors:
        raise InvalidInput(errors)
    counts["fevers"] = fevers
    return counts


def _check_found(checkpoint: Checkpoint, found: list[Found]) -> list[tuple[Found, Decimal]]:
    threshold = fever_threshold()
    group = group_of(checkpoint.unit)
    out = []
    for i, f in enumerate(found):
        prefix = f"found.{i}"
        if f.passer not in Passer.values:
            raise InvalidInput({f"{prefix}.passer": _("A staff member, a resident or a visitor.")})
        if f.passer == Passer.STAFF:
            if f.person is None:
                raise InvalidInput(
                    {f"{prefix}.person": _("Choose the staff member from the roster.")}
                )
            if f.person.group_id != group.pk or not f.person.is_active:
                raise InvalidInput(
                    {
                        f"{prefix}.person": _("%(name)s is not on this group's roster.")
                        % {"name": f.person.name}
                    }
                )
        elif f.person is not None:
            raise InvalidInput(
                {f"{prefix}.person": _("A resident or visitor is not chosen from the roster.")}
            )
        try:
            temperature = parse_temperature(f.temperature)
        except ValueError as exc:
            raise InvalidInput({f"{prefix}.temperature": str(exc)}) from None
        if temperature < threshold:
            raise InvalidInput(
                {
                    f"{prefix}.temperature": _("%(t)s °C is below the fever threshold (%(h)s °C).")
                    % {"t": temperature, "h": threshold}
                }
            )
        _line(f.name, f"{prefix}.name", 50)
        _line(f.note, f"{prefix}.note", 200)
        out.append((f, temperature))
    people = [f.person.pk for f in found if f.person is not None]
    if len(people) != len(set(people)):
        raise InvalidInput({"found": _("The same person is entered twice.")})
    return out


def _open(actor, checkpoint: Checkpoint, shift: Shift, f: Found, temperature, now) -> Fever:
    where = f"{checkpoint.name}（{checkpoint.unit.name}）"
    note = _("Fever found at checkpoint %(where)s") % {"where": where}
    if f.note:
        note = f"{note}: {f.note}"
    fever = Fever(
        shift=shift,
        unit_path=checkpoint.unit_path,
        passer=f.passer,
        person=f.person,
        name=(f.name or "").strip(),
        temperature=temperature,
        note=(f.note or "").strip(),
        found_at=now,
        found_by=actor,
    )
    if f.passer == Passer.STAFF:
        assert f.person is not None
        try:
            fever.case = cases.report_case(
                actor=None,  # the checkpoint's writer is checked above; the person may be elsewhere
                person=f.person,
                temperature=str(temperature),
                note=str(note)[:500],
                now=now,
                trigger=CaseTrigger.FEVER,
            )
        except cases.CaseOpen as exc:  # already followed: the fever joins that case
            fever.case_id = exc.case_id
    else:
        who = f.name.strip() or Passer(f.passer).label
        fever.incident = incidents.file_incident(
            actor=None,
            unit=checkpoint.unit,
            kind=IncidentKind.FEVER,
            title=str(
                _("%(who)s with %(t)s °C at checkpoint %(where)s")
                % {"who": who, "t": temperature, "where": checkpoint.name}
            ),
            discovered_at=now,
            discovered_by=(actor.get_full_name() or actor.get_username())[:100],
            place=checkpoint.name,
            site=checkpoint.unit,
            description=str(note),
            now=now,
        )
    fever.save()
    return fever


@transaction.atomic
def record_counts(
    *,
    actor,
    checkpoint: Checkpoint,
    day: date,
    slot: str,
    counts: dict,
    found: Iterable[Found] = (),
    on_duty: list[Person] | None = None,
    volunteers: list[str] | None = None,
    source: str = Source.PAGE,
    now: datetime | None = None,
) -> tuple[Shift, list[Fever]]:
    """The counts of one shift (replacing earlier ones of the same shift), the fevers found
    in it (each opening a case or an incident), and who was on the checkpoint (when given:
    replacing the earlier list). Returns the shift and the fevers added."""
    now = now or timezone.now()
    require(actor, ENTER, checkpoint.unit_path)
    checkpoint = Checkpoint.objects.select_related("unit").get(pk=checkpoint.pk)
    if not checkpoint.is_active:
        raise InvalidInput({"checkpoint": _("This checkpoint is closed.")}, code="closed")
    if slot not in Slot.values:
        raise InvalidInput({"shift": _("Choose the shift.")})
    if not isinstance(day, date):
        raise InvalidInput({"day": _("Give the day.")})
    if day > checkpoint.unit.local_date(now):
        raise InvalidInput({"day": _("This day has not come yet.")})
    found = list(found)
    checked_found = _check_found(checkpoint, found)
    shift, _created = Shift.objects.select_for_update().get_or_create(
        checkpoint=checkpoint,
        day=day,
        slot=slot,
        defaults={"unit_path": checkpoint.unit_path},
    )
    earlier = shift.fever_rows.count()
    values = check_counts(counts, earlier + len(found))
    duty_rows = _duty_rows(checkpoint, on_duty, volunteers)
    for name, value in values.items():
        setattr(shift, name, value)
    shift.source = source
    shift.counted_at = now
    shift.counted_by = actor
    shift.save()
    if duty_rows is not None:
        shift.on_duty.all().delete()
        for row in duty_rows:
            row.shift = shift
        OnDuty.objects.bulk_create(duty_rows)
    added = [_open(actor, checkpoint, shift, f, t, now) for f, t in checked_found]
    record_change(
        actor,
        "checkpoint_counts",
        shift,
        checkpoint.unit_path,
        {**values, "new_fevers": len(added)},
    )
    return shift, added


def _duty_rows(checkpoint, on_duty, volunteers) -> list[OnDuty] | None:
    if on_duty is None and volunteers is None:
        return None
    rows: list[OnDuty] = []
    group = group_of(checkpoint.unit)
    seen: set[int] = set()
    for person in on_duty or []:
        if person.group_id != group.pk:
            raise InvalidInput(
                {"on_duty": _("%(name)s is not on this group's roster.") % {"name": person.name}}
            )
        if person.pk not in seen:
            seen.add(person.pk)
            rows.append(OnDuty(duty=Duty.STAFF, person=person))
    for name in volunteers or []:
        name = _line(name, "volunteers", 50)
        if name:
            rows.append(OnDuty(duty=Duty.VOLUNTEER, name=name))
    if len(rows) > MAX_ON_DUTY:
        raise InvalidInput({"on_duty": _("At most %(n)s people.") % {"n": MAX_ON_DUTY}})
    return rows


@dataclass
class BulkRow:
    checkpoint: Checkpoint
    counts: dict


@transaction.atomic
def record_bulk(
    *, actor, day: date, slot: str, rows: list[BulkRow], now: datetime | None = None
) -> list[Shift]:
    """The counts of many checkpoints for one shift at once (a liaison's grid), all or
    nothing: an error names the checkpoint's code and the field (`CODE.checked`). Fevers
    are not entered here (each is entered with who it was, on the checkpoint's page): the
    shift keeps the fevers it has."""
    out = []
    for row in rows:
        if not any(row.counts.get(f) not in (None, "") for f in COUNTS):
            continue
        try:
            shift, _added = record_counts(
                actor=actor,
                checkpoint=row.checkpoint,
                day=day,
                slot=slot,
                counts={k: v for k, v in row.counts.items() if k != "fevers"},
                source=Source.BULK,
                now=now,
            )
        except InvalidInput as exc:
            raise InvalidInput(
                {f"{row.checkpoint.code}.{k}": v for k, v in exc.fields.items()}
            ) from None
        out.append(shift)
    return out
