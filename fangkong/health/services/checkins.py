"""Daily check-ins (晨检, seed 003/004) and the personal links people check in with.

Three ways in share one write, `save_checkins`: the phone page (one person, through their
link), the liaison's grid (a whole unit in one request) and the Excel upload or API batch.
Guarantees of every path:
- all-or-nothing: every row is checked first; one bad row and nothing is written, the
  errors come back row by row;
- one check-in per person and day: a second one replaces the values and keeps the
  replaced ones as a revision; the same values again change nothing, also when both come
  at the same moment (the person's row is locked first: core.locking);
- the unit's counts (`CheckInTally`) change in the same transaction;
- a fever or red-flag symptom opens a health case (services.cases) in the same
  transaction, and its notifications are queued there too;
- no figure nobody measured (虚报, seed 004): a temperature is required unless the entry
  is vouched for ("all normal, as reported to me"), which records who vouched; every entry
  not made through the person's own link is a proxy entry (`CheckIn.is_proxy`), and one
  never replaces the person's own check-in of the day without `replace_own` and a reason
  (kept on the revision).
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from fangkong.core import fields as _fields  # noqa: F401 (the __any lookup)
from fangkong.core import links
from fangkong.core.errors import InvalidInput
from fangkong.core.links import LinkError
from fangkong.core.locking import lock_rows
from fangkong.core.permissions import require
from fangkong.orgs.models import Person, Unit

from ..choices import Category, Source, Whereabouts
from ..models import CheckIn, CheckInLink, CheckInRevision, CheckInTally, Observation
from ..permissions import HealthPerm
from ..validation import is_alarming, parse_symptoms, parse_temperature
from . import cases

BATCH_MAX = 1000
SIGNER = links.LinkSigner("fangkong.health.checkin-link")


# --- checking what came in ----------------------------------------------------------------


@dataclass
class Entry:
    """One validated check-in, not yet saved."""

    person: Person
    temperature: Decimal
    symptoms: list[str] = field(default_factory=list)
    whereabouts: str = Whereabouts.AT_POST
    risk_contact: bool = False
    case_contact: bool = False
    category: str = Category.ON_POST
    vouched: bool = False  # "all normal, as reported to me": not measured by the enterer

    @property
    def alarming(self) -> bool:
        return is_alarming(self.temperature, self.symptoms)

    def values(self) -> tuple:
        return (
            self.temperature,
            self.symptoms,
            self.whereabouts,
            self.risk_contact,
            self.case_contact,
            self.category,
        )


def _flag(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value or "").strip().lower()
    if text in ("", "0", "false", "no", "off", "否", "无", "没有"):
        return False
    if text in ("1", "true", "yes", "on", "是", "有"):
        return True
    raise ValueError(_("Answer yes or no."))


@functools.cache
def _codes(choices) -> frozenset:
    return frozenset(choices.values)


def _choice(value, choices, default):
    """A code, or its label in either language (a sheet made in Chinese, read in English)."""
    text = str(value or "").strip()
    if not text:
        return default
    if text in _codes(choices):
        return text
    for language in ("zh-hans", "en"):
        with translation.override(language):
            by_label = {str(label): code for code, label in choices.choices}
        if text in by_label:
            return by_label[text]
    raise ValueError(_("Unknown value: %(value)s.") % {"value": text})


def clean_entry(person: Person, raw: dict, *, default_category: str | None = None):
    """(Entry, {}) or (None, {field: [message]}) for one person's raw input."""
    errors: dict[str, list] = {}
    values: dict[str, Any] = {}
    try:
        values["vouched"] = _flag(raw.get("vouched"))
    except ValueError as exc:
        errors["vouched"] = [str(exc)]
    blank = raw.get("temperature") in (None, "") or str(raw.get("temperature")).strip() == ""
    for name, parse in (
        # Vouched for without a reading: no temperature rather than an invented one.
        ("temperature", (lambda v: None) if values.get("vouched") and blank else parse_temperature),
        ("symptoms", parse_symptoms),
        ("risk_contact", _flag),
        ("case_contact", _flag),
        ("whereabouts", lambda v: _choice(v, Whereabouts, Whereabouts.AT_POST)),
        ("category", lambda v: _choice(v, Category, default_category or Category.ON_POST)),
    ):
        try:
            values[name] = parse(raw.get(name))
        except ValueError as exc:
            errors[name] = [str(exc)]
    if errors:
        return None, errors
    return Entry(person=person, **values), {}


