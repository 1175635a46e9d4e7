"""Writes to the organization tree and the roster. Each runs in one transaction,
checks the actor's scope, validates, and leaves an audit entry."""

import re
import uuid
import zoneinfo
from datetime import date
from typing import Any

from django.db import IntegrityError, models, transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Concat, Substr
from django.utils.translation import gettext_lazy as _

from fangkong.core.audit import record_change
from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.fields import subtree_q
from fangkong.core.locking import lock_rows
from fangkong.core.numbers import parse_int
from fangkong.core.permissions import require
from fangkong.core.pinyin import initials
from fangkong.core.scope import forget_scopes, scope_of

from .choices import Gender, Role, SiteKind, UnitKind
from .models import FamilyMember, Person, RoleAssignment, Unit
from .permissions import OrgPerm
from .validation import (
    clean_code,
    clean_id_number,
    clean_phone,
    hash_id_number,
    mask_id_number,
)

UNIT_FIELDS = (
    "code",
    "name",
    "kind",
    "site_kind",
    "is_key_unit",
    "timezone",
    "active_from",
    "active_to",
    "hosts_epidemic_office",
    "sort_order",
    "dhis2_code",
)
PERSON_FIELDS = ("employee_no", "name", "gender", "phone", "is_party_member", "position")


# --- units -----------------------------------------------------------------------------


