"""Units and people in and out of Excel.

An import is all-or-nothing: every row is checked first and every problem is
reported with its row number; only a file without a single error is written,
in one transaction.
"""

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from fangkong.core.audit import record_change
from fangkong.core.errors import ServiceError
from fangkong.core.scope import scope_of
from fangkong.core.xlsx import (
    ImportResult,
    NotExcel,
    build_workbook,
    read_rows,
    text,
    watermark_line,
    yes_no,
)

from . import services
from .choices import Gender, SiteKind, UnitKind
from .models import FamilyMember, Person, Unit
from .permissions import OrgPerm
from .validation import clean_code

# Column titles are part of the file format: Chinese as the users' sheets have them.
UNIT_COLUMNS = [
    ("编码*", "code"),
    ("名称*", "name"),
    ("上级编码*", "parent"),
    ("类型*", "kind"),
    ("场所类型", "site_kind"),
    ("重点单位", "is_key_unit"),
    ("时区", "timezone"),
    ("启用日期", "active_from"),
    ("停用日期", "active_to"),
    ("疫情防控办公室", "hosts_epidemic_office"),
    ("排序", "sort_order"),
    ("DHIS2编码", "dhis2_code"),
]
PEOPLE_COLUMNS = [
    ("单位编码*", "unit"),
    ("工号*", "employee_no"),
    ("姓名*", "name"),
    ("性别", "gender"),
    ("手机", "phone"),
    ("身份证号", "id_number"),
    ("党员", "is_party_member"),
    ("职务", "position"),
    ("家属", "family"),
]
SHEETS = {"units": UNIT_COLUMNS, "people": PEOPLE_COLUMNS}


def _titles(kind):
    return [title for title, _f in SHEETS[kind]]


def _headers(kind):
    return {title.rstrip("*"): field for title, field in SHEETS[kind]}


def _required(kind):
    return [title.rstrip("*") for title, _f in SHEETS[kind] if title.endswith("*")]


# The Chinese words of the sheets are part of the file format, not of the UI
# translation: a file keeps importing whatever the catalogue says.
SHEET_WORDS = {
    UnitKind: {
        "sasac": "省国资委",
        "group": "集团",
        "subsidiary": "子公司",
        "department": "部门",
        "site": "场所",
    },
    SiteKind: {
        "office": "办公区",
        "heat_station": "热力站",
        "community": "居民小区",
        "vehicle": "车辆",
        "checkpoint": "检查点",
        "canteen": "食堂",
        "warehouse": "仓库",
        "duty_brigade": "执勤大队",
        "scenic_area": "景区",
        "hotel": "酒店",
        "other": "其他场所",
    },
    Gender: {"male": "男", "female": "女"},
}


def _choice_lookup(choices) -> dict[str, str]:
    """Accept a choice by its value, its sheet word, or its English label."""
    lookup = {word: value for value, word in SHEET_WORDS[choices].items()}
    with translation.override("en"):
        lookup.update({str(label).lower(): value for value, label in choices.choices})
    lookup.update({value: value for value in choices.values})
    return lookup


def _label(choices, value) -> str:
    return SHEET_WORDS[choices].get(value, "") if value else ""


def _yes(value: bool) -> str:
    return "是" if value else "否"


FAMILY_HELP = "姓名/关系/电话，多人用分号分隔，如：张三/配偶/13800000000；张小三/子女"


def template_workbook(kind: str) -> bytes:
    notes = {
        "units": [
            "每行一个单位；编码唯一且稳定，导入时按编码新增或更新，上级编码变化即移动单位。",
            "类型：省国资委、集团、子公司、部门、场所；场所类型：办公区、热力站、居民小区、车辆、检查点、食堂、仓库、执勤大队、景区、酒店、其他场所。",
            "是/否 列填“是”或“否”；日期写成 2020-02-01；时区默认 Asia/Shanghai。",
            "DHIS2编码（可选）：该单位在卫生健康部门 DHIS2 中的组织机构编码，最多 50 个字符，各单位不得重复；"
            "留空表示不导出；表中没有这一列时不改动已有编码。",
            "整表校验通过才会导入；任何一行有错，整表不导入并逐行列出错误。",
        ],
        "people": [
            "每行一名员工；工号在所属集团内唯一，导入时按工号新增或更新。",
            "身份证号只保存加密摘要和脱敏显示；导出文件中的脱敏号码再次导入时保持原值。",
            f"家属：{FAMILY_HELP}。",
            "整表校验通过才会导入；任何一行有错，整表不导入并逐行列出错误。",
        ],
    }[kind]
    example = {
        "units": [
            [
                "HEAT-ST-01",
                "第一热力站",
                "HEAT",
                "场所",
                "热力站",
                "是",
                "Asia/Shanghai",
                "2020-01-25",
                "",
                "否",
                1,
                "",
            ]
        ],
        "people": [
            [
                "HEAT-ST-01",
                "E0001",
                "张三",
                "男",
                "13800000000",
                "",
                "是",
                "站长",
                "李四/配偶/13900000000",
            ]
        ],
    }[kind]
    return build_workbook(kind, _titles(kind), example, notes=notes)