def default_categories(people, day: date) -> dict[int, str]:
    """The category each person had at their latest check-in before `day`; otherwise
    under observation if they are in one, a party member at post if they are one, else at
    work. The liaison's grid starts from these (清单式管理 changes rarely)."""
    ids = [p.pk for p in people]
    latest = dict(
        CheckIn.objects.filter(person_id__in=ids, day__lt=day, day__gte=day - timedelta(days=30))
        .order_by("person_id", "day")
        .values_list("person_id", "category")
    )  # later days overwrite earlier ones in the dict
    observed = set(
        Observation.objects.filter(person_id__in=ids, released_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )
    result: dict[int, str] = {}
    for person in people:
        if person.pk in observed:
            result[person.pk] = Category.OBSERVATION
        elif person.pk in latest:
            result[person.pk] = latest[person.pk]
        else:
            result[person.pk] = Category.PARTY if person.is_party_member else Category.ON_POST
    return result


# --- saving -------------------------------------------------------------------------------


@dataclass
class Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    cases_opened: int = 0
    # Each person's check-in as this call left it: answers are built from what was
    # written, not read again after the commit.
    checkins: dict[int, CheckIn] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "cases_opened": self.cases_opened,
        }


def _values(c: CheckIn) -> tuple:
    """A saved check-in's values, comparable with `Entry.values()`."""
    return (c.temperature, c.symptoms, c.whereabouts, c.risk_contact, c.case_contact, c.category)


def _tally_key(c: CheckIn) -> tuple:
    return (c.unit_id, c.unit_path, c.day, c.category)


def _tally_counts(c, sign: int) -> list[int]:
    """The tally columns a check-in (or a row of values with the same attributes) adds."""
    w = c.whereabouts
    return [
        sign,
        sign * c.is_fever,
        sign * (w == Whereabouts.AT_POST),
        sign * (w == Whereabouts.REMOTE),
        sign * (w == Whereabouts.TRAVELLING),
        sign * (w == Whereabouts.OBSERVATION),
    ]


def _apply_tally(deltas: dict[tuple, list[int]]) -> None:
    """Add `deltas` to the tallies with one upsert per row (the same statement on SQLite and
    PostgreSQL). Rows are taken in key order, so two batches never wait on each other in a
    circle."""
    rows = [
        (unit_id, path, day, category, *counts)
        for (unit_id, path, day, category), counts in sorted(deltas.items(), key=lambda kv: kv[0])
        if any(counts)
    ]
    if not rows:
        return
    table = CheckInTally._meta.db_table
    names = CheckInTally.COUNTS
    columns = ", ".join(("unit_id", "unit_path", "day", "category", *names))
    updates = ", ".join(f"{n} = {table}.{n} + excluded.{n}" for n in names)
    placeholders = ", ".join(["%s"] * (4 + len(names)))
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT (unit_id, day, category) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


_INSERT_COLUMNS = (
    ("person_id", "bigint"),
    ("unit_id", "bigint"),
    ("unit_path", "text"),
    ("day", "date"),
    ("temperature", "numeric"),
    ("symptoms", "jsonb"),
    ("whereabouts", "text"),
    ("risk_contact", "boolean"),
    ("case_contact", "boolean"),
    ("category", "text"),
    ("is_fever", "boolean"),
    ("source", "text"),
    ("entered_by_id", "integer"),
    ("idempotency_key", "text"),
    ("checked_in_at", "timestamptz"),
    ("revision_count", "smallint"),
    ("vouched_by_id", "integer"),
)