def clean_unit_data(data: dict, *, instance: Unit | None = None) -> tuple[dict, dict]:
    """Validate unit fields; returns (cleaned, errors). Only keys present are checked."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    if "code" in data:
        try:
            cleaned["code"] = clean_code(data["code"])
        except ValueError as exc:
            fail("code", exc.args[0])
        else:
            clash = Unit.objects.filter(code=cleaned["code"])
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                fail("code", _("Another unit already has this code."))
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            fail("name", _("A name is required."))
        elif len(name) > 100:
            fail("name", _("A name has at most 100 characters."))
        cleaned["name"] = name
    if "kind" in data:
        if data["kind"] not in UnitKind.values:
            fail("kind", _("Unknown unit kind."))
        cleaned["kind"] = data["kind"]
    if "site_kind" in data:
        site_kind = data["site_kind"] or ""
        if site_kind and site_kind not in SiteKind.values:
            fail("site_kind", _("Unknown site kind."))
        cleaned["site_kind"] = site_kind
    kind = cleaned.get("kind", instance.kind if instance else None)
    site_kind = cleaned.get("site_kind", instance.site_kind if instance else "")
    if kind and kind != UnitKind.SITE and site_kind:
        fail("site_kind", _("Only a site has a site kind."))
    if "timezone" in data:
        tz = data["timezone"] or "Asia/Shanghai"
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            fail("timezone", _("Unknown time zone."))
        cleaned["timezone"] = tz
    for field in ("active_from", "active_to"):
        if field in data:
            value = data[field]
            if value in ("", None):
                value = None
            elif isinstance(value, str):
                try:
                    value = date.fromisoformat(value)
                except ValueError:
                    fail(field, _("A date is written YYYY-MM-DD."))
                    value = None
            cleaned[field] = value
    start = cleaned.get("active_from", instance.active_from if instance else None)
    end = cleaned.get("active_to", instance.active_to if instance else None)
    if start and end and end < start:
        fail("active_to", _("The unit cannot close before it opens."))
    for field in ("is_key_unit", "hosts_epidemic_office"):
        if field in data:
            cleaned[field] = bool(data[field])
    if "sort_order" in data:
        try:
            cleaned["sort_order"] = parse_int(data["sort_order"] or 0)
        except (TypeError, ValueError):
            fail("sort_order", _("The order is a whole number."))
    if "dhis2_code" in data:
        dhis2 = str(data["dhis2_code"] or "").strip()
        if len(dhis2) > 50:
            fail("dhis2_code", _("A DHIS2 code has at most 50 characters."))
        elif any(not ch.isprintable() for ch in dhis2):
            fail("dhis2_code", _("A DHIS2 code is written without control characters."))
        elif dhis2:
            clash = Unit.objects.filter(dhis2_code=dhis2)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                fail("dhis2_code", _("Another unit already has this DHIS2 code."))
        cleaned["dhis2_code"] = dhis2
    return cleaned, errors


def groups_for(units) -> dict[int, Unit]:
    """Map each unit's pk to its nearest group at or above it (its root when in no group).

    One query for all ancestors, whatever the number of units.
    """
    units = list(units)
    ancestor_ids = {i for u in units for i in u.ancestor_ids}
    ancestors = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=ancestor_ids).only(
            "pk", "kind", "path", "depth", "code", "name"
        )
    }
    result = {}
    for unit in units:
        chain = [ancestors[i] for i in unit.ancestor_ids if i in ancestors] + [unit]
        groups = [u for u in chain if u.kind == UnitKind.GROUP]
        result[unit.pk] = groups[-1] if groups else chain[0]
    return result


def group_of(unit: Unit) -> Unit:
    return groups_for([unit])[unit.pk]


def _locked(unit: Unit) -> Unit:
    """`unit` re-read under a row lock: a person or child placed in it gets its current
    path even while a move of it waits or has just committed."""
    lock_rows(Unit, [unit.pk])
    return Unit.objects.get(pk=unit.pk)


@transaction.atomic
def create_unit(*, actor, parent: Unit | None, liaison: Person | None = None, **data) -> Unit:
    if parent is None:
        if not scope_of(actor, OrgPerm.MANAGE_UNITS).everything:
            raise PermissionDeniedInScope(_("Only a superuser creates a top-level unit."))
    else:
        parent = _locked(parent)  # its path as it is now, not as a concurrent move left it
        require(actor, OrgPerm.MANAGE_UNITS, parent.path)
    data.setdefault("kind", UnitKind.DEPARTMENT)
    cleaned, errors = clean_unit_data({"code": "", "name": "", **data})
    if errors:
        raise InvalidInput(errors)
    unit = Unit(
        parent=parent,
        path=f"tmp-{uuid.uuid4().hex}",
        depth=parent.depth + 1 if parent else 0,
        liaison=liaison,
        initials=initials(cleaned["name"])[:100],
        **cleaned,
    )
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:  # the same code created meanwhile
        raise InvalidInput({"code": _("Another unit already has this code.")}) from exc
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    Unit.objects.filter(pk=unit.pk).update(path=unit.path)
    record_change(actor, "create_unit", unit, unit.path, {"code": unit.code})
    return unit


@transaction.atomic
def update_unit(*, actor, unit: Unit, **data) -> Unit:
    require(actor, OrgPerm.MANAGE_UNITS, unit.path)
    liaison = data.pop("liaison", unit.liaison)
    if (
        liaison is not None
        and not liaison.unit_path.startswith(unit.path)
        and not (unit.parent and liaison.unit_path.startswith(unit.parent.path))
    ):
        raise InvalidInput({"liaison": _("The liaison must belong to this unit or its parent.")})
    cleaned, errors = clean_unit_data(data, instance=unit)
    if errors:
        raise InvalidInput(errors)
    changes: dict[str, Any] = {
        k: [str(getattr(unit, k)), str(v)] for k, v in cleaned.items() if getattr(unit, k) != v
    }
    if liaison != unit.liaison:
        changes["liaison"] = [unit.liaison_id, liaison.pk if liaison else None]
    for key, value in cleaned.items():
        setattr(unit, key, value)
    unit.initials = initials(unit.name)[:100]
    unit.liaison = liaison
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:  # the same code or DHIS2 code given to another unit meanwhile
        field = "dhis2_code" if "dhis2_code" in changes else "code"
        raise InvalidInput({field: _("Another unit already has this code.")}) from exc
    if changes:
        record_change(actor, "update_unit", unit, unit.path, changes)
    return unit


# Copies of unit paths kept by later apps (reports, ledger entries): (model, field) pairs
# that move_unit rewrites with the tree, registered from those apps' ready().
PATH_COPIES: list[tuple[type[models.Model], str]] = []


def refresh_head_counts(unit_ids=None) -> int:
    """Recount the active people placed directly in each unit (every unit if None), in one
    UPDATE. Services call it for the units they change; bulk loads call it at their end;
    the `orgs.head_counts` sweep runs it hourly for changes made behind the services' back."""
    people = (
        Person.objects.filter(unit=OuterRef("pk"), is_active=True)
        .order_by()
        .values("unit")
        .annotate(n=Count("pk"))
        .values("n")
    )
    units = Unit.objects.all() if unit_ids is None else Unit.objects.filter(pk__in=list(unit_ids))
    return units.update(head_count=Coalesce(Subquery(people), 0))


