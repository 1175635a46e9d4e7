"""Reads of the DHIS2 export: the mappings a user may edit, and one export — the filed
reports of a form over a subtree and a period, as DHIS2 data values.

What is exported (docs/dhis2.md): every filed report (on time, late, corrected: its
current figures) of the unit named and of every unit below it that has a DHIS2 code, one
DHIS2 daily period per report day; a zero report gives its zeros explicitly; a missing
report gives nothing; each filed report is a complete registration of the data set on
the unit's local day of its first filing. A unit without a DHIS2 code, and a numeric
field without a data element, are skipped and counted, never sent with an empty code."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from django.http import Http404
from django.utils.translation import gettext as _

from fangkong.core.errors import InvalidInput, ServiceError
from fangkong.core.fields import subtree_q
from fangkong.orgs.models import Unit
from fangkong.reporting.models import DailyReport, ReportForm
from fangkong.reporting.queries import get_form
from fangkong.reporting.services import can_manage_form

from .models import Dhis2Mapping
from .services import mappable_fields

MAX_DAYS = 366
MAX_REPORTS = 200_000  # about 550 units for a year, or 6,600 for a month: ask for less


@dataclass
class Group:
    """One (org unit, day): DHIS2's data value set, ADX's group."""

    org_unit: str
    day: date
    completed: date  # the unit's local day of the first filing
    values: list[tuple[str, str, str]] = field(default_factory=list)  # (element, combo, value)


@dataclass
class Export:
    form: ReportForm
    data_set: str
    unit: Unit
    start: date
    end: date
    groups: list[Group]
    skipped_units: list[str]  # Fangkong codes of units with filed reports and no DHIS2 code
    skipped_fields: list[str]  # numeric fields of the current version without a data element


def list_mappable_forms(user) -> list[ReportForm]:
    """The active forms `user` may map (those they may change), with `.dhis2` or None."""
    forms = ReportForm.objects.filter(is_active=True).select_related("dhis2").order_by("code")
    return [f for f in forms if can_manage_form(user, f)]


def get_form_to_map(user, code: str) -> ReportForm:
    form = get_form(code)
    if not can_manage_form(user, form):
        raise Http404
    return form


def get_mapping(form: ReportForm) -> Dhis2Mapping | None:
    return Dhis2Mapping.objects.filter(form=form).prefetch_related("elements").first()


def count_units_without_code(user) -> tuple[int, int]:
    """(units with a DHIS2 code, units without) among those `user` sees."""
    units = Unit.objects.visible_to(user)
    with_code = units.exclude(dhis2_code="").count()
    return with_code, units.count() - with_code


def find_export_unit(user, code: str) -> Unit:
    """The unit an export is of, named by its DHIS2 code or else by its Fangkong code;
    a unit outside the user's scope, or no such unit, is a 404."""
    units = Unit.objects.visible_to(user)
    code = (code or "").strip()
    unit = units.filter(dhis2_code=code).first() if code else None
    if unit is None and code:
        unit = units.filter(code=code).first()
    if unit is None:
        raise Http404
    return unit


def parse_day(value: str, name: str) -> date:
    text = (value or "").strip()
    try:
        if len(text) != 10:
            raise ValueError
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput({name: _("Write the date as YYYY-MM-DD, e.g. 2020-02-03.")}) from None


def dhis2_value(value) -> str | None:
    """A figure as DHIS2 takes it (a string, "0" kept); None for no figure."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite():
        return None
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def build_export(user, *, form_code: str, unit_code: str, start: str, end: str) -> Export:
    """The export of `form` for the subtree of the unit named `unit_code` from `start` to
    `end` (inclusive). 404 for an unknown form or a unit the user cannot see; 400 for a
    bad date, an end before the start, more than 366 days, an unmapped form or too many
    reports."""
    form = get_form(form_code)
    unit = find_export_unit(user, unit_code)
    first, last = parse_day(start, "start"), parse_day(end, "end")
    if last < first:
        raise InvalidInput({"end": _("The end comes before the start.")})
    if (last - first).days + 1 > MAX_DAYS:
        raise InvalidInput({"end": _("An export covers at most 366 days.")})
    mapping = get_mapping(form)
    elements = list(mapping.elements.all()) if mapping else []
    if mapping is None or not elements:
        raise ServiceError(
            "not_mapped",
            _("This form has no DHIS2 mapping yet: set its data set and data elements first."),
            {"form": [_("No DHIS2 mapping.")]},
        )
    reports = DailyReport.objects.filter(
        subtree_q("unit_path", unit.path),
        form=form,
        day__gte=first,
        day__lte=last,
        first_filed_at__isnull=False,
    )
    if reports.count() > MAX_REPORTS:
        raise InvalidInput(
            {"end": _("Too many reports for one export: take a shorter period or a smaller unit.")}
        )
    mapped = {e.field_code for e in elements}
    skipped_fields = [f.code for f in mappable_fields(form) if f.code not in mapped]
    groups, skipped = [], {}
    rows = (
        reports.select_related("unit")
        .only("day", "values", "first_filed_at", "unit__code", "unit__dhis2_code", "unit__timezone")
        .order_by("unit_path", "day")
    )
    for report in rows.iterator(chunk_size=2000):
        if not report.unit.dhis2_code:
            skipped[report.unit.code] = True
            continue
        group = Group(
            org_unit=report.unit.dhis2_code,
            day=report.day,
            completed=report.unit.local_date(report.first_filed_at),
        )
        values = report.values or {}
        for element in elements:
            value = dhis2_value(values.get(element.field_code))
            if value is not None:
                group.values.append((element.data_element, element.category_option_combo, value))
        groups.append(group)
    return Export(
        form=form,
        data_set=mapping.data_set,
        unit=unit,
        start=first,
        end=last,
        groups=groups,
        skipped_units=list(skipped),
        skipped_fields=skipped_fields,
    )