def _insert(new: list[CheckIn]) -> None:
    """Insert new check-ins and set their ids. On PostgreSQL one INSERT … SELECT FROM
    jsonb_array_elements(…) with the rows built here: Django's bulk_create prepares every value
    of every row through its fields, which was most of a 1,000-row batch's time."""
    if not new:
        return
    if connection.vendor != "postgresql" or len(new) < 20:
        CheckIn.objects.bulk_create(new)
        return
    table = CheckIn._meta.db_table
    # The rows as one JSON array of arrays, unpacked by PostgreSQL: the arrays of one
    # parameter per column were quoted element by element in Python (client-side binding),
    # a fifth of a batch's time; one JSON text is encoded and quoted in C.
    stamps: dict = {}
    rows = [
        [
            c.person_id,
            c.unit_id,
            c.unit_path,
            c.day.isoformat(),
            None if c.temperature is None else str(c.temperature),
            c.symptoms,
            c.whereabouts,
            c.risk_contact,
            c.case_contact,
            c.category,
            c.is_fever,
            c.source,
            c.entered_by_id,
            c.idempotency_key,
            stamps.get(c.checked_in_at)
            or stamps.setdefault(c.checked_in_at, c.checked_in_at.isoformat()),
            c.revision_count,
            c.vouched_by_id,
        ]
        for c in new
    ]
    names = ", ".join(name for name, _type in _INSERT_COLUMNS)
    values = ", ".join(
        f"e->{i}" if kind == "jsonb" else f"(e->>{i})::{kind}"
        for i, (_name, kind) in enumerate(_INSERT_COLUMNS)
    )
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {values} "
        "FROM jsonb_array_elements(%s::jsonb) AS e RETURNING id, person_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows, separators=(",", ":"))])
        ids = dict((person_id, pk) for pk, person_id in cursor.fetchall())
    for c in new:
        c.pk = ids[c.person_id]
        c._state.adding = False


def save_checkins(
    entries: list[Entry],
    *,
    day: date,
    source: str,
    actor=None,
    key: str = "",
    now: datetime | None = None,
    replace_own: bool = False,
    reason: str = "",
) -> Outcome:
    """Save validated entries for `day` (see the module docstring). The caller has checked
    permission and that each person may be checked in by this actor. A proxy entry that
    would change a person's own check-in is refused unless `replace_own` with `reason`."""
    now = now or timezone.now()
    outcome = Outcome()
    if not entries:
        return outcome
    with transaction.atomic():
        by_person = {e.person.pk: e for e in entries}
        # Two first check-ins of one person at once (a double tap): the second waits here
        # for the first to commit, then finds its row and changes nothing.
        lock_rows(Person, by_person)
        existing = {
            c.person_id: c
            for c in CheckIn.objects.select_for_update()
            .filter(person_id__any=list(by_person), day=day)
            .order_by("person_id")
        }
        new, changed, revisions, alarms = [], [], [], []
        entered_by = actor if actor is not None and actor.is_authenticated else None
        entered_id = entered_by.pk if entered_by is not None else None
        deltas: dict[tuple, list[int]] = defaultdict(lambda: [0] * len(CheckInTally.COUNTS))
        for person_id, entry in by_person.items():
            fever = entry.alarming
            current = existing.get(person_id)
            if current is not None:
                if _values(current) == entry.values() or (key and current.idempotency_key == key):
                    outcome.unchanged += 1
                    outcome.checkins[person_id] = current
                    continue
                own = current.source == Source.LINK and source != Source.LINK
                if own and not (replace_own and reason.strip()):
                    raise InvalidInput({"rows": _own_refused(entry.person, current)})
                revisions.append(
                    CheckInRevision(
                        checkin=current,
                        number=current.revision_count,
                        values=current.snapshot(),
                        reason=reason.strip()[:500] if own else "",
                    )
                )
                bucket = deltas[_tally_key(current)]
                for i, n in enumerate(_tally_counts(current, -1)):
                    bucket[i] += n
                was_fever = current.is_fever
                checkin = current
                checkin.revision_count += 1
                changed.append(checkin)
            else:
                # A new check-in, the batch's usual case: built with its values in field
                # order (Django's keyword init with its defaults and related-object setters
                # was a third of a 1,000-row batch's Python).
                person = entry.person
                # (positional: the django-stubs plugin types only keyword arguments)
                checkin = CheckIn(  # type: ignore[misc]
                    None,
                    person_id,
                    person.unit_id,
                    person.unit_path,
                    day,
                    *entry.values(),
                    fever,
                    source,
                    entered_id,
                    entered_id if entry.vouched else None,
                    key[:100],
                    now,
                    1,
                )
                cache = checkin._state.fields_cache
                cache["person"] = person
                if entered_by is not None:
                    cache["entered_by"] = entered_by
                    if entry.vouched:
                        cache["vouched_by"] = entered_by
                new.append(checkin)
                outcome.checkins[person_id] = checkin
                bucket = deltas[_tally_key(checkin)]
                for i, n in enumerate(_tally_counts(checkin, 1)):
                    bucket[i] += n
                if fever:
                    alarms.append(checkin)
                continue
            outcome.checkins[person_id] = checkin
            (
                checkin.temperature,
                checkin.symptoms,
                checkin.whereabouts,
                checkin.risk_contact,
                checkin.case_contact,
                checkin.category,
            ) = entry.values()
            checkin.unit_id, checkin.unit_path = entry.person.unit_id, entry.person.unit_path
            checkin.is_fever, checkin.source, checkin.checked_in_at = fever, source, now
            checkin.entered_by = entered_by
            checkin.vouched_by = entered_by if entry.vouched else None
            checkin.idempotency_key = key[:100]
            bucket = deltas[_tally_key(checkin)]
            for i, n in enumerate(_tally_counts(checkin, 1)):
                bucket[i] += n
            if fever and not was_fever:
                alarms.append(checkin)
        _insert(new)
        updated_fields = [
            "temperature",
            "symptoms",
            "whereabouts",
            "risk_contact",
            "case_contact",
            "category",
            "is_fever",
            "source",
            "entered_by",
            "vouched_by",
            "idempotency_key",
            "checked_in_at",
            "revision_count",
            "unit",
            "unit_path",
        ]
        if len(changed) == 1:  # bulk_update's CASE expressions cost more than one UPDATE
            changed[0].save(update_fields=updated_fields)
        elif changed:
            CheckIn.objects.bulk_update(changed, updated_fields)
        CheckInRevision.objects.bulk_create(revisions)
        _apply_tally(deltas)
        outcome.created, outcome.updated = len(new), len(changed)
        if alarms:
            outcome.cases_opened = cases.open_cases_for(alarms, actor=actor, now=now)
    return outcome