def export_workbook(kind: str, user, unit: Unit | None) -> bytes:
    scope_label = unit.name if unit else _("everything visible")
    watermark = watermark_line(user, scope_label)
    if kind == "units":
        units = Unit.objects.visible_to(user).select_related("parent")
        if unit is not None:
            units = units.subtree(unit)
        rows = (
            [
                u.code,
                u.name,
                u.parent.code if u.parent else "",
                _label(UnitKind, u.kind),
                _label(SiteKind, u.site_kind),
                _yes(u.is_key_unit),
                u.timezone,
                u.active_from or "",
                u.active_to or "",
                _yes(u.hosts_epidemic_office),
                u.sort_order,
                u.dhis2_code,
            ]
            for u in units.order_by("path").iterator(chunk_size=2000)
        )
    else:
        people = Person.objects.visible_to(user).select_related("unit")
        if unit is not None:
            people = people.in_subtree(unit)
        families: dict[int, list[str]] = {}
        for m in FamilyMember.objects.filter(person__in=people.values("pk")).order_by("id"):
            families.setdefault(m.person_id, []).append(f"{m.name}/{m.relation}/{m.phone}")
        rows = (
            [
                p.unit.code,
                p.employee_no,
                p.name,
                _label(Gender, p.gender),
                p.phone,
                p.id_number_masked,
                _yes(p.is_party_member),
                p.position,
                "；".join(families.get(p.pk, [])),
            ]
            for p in people.order_by("unit_path", "employee_no").iterator(chunk_size=2000)
        )
    return build_workbook(kind, _titles(kind), rows, watermark=watermark)


def import_workbook(kind: str, user, upload) -> ImportResult:
    result = ImportResult()
    try:
        rows = read_rows(upload, _headers(kind), _required(kind))
    except NotExcel as exc:
        result.add(1, "", exc.args[0])
        return result
    if not rows:
        result.add(2, "", _("The file has no data rows."))
        return result
    importer = _import_units if kind == "units" else _import_people
    try:
        with transaction.atomic():
            importer(user, rows, result)
            if result.errors:
                raise _Rollback
    except _Rollback:
        result.imported = result.created = result.updated = 0
        result.errors.sort(key=lambda e: e.row)
    return result


class _Rollback(Exception):
    pass


def _column(kind, field) -> str:
    """A field's column title as the sheet shows it ("" for a field without a column)."""
    return next((t.rstrip("*") for t, f in SHEETS[kind] if f == field), "")


# --- units -----------------------------------------------------------------------------