def register_path_copy(model: type[models.Model], field: str) -> None:
    if (model, field) not in PATH_COPIES:
        PATH_COPIES.append((model, field))


# Called as fn(old_path=…, new_path=…) in move_unit's transaction, after every path copy
# was rewritten: for figures kept per ancestor (reporting's roll-up).
PATH_MOVE_HOOKS: list = []


def register_path_move_hook(fn) -> None:
    if fn not in PATH_MOVE_HOOKS:
        PATH_MOVE_HOOKS.append(fn)


@transaction.atomic
def move_unit(*, actor, unit: Unit, new_parent: Unit) -> Unit:
    """Move `unit` with its whole subtree under `new_parent`; a cycle is refused.

    The unit, its old parent and the new parent are locked (in id order) before their
    paths are read: two moves at once (A under B while B goes under A) run one after the
    other, and the second sees the first's paths and is refused as a cycle."""
    old_parent_id = Unit.objects.filter(pk=unit.pk).values_list("parent_id", flat=True).first()
    lock_rows(Unit, [unit.pk, new_parent.pk, old_parent_id])
    unit = Unit.objects.get(pk=unit.pk)
    new_parent = Unit.objects.get(pk=new_parent.pk)
    require(actor, OrgPerm.MANAGE_UNITS, unit.path)
    require(actor, OrgPerm.MANAGE_UNITS, new_parent.path)
    if unit.parent_id is None:
        raise InvalidInput({"parent": _("A top-level unit cannot be moved.")})
    if new_parent.path.startswith(unit.path):
        raise InvalidInput(
            {"parent": _("A unit cannot move under itself or one of its own descendants.")},
            code="cycle",
        )
    if new_parent.pk == unit.parent_id:
        return unit
    old_path, old_parent_id = unit.path, unit.parent_id
    new_path = f"{new_parent.path}{unit.pk}/"
    old_group, new_group = group_of(unit), group_of(new_parent)
    if unit.kind == UnitKind.GROUP:
        new_group = old_group = unit
    moved_people = Person.objects.filter(subtree_q("unit_path", old_path))
    regroup = moved_people.filter(group=old_group) if old_group != new_group else None
    if regroup is not None:
        clashes = sorted(
            Person.objects.filter(
                group=new_group,
                employee_no__in=regroup.values("employee_no"),
            ).values_list("employee_no", flat=True)[:10]
        )
        if clashes:
            raise InvalidInput(
                {
                    "parent": _("Employee numbers already used in the new group: %(numbers)s")
                    % {"numbers": ", ".join(clashes)}
                },
                code="duplicate_employee_no",
            )
        regroup.update(group=new_group)
    cut = len(old_path) + 1
    Unit.objects.filter(subtree_q("path", old_path)).update(
        path=Concat(Value(new_path), Substr("path", cut)),
        depth=F("depth") + (new_parent.depth + 1 - unit.depth),
    )
    moved_people.update(unit_path=Concat(Value(new_path), Substr("unit_path", cut)))
    for model, field in PATH_COPIES:
        model._default_manager.filter(subtree_q(field, old_path)).update(
            **{field: Concat(Value(new_path), Substr(field, cut))}
        )
    Unit.objects.filter(pk=unit.pk).update(parent=new_parent)
    for hook in PATH_MOVE_HOOKS:
        hook(old_path=old_path, new_path=new_path)
    unit.refresh_from_db()
    record_change(actor, "move_unit", unit, unit.path, {"parent": [old_parent_id, new_parent.pk]})
    return unit