# --- the three ways in --------------------------------------------------------------------


def _own_refused(person: Person, own: CheckIn) -> str:
    unit = Unit.objects.only("timezone").get(pk=own.unit_id)
    return _(
        "%(name)s checked in themselves at %(time)s: a proxy entry replaces that only "
        "when you confirm it and give a reason."
    ) % {"name": person.name, "time": unit.local_time(own.checked_in_at).strftime("%H:%M")}


def _check_day(day: date, unit: Unit, now: datetime) -> None:
    if day > unit.local_date(now):
        raise InvalidInput({"day": _("The day cannot be in the future.")})


def check_in_self(
    *, link: CheckInLink, raw: dict, key: str = "", now: datetime | None = None
) -> Outcome:
    """A person checks in through their own link, for today in their unit's time zone."""
    now = now or timezone.now()
    person = link.person
    entry, errors = clean_entry(person, raw)
    if errors:
        raise InvalidInput(errors)
    day = person.unit.local_date(now)
    if not entry.alarming:
        checkin = _first_of_the_day(entry, link, day=day, key=key, now=now)
        if checkin is not None:
            return Outcome(created=1, checkins={person.pk: checkin})
    # A fever (a case to open), or a second check-in of the day (a revision, or a repeat
    # that changes nothing): the general path.
    with transaction.atomic():  # one commit for the check-in and the link's last use
        outcome = save_checkins([entry], day=day, source=Source.LINK, key=key, now=now)
        CheckInLink.objects.filter(pk=link.pk).update(last_used_at=now)
    return outcome


_FIRST_COLUMNS = tuple(name for name, _type in _INSERT_COLUMNS)