def _import_units(user, rows, result: ImportResult) -> None:
    col = lambda field: _column("units", field)  # noqa: E731
    kinds, site_kinds = _choice_lookup(UnitKind), _choice_lookup(SiteKind)
    manage = scope_of(user, OrgPerm.MANAGE_UNITS)
    parsed = []  # (row, code, parent_code, data)
    seen: dict[str, int] = {}
    seen_dhis2: dict[str, int] = {}
    has_dhis2 = any("dhis2_code" in raw for _n, raw in rows)
    for number, raw in rows:
        code = text(raw.get("code"))
        try:
            code = clean_code(code)
        except ValueError as exc:
            result.add(number, col("code"), exc.args[0])
            continue
        if code in seen:
            result.add(
                number,
                col("code"),
                _("Code %(code)s is already on row %(row)s.") % {"code": code, "row": seen[code]},
            )
            continue
        seen[code] = number
        data = {"name": text(raw.get("name"))}
        kind_word = text(raw.get("kind")).lower()
        if kind_word not in kinds:
            result.add(number, col("kind"), _("Unknown unit kind: %(v)s") % {"v": kind_word})
        data["kind"] = kinds.get(kind_word, UnitKind.DEPARTMENT)
        site_word = text(raw.get("site_kind")).lower()
        if site_word and site_word not in site_kinds:
            result.add(number, col("site_kind"), _("Unknown site kind: %(v)s") % {"v": site_word})
        data["site_kind"] = site_kinds.get(site_word, "")
        for field in ("is_key_unit", "hosts_epidemic_office"):
            flag = yes_no(raw.get(field))
            if flag is None:
                result.add(number, col(field), _("Write 是 or 否."))
            data[field] = bool(flag)
        data["timezone"] = text(raw.get("timezone")) or "Asia/Shanghai"
        for field in ("active_from", "active_to"):
            value = raw.get(field)
            data[field] = value.date() if hasattr(value, "date") else text(value) or None
        data["sort_order"] = raw.get("sort_order") or 0
        if has_dhis2:  # an optional column: a file without it leaves the codes as they are
            dhis2 = text(raw.get("dhis2_code"))
            if dhis2 and dhis2 in seen_dhis2:
                result.add(
                    number,
                    col("dhis2_code"),
                    _("DHIS2 code %(code)s is already on row %(row)s.")
                    % {"code": dhis2, "row": seen_dhis2[dhis2]},
                )
            elif dhis2:
                seen_dhis2[dhis2] = number
            data["dhis2_code"] = dhis2
        parsed.append((number, code, text(raw.get("parent")), data))

    referenced = {c for _n, c, _p, _d in parsed} | {p for _n, _c, p, _d in parsed if p}
    existing = {u.code: u for u in Unit.objects.filter(code__in=referenced)}
    ancestor_ids = {i for u in existing.values() for i in u.ancestor_ids}
    by_id = {u.pk: u for u in Unit.objects.filter(pk__in=ancestor_ids)} | {
        u.pk: u for u in existing.values()
    }
    in_file = {code: (number, parent) for number, code, parent, _d in parsed}

    def db_parent(code):
        unit = existing.get(code)
        if unit is None:
            unit = next((u for u in by_id.values() if u.code == code), None)
        if unit is None or unit.parent_id is None:
            return None
        return by_id[unit.parent_id].code if unit.parent_id in by_id else None

    def final_parent(code):
        return in_file[code][1] if code in in_file else db_parent(code)

    for number, code, parent_code, data in parsed:
        unit = existing.get(code)
        if unit is not None and not manage.covers(unit.path):
            result.add(number, col("code"), _("This code is already used by another unit."))
            continue
        if not parent_code:
            # Only a whole-tree admin starts a new tree (e.g. the first unit of an install).
            if (unit is None and not manage.everything) or (unit and unit.parent_id):
                result.add(number, col("parent"), _("A parent code is required."))
                continue
        elif parent_code not in in_file and (
            existing.get(parent_code) is None or not manage.covers(existing[parent_code].path)
        ):
            result.add(
                number, col("parent"), _("Unknown parent code: %(code)s") % {"code": parent_code}
            )
            continue
        # Walk up the tree as it will be after the import: meeting `code` is a cycle.
        step, hops = parent_code or None, 0
        while step is not None and hops < 100:
            if step == code:
                result.add(
                    number,
                    col("parent"),
                    _("Moving %(code)s under %(parent)s would make a cycle.")
                    % {"code": code, "parent": parent_code},
                )
                break
            step, hops = final_parent(step) or None, hops + 1
        cleaned, errors = services.clean_unit_data(data, instance=unit)
        for field, messages in errors.items():
            for message in messages:
                result.add(number, col(field), message)
    if result.errors:
        return

    # Parents before children: a row waits until its parent (if in the file) is done.
    done: dict[str, Unit] = {}
    pending = list(parsed)
    while pending:
        progressed = False
        for item in list(pending):
            number, code, parent_code, data = item
            if parent_code in in_file and parent_code not in done:
                continue
            pending.remove(item)
            progressed = True
            parent = done.get(parent_code) or (
                Unit.objects.get(code=parent_code) if parent_code else None
            )
            try:
                done[code] = _apply_unit(user, existing.get(code), parent, code, data, result)
            except ServiceError as exc:
                for field, messages in (exc.fields or {"": [exc.message]}).items():
                    for message in messages:
                        result.add(
                            number,
                            col(field) if field in dict((f, t) for t, f in UNIT_COLUMNS) else "",
                            message,
                        )
                return
        if not progressed:  # only possible with a cycle inside the file, refused above
            break
    result.imported = result.created + result.updated
    record_change(
        user, "import_units", user, "", {"created": result.created, "updated": result.updated}
    )