# --- people ----------------------------------------------------------------------------


def clean_person_data(data: dict, *, group: Unit | None, instance: Person | None = None):
    """Validate person fields; returns (cleaned, errors). `id_number` becomes hash + mask."""
    cleaned: dict[str, Any] = {}
    errors: dict[str, list] = {}

    def fail(field, message):
        errors.setdefault(field, []).append(message)

    if "employee_no" in data:
        number = str(data["employee_no"] or "").strip()
        if not number:
            fail("employee_no", _("An employee number is required."))
        elif len(number) > 32:
            fail("employee_no", _("An employee number has at most 32 characters."))
        elif group is not None:
            clash = Person.objects.filter(group=group, employee_no=number)
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                fail("employee_no", _("This employee number is already used in the group."))
        cleaned["employee_no"] = number
    if "name" in data:
        name = str(data["name"] or "").strip()
        if not name:
            fail("name", _("A person's name is required."))
        elif len(name) > 50:
            fail("name", _("A person's name has at most 50 characters."))
        cleaned["name"] = name
    if "gender" in data:
        gender = data["gender"] or ""
        if gender and gender not in Gender.values:
            fail("gender", _("Gender is male or female."))
        cleaned["gender"] = gender
    if "phone" in data:
        try:
            cleaned["phone"] = clean_phone(data["phone"])
        except ValueError as exc:
            fail("phone", exc.args[0])
    if "id_number" in data:
        try:
            number = clean_id_number(data["id_number"])
        except ValueError as exc:
            fail("id_number", exc.args[0])
        else:
            cleaned["id_number_hash"] = hash_id_number(number) if number else ""
            cleaned["id_number_masked"] = mask_id_number(number)
    if "is_party_member" in data:
        cleaned["is_party_member"] = bool(data["is_party_member"])
    if "position" in data:
        cleaned["position"] = str(data["position"] or "").strip()[:50]
    return cleaned, errors


def parse_family_text(value: str) -> list[dict]:
    """'姓名/关系/电话' entries separated by '；', ';' or new lines (the sheet format)."""
    members = []
    for chunk in re.split(r"[；;\n]", value or ""):
        if not chunk.strip():
            continue
        parts = [p.strip() for p in chunk.replace("／", "/").split("/")]
        members.append(
            {
                "name": parts[0],
                "relation": parts[1] if len(parts) > 1 else "",
                "phone": parts[2] if len(parts) > 2 else "",
            }
        )
    return members


def format_family_text(person: Person) -> str:
    return "\n".join(
        "/".join(filter(None, (m.name, m.relation, m.phone))) for m in person.family_members.all()
    )


def clean_family(family) -> tuple[list[FamilyMember], dict]:
    members: list[FamilyMember] = []
    errors: dict[str, list] = {}
    for index, item in enumerate(family or [], start=1):
        name = str(item.get("name") or "").strip()
        relation = str(item.get("relation") or "").strip()
        if not name or not relation:
            errors.setdefault("family", []).append(
                _("Family member %(n)s needs a name and a relation.") % {"n": index}
            )
            continue
        try:
            phone = clean_phone(item.get("phone"))
        except ValueError as exc:
            errors.setdefault("family", []).append(
                _("Family member %(n)s: %(problem)s") % {"n": index, "problem": exc.args[0]}
            )
            continue
        members.append(FamilyMember(name=name[:50], relation=relation[:20], phone=phone))
    return members, errors