@functools.cache
def _first_sql(vendor: str) -> tuple[str, ...]:
    """The statements of `_first_of_the_day`: on PostgreSQL one statement (the insert, the
    tally's upsert and the link's last use as data-modifying WITH clauses, all or none);
    elsewhere three, run in one transaction."""
    table, tally, link = (
        CheckIn._meta.db_table,
        CheckInTally._meta.db_table,
        CheckInLink._meta.db_table,
    )
    names = CheckInTally.COUNTS
    insert = (
        f"INSERT INTO {table} ({', '.join(_FIRST_COLUMNS)}) "
        f"VALUES ({', '.join(['%s'] * len(_FIRST_COLUMNS))}) "
        "ON CONFLICT (person_id, day) DO NOTHING RETURNING id"
    )
    tally_columns = ", ".join(("unit_id", "unit_path", "day", "category", *names))
    tally_values = ", ".join(["%s"] * (4 + len(names)))
    upsert = "ON CONFLICT (unit_id, day, category) DO UPDATE SET " + ", ".join(
        f"{n} = {tally}.{n} + excluded.{n}" for n in names
    )
    if vendor == "postgresql":
        return (
            f"WITH new AS ({insert}), "
            f"counted AS (INSERT INTO {tally} ({tally_columns}) SELECT {tally_values} FROM new "
            f"{upsert}), "
            f"used AS (UPDATE {link} SET last_used_at = %s WHERE id = %s "
            "AND EXISTS (SELECT 1 FROM new)) "
            "SELECT id FROM new",
        )
    return (
        insert,
        f"INSERT INTO {tally} ({tally_columns}) VALUES ({tally_values}) {upsert}",
        f"UPDATE {link} SET last_used_at = %s WHERE id = %s",
    )


def _first_of_the_day(entry: Entry, link, *, day: date, key: str, now: datetime):
    """The person's first check-in of the day through their link, without a fever: insert
    it, count it and note the link's use, or None (and nothing written) if the person
    already has one for the day: then the general path decides (a repeat changes nothing,
    a change is a revision). What `save_checkins` does for such an entry, in one round
    trip on PostgreSQL instead of seven (locks, savepoints, the ORM's statements): the
    unique (person, day) constraint serializes a double tap as the person's lock does
    there, the second waiting for the first and then finding its row."""
    person = entry.person
    checkin = CheckIn(
        person=person,
        day=day,
        unit_id=person.unit_id,
        unit_path=person.unit_path,
        is_fever=False,
        source=Source.LINK,
        idempotency_key=key[:100],
        checked_in_at=now,
        revision_count=1,
    )
    (
        checkin.temperature,
        checkin.symptoms,
        checkin.whereabouts,
        checkin.risk_contact,
        checkin.case_contact,
        checkin.category,
    ) = entry.values()
    fields = _first_fields()
    row = [f.get_db_prep_save(getattr(checkin, f.attname), connection) for f in fields]
    # The tally's key (unit, path, day, category) as prepared for the check-in.
    tally = [row[1], row[2], row[3], row[9], *_tally_counts(checkin, 1)]
    used = [connection.ops.adapt_datetimefield_value(now), link.pk]
    statements = _first_sql(connection.vendor)
    with connection.cursor() as cursor:
        if len(statements) == 1:
            cursor.execute(statements[0], [*row, *tally, *used])
            found = cursor.fetchone()
        else:
            with transaction.atomic():
                cursor.execute(statements[0], row)
                found = cursor.fetchone()
                if found is not None:
                    cursor.execute(statements[1], tally)
                    cursor.execute(statements[2], used)
    if found is None:
        return None
    checkin.pk = found[0]
    checkin._state.adding = False
    return checkin


@functools.cache
def _first_fields() -> list:
    return [CheckIn._meta.get_field(name.removesuffix("_id")) for name in _FIRST_COLUMNS]