def _apply_unit(user, unit, parent, code, data, result) -> Unit:
    if unit is None:
        result.created += 1
        return services.create_unit(actor=user, parent=parent, code=code, **data)
    unit = Unit.objects.get(pk=unit.pk)  # the path may have changed with an earlier move
    if parent is not None and parent.pk != unit.parent_id:
        unit = services.move_unit(actor=user, unit=unit, new_parent=parent)
    result.updated += 1
    return services.update_unit(actor=user, unit=unit, **data)


# --- people ----------------------------------------------------------------------------


def _import_people(user, rows, result: ImportResult) -> None:
    col = lambda field: _column("people", field)  # noqa: E731
    genders = _choice_lookup(Gender)
    manage = scope_of(user, OrgPerm.MANAGE_PEOPLE)
    unit_codes = {text(raw.get("unit")) for _n, raw in rows}
    units = {u.code: u for u in Unit.objects.filter(code__in=unit_codes) if manage.covers(u.path)}
    groups = services.groups_for(units.values())
    numbers = {text(raw.get("employee_no")) for _n, raw in rows}
    existing = {
        (p.group_id, p.employee_no): p
        for p in Person.objects.filter(
            group__in={g.pk for g in groups.values()}, employee_no__in=numbers
        )
    }
    seen: dict[tuple, int] = {}
    to_create, to_update, families = [], [], {}
    for number, raw in rows:
        unit = units.get(text(raw.get("unit")))
        if unit is None:
            result.add(
                number,
                col("unit"),
                _("Unknown unit code: %(code)s") % {"code": text(raw.get("unit"))},
            )
            continue
        group = groups[unit.pk]
        employee_no = text(raw.get("employee_no"))
        key = (group.pk, employee_no)
        if employee_no and key in seen:
            result.add(
                number,
                col("employee_no"),
                _("Employee number %(no)s is already on row %(row)s.")
                % {"no": employee_no, "row": seen[key]},
            )
            continue
        seen[key] = number
        person = existing.get(key)
        if person is not None and not manage.covers(person.unit_path):
            result.add(
                number, col("employee_no"), _("This employee number is already used in the group.")
            )
            continue
        gender_word = text(raw.get("gender")).lower()
        if gender_word and gender_word not in genders:
            result.add(number, col("gender"), _("Gender is male or female."))
        party = yes_no(raw.get("is_party_member"))
        if party is None:
            result.add(number, col("is_party_member"), _("Write 是 or 否."))
        data = {
            "employee_no": employee_no,
            "name": text(raw.get("name")),
            "gender": genders.get(gender_word, ""),
            "phone": text(raw.get("phone")),
            "is_party_member": bool(party),
            "position": text(raw.get("position")),
        }
        id_number = text(raw.get("id_number"))
        if "*" not in id_number or person is None:  # a masked number from an export: keep
            data["id_number"] = id_number
        cleaned, errors = services.clean_person_data(data, group=None)
        members, family_errors = services.clean_family(
            services.parse_family_text(text(raw.get("family")))
        )
        errors.update(family_errors)
        for field, messages in errors.items():
            for message in messages:
                result.add(number, col(field), message)
        if errors:
            continue
        if person is None:
            person = Person(group=group, **cleaned)
            to_create.append(person)
        else:
            for key_, value in cleaned.items():
                setattr(person, key_, value)
            to_update.append(person)
        if person.pk:  # the unit it leaves needs its head count again
            person._loaded_unit_id = person.unit_id
        person.unit, person.unit_path, person.group = unit, unit.path, group
        if text(raw.get("family")):
            families[id(person)] = (person, members)
    if result.errors:
        return
    Person.objects.bulk_create(to_create, batch_size=1000)
    moved_from = {getattr(p, "_loaded_unit_id", None) for p in to_update} - {None}
    if to_update:
        Person.objects.bulk_update(
            to_update,
            [
                "unit",
                "unit_path",
                "group",
                "name",
                "gender",
                "phone",
                "is_party_member",
                "position",
                "id_number_hash",
                "id_number_masked",
            ],
            batch_size=1000,
        )
    services.refresh_head_counts(moved_from | {p.unit_id for p in [*to_create, *to_update]})
    FamilyMember.objects.filter(person__in=[p for p, _m in families.values() if p.pk]).delete()
    new_members = []
    for person, members in families.values():
        for member in members:
            member.person = person
            new_members.append(member)
    FamilyMember.objects.bulk_create(new_members, batch_size=1000)
    result.created, result.updated = len(to_create), len(to_update)
    result.imported = result.created + result.updated
    record_change(
        user, "import_people", user, "", {"created": result.created, "updated": result.updated}
    )