@transaction.atomic
def create_person(*, actor, unit: Unit, family=None, **data) -> Person:
    unit = _locked(unit)
    require(actor, OrgPerm.MANAGE_PEOPLE, unit.path)
    group = group_of(unit)
    cleaned, errors = clean_person_data({"employee_no": "", "name": "", **data}, group=group)
    members, family_errors = clean_family(family)
    errors.update(family_errors)
    if errors:
        raise InvalidInput(errors)
    try:
        with transaction.atomic():
            person = Person.objects.create(unit=unit, unit_path=unit.path, group=group, **cleaned)
    except IntegrityError as exc:  # a concurrent insert of the same number
        raise InvalidInput(
            {"employee_no": _("This employee number is already used in the group.")}
        ) from exc
    for member in members:
        member.person = person
    FamilyMember.objects.bulk_create(members)
    refresh_head_counts([unit.pk])
    record_change(actor, "create_person", person, unit.path)
    return person


@transaction.atomic
def update_person(*, actor, person: Person, unit: Unit | None = None, family=None, **data):
    """Change fields of `person`; `family`, when given, replaces the family list."""
    require(actor, OrgPerm.MANAGE_PEOPLE, person.unit_path)
    target = _locked(unit or person.unit)
    if unit is not None and unit.pk != person.unit_id:
        require(actor, OrgPerm.MANAGE_PEOPLE, unit.path)
    group = group_of(target)
    if "employee_no" not in data and group.pk != person.group_id:
        data["employee_no"] = person.employee_no
    cleaned, errors = clean_person_data(data, group=group, instance=person)
    members, family_errors = clean_family(family) if family is not None else ([], {})
    errors.update(family_errors)
    if errors:
        raise InvalidInput(errors)
    changes: dict[str, Any] = {
        k: [getattr(person, k), v]
        for k, v in cleaned.items()
        if getattr(person, k) != v and k != "id_number_hash"
    }
    if target.pk != person.unit_id:
        changes["unit"] = [person.unit_id, target.pk]
    for key, value in cleaned.items():
        setattr(person, key, value)
    old_unit_id = person.unit_id
    person.unit, person.unit_path, person.group = target, target.path, group
    try:
        with transaction.atomic():
            person.save()
    except IntegrityError as exc:  # the same number given to another person meanwhile
        raise InvalidInput(
            {"employee_no": _("This employee number is already used in the group.")}
        ) from exc
    refresh_head_counts({old_unit_id, target.pk})
    if family is not None:
        person.family_members.all().delete()
        for member in members:
            member.person = person
        FamilyMember.objects.bulk_create(members)
        changes["family"] = len(members)
    if changes:
        record_change(actor, "update_person", person, person.unit_path, changes)
    return person


# --- roles -----------------------------------------------------------------------------


@transaction.atomic
def assign_role(*, actor, user, unit: Unit, role: str, note: str = "") -> RoleAssignment:
    require(actor, OrgPerm.MANAGE_ROLES, unit.path)
    if role not in Role.values:
        raise InvalidInput({"role": _("Unknown role.")})
    if role == Role.SYSTEM_ADMIN and not scope_of(actor, OrgPerm.MANAGE_ROLES).everything:
        raise PermissionDeniedInScope(_("Only a superuser makes system admins."))
    assignment, _created = RoleAssignment.objects.get_or_create(
        user=user, unit=unit, role=role, defaults={"note": note}
    )
    forget_scopes(user)
    record_change(actor, "assign_role", assignment, unit.path, {"role": role})
    return assignment


@transaction.atomic
def revoke_role(*, actor, assignment: RoleAssignment) -> None:
    require(actor, OrgPerm.MANAGE_ROLES, assignment.unit.path)
    record_change(actor, "revoke_role", assignment, assignment.unit.path, {"role": assignment.role})
    assignment.delete()
    forget_scopes(assignment.user)