def check_in_unit(
    *,
    actor,
    unit: Unit,
    day: date,
    rows: list[dict],
    source: str = Source.PROXY,
    key: str = "",
    now: datetime | None = None,
    limit: int = BATCH_MAX,
    replace_own: bool = False,
    reason: str = "",
    labels: dict | None = None,
) -> Outcome:
    """Check in a batch of people of `unit`'s subtree for `day` (the liaison's grid, the
    Excel upload, the API). Each row names its person by `person` (id) or `employee_no`.
    All-or-nothing: RowsRefused with fields "row N" if any row is wrong (N: the row's
    "_row" if it has one, such as its line in a sheet, else its place, from 1; a field
    named as in `labels`, by default by its name). A row
    may be `vouched` ("all normal, as reported to me") instead of giving a temperature; a
    row that would change the person's own check-in needs `replace_own` and `reason`."""
    now = now or timezone.now()
    require(actor, HealthPerm.MANAGE_HEALTH, unit.path)
    _check_day(day, unit, now)
    if not rows:
        raise InvalidInput({"rows": _("There is nothing to check in.")})
    if len(rows) > limit:
        raise InvalidInput({"rows": _("At most %(max)s check-ins in one batch.") % {"max": limit}})
    people = _people_for_rows(unit, rows)
    # The usual category only for rows that do not give one (a query per batch otherwise).
    need_default = {
        p.pk: p
        for raw in rows
        if not str(raw.get("category") or "").strip()
        and (p := people.get(_person_ref(raw))) is not None
    }
    categories = default_categories(list(need_default.values()), day) if need_default else {}
    entries: list[Entry] = []
    problems: list[RowProblem] = []
    general: dict = {}
    seen: dict = {}
    for number, raw in enumerate(rows, start=1):
        number = raw.get("_row", number)
        ref = _person_ref(raw)
        person = people.get(ref)
        if person is None:
            message = _("No person %(ref)s on the roster of %(unit)s.")
            problems.append(
                RowProblem(
                    number,
                    "person" if ref[0] == "id" else "employee_no",
                    message % {"ref": ref[1], "unit": unit.name},
                )
            )
            continue
        if person.pk in seen:
            message = _("%(name)s is already in row %(n)s.")
            problems.append(
                RowProblem(number, "", message % {"name": person.name, "n": seen[person.pk]})
            )
            continue
        seen[person.pk] = number
        entry, row_errors = clean_entry(person, raw, default_category=categories.get(person.pk))
        if row_errors:
            problems += [
                RowProblem(number, name, m) for name, msgs in row_errors.items() for m in msgs
            ]
        else:
            entries.append(entry)
    if replace_own and not reason.strip():
        general["reason"] = [_("Give the reason for replacing people's own check-ins.")]
    elif not replace_own and source != Source.LINK and entries:
        # Each row that would change a person's own check-in of the day, by its row.
        own = CheckIn.objects.filter(
            person_id__any=[e.person.pk for e in entries], day=day, source=Source.LINK
        )
        for c in own:
            entry = next(e for e in entries if e.person.pk == c.person_id)
            if _values(c) != entry.values():
                problems.append(RowProblem(seen[c.person_id], "", _own_refused(entry.person, c)))
    if problems or general:
        raise RowsRefused(problems, general, labels)
    return save_checkins(
        entries,
        day=day,
        source=source,
        actor=actor,
        key=key,
        now=now,
        replace_own=replace_own,
        reason=reason,
    )


@dataclass(frozen=True)
class RowProblem:
    """A reason a row of a batch was refused: its row, the field ("" for the row as a
    whole), the message."""

    row: Any
    field: str
    message: str


class RowsRefused(InvalidInput):
    """A batch refused as a whole. `problems` keeps each row's problems with their field,
    so each way in names the field as its user sees it (the sheet's column title, the
    grid's label); `fields` ("row N" → messages, the field by its name in `labels`) is the
    API's and the grid's form of the same."""

    def __init__(self, problems: list[RowProblem], general: dict, labels: dict | None = None):
        self.problems = problems
        fields: dict = {}
        for p in problems:
            name = (labels or {}).get(p.field, p.field)
            fields.setdefault(_("row %(n)s") % {"n": p.row}, []).append(
                _("%(field)s: %(message)s") % {"field": name, "message": p.message}
                if name
                else p.message
            )
        fields.update(general)
        super().__init__(
            fields,
            message=_("Nothing was saved: %(n)s rows need correcting.") % {"n": len(fields)},
        )


def _person_ref(raw: dict) -> tuple[str, str]:
    if raw.get("person") not in (None, ""):
        return ("id", str(raw["person"]).strip())
    return ("no", str(raw.get("employee_no") or "").strip())


def _people_for_rows(unit: Unit, rows: list[dict]) -> dict[tuple, Person]:
    """The active people of `unit`'s subtree named by the rows, in two queries at most."""
    ids, numbers = set(), set()
    for raw in rows:
        kind, value = _person_ref(raw)
        if kind == "id" and value.isdigit():
            ids.add(int(value))
        elif kind == "no" and value:
            numbers.add(value)
    # No select_related("unit"): a batch needs each person's unit id and path only.
    base = Person.objects.in_subtree(unit).filter(is_active=True)
    found: dict[tuple, Person] = {}
    if ids:
        for p in base.filter(pk__any=ids):
            found[("id", str(p.pk))] = p
    if numbers:
        # Employee numbers are unique within a group; a unit lies inside one group.
        for p in base.filter(employee_no__any=numbers):
            found[("no", p.employee_no)] = p
    return found


# --- personal links ------------------------------------------------------------------------


def link_token(link: CheckInLink) -> str:
    return SIGNER.token(link.person_id, link.nonce)


def resolve_link(token: str, now: datetime | None = None) -> CheckInLink:
    """The live link behind a token, with its person and unit, or LinkError. One indexed
    query (the nonce is unique), written out: the phone page runs it on every request and
    compiling the ORM's three-table join cost more than running it. The link carries only
    what the page and the check-in read (the other fields are deferred)."""
    person_id, nonce = SIGNER.read(token)
    if not person_id.isdigit():
        raise LinkError("invalid")
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            _RESOLVE_SQL,
            [ops.adapt_datetimefield_value(now or timezone.now()), nonce, int(person_id)],
        )
        row = cursor.fetchone()
    if row is None or not row[2]:
        raise LinkError("invalid")
    link_id, name, _active, party, unit_id, unit_path, unit_name, zone, revoked, expired = row
    if revoked:
        raise LinkError("revoked")
    if expired:
        raise LinkError("expired")
    unit = _loaded(Unit, {"id": unit_id, "name": unit_name, "timezone": zone})
    person = _loaded(
        Person,
        {
            "id": int(person_id),
            "name": name,
            "is_active": True,
            "is_party_member": bool(party),
            "unit_id": unit_id,
            "unit_path": unit_path,
        },
    )
    person.unit = unit
    link = _loaded(CheckInLink, {"id": link_id, "person_id": person.pk})
    link.person = person
    return link


def _loaded(model, values: dict):
    """An instance as the ORM loads it with `.only(*values)`: the other fields deferred."""
    names = [f.attname for f in model._meta.concrete_fields if f.attname in values]
    return model.from_db(connection.alias, names, [values[n] for n in names])


_RESOLVE_SQL = (
    "SELECT l.id, p.name, p.is_active, p.is_party_member, p.unit_id, p.unit_path, u.name, "
    "u.timezone, l.revoked_at IS NOT NULL, l.expires_at <= %s "
    f"FROM {CheckInLink._meta.db_table} l "
    f"JOIN {Person._meta.db_table} p ON p.id = l.person_id "
    f"JOIN {Unit._meta.db_table} u ON u.id = p.unit_id "
    "WHERE l.nonce = %s AND l.person_id = %s"
)


def issue_links(*, actor, people, reissue: bool = False, now=None) -> list[CheckInLink]:
    """A live link for each person (kept if they have one, unless `reissue`: then the old
    one is revoked and a new one made). Returns the live links, in the order given."""
    now = now or timezone.now()
    people = list(people)
    for person in people:
        require(actor, HealthPerm.MANAGE_HEALTH, person.unit_path)
    expires = now + timedelta(days=settings.HEALTH_LINK_DAYS)
    return links.issue_links(
        CheckInLink, "person", people, actor=actor, reissue=reissue, now=now, expires_at=expires
    )


def revoke_link(*, actor, person: Person, now=None) -> int:
    """Revoke a person's live link: the URL and QR code stop working at once."""
    require(actor, HealthPerm.MANAGE_HEALTH, person.unit_path)
    return links.revoke_links(CheckInLink, "person", person, actor=actor, now=now or timezone.now())
