"""Writes of the DHIS2 export: a form's mapping, saved whole or not at all."""

from django.db import transaction
from django.utils.translation import gettext as _

from fangkong.core.audit import record_change
from fangkong.core.errors import InvalidInput, PermissionDeniedInScope
from fangkong.core.locking import lock_rows
from fangkong.reporting.models import ReportForm
from fangkong.reporting.services import can_manage_form

from .models import DHIS2_CODE_LENGTH, Dhis2Element, Dhis2Mapping


def clean_dhis2_code(value) -> tuple[str, str | None]:
    """(code, problem): a DHIS2 code is at most 50 printable characters, trimmed."""
    code = str(value or "").strip()
    if len(code) > DHIS2_CODE_LENGTH:
        return code, _("A DHIS2 code has at most 50 characters.")
    if any(not ch.isprintable() for ch in code):
        return code, _("A DHIS2 code is written without control characters.")
    return code, None


def mappable_fields(form: ReportForm) -> list:
    """The fields of the form's current version that DHIS2 can take: the numeric ones."""
    return [f for f in form.current_fields() if f.is_numeric]


@transaction.atomic
def save_dhis2_mapping(
    *, actor, form: ReportForm, data_set: str, elements: dict[str, tuple[str, str]]
) -> Dhis2Mapping:
    """Replace the form's mapping: its data set code and, per numeric field code of the
    current version, (data element code, category option combo code or ""). A field left
    without a data element is not exported. Refused whole, with every problem by field
    (`data_set`, `de_<field>`, `coc_<field>`), when a code is too long, a combo has no
    element, a field is not numeric, or two fields share a data element and combo.
    Only those who may change the form itself (`can_manage_form`) may map it."""
    if not can_manage_form(actor, form):
        raise PermissionDeniedInScope(
            _("Only an office covering every unit that files this form may map it.")
        )
    errors: dict[str, list] = {}
    data_set, problem = clean_dhis2_code(data_set)
    if problem:
        errors.setdefault("data_set", []).append(problem)
    elif not data_set:
        errors.setdefault("data_set", []).append(_("The DHIS2 data set code is required."))
    fields = {f.code: f for f in mappable_fields(form)}
    rows: list[Dhis2Element] = []
    seen: dict[tuple[str, str], str] = {}
    for code, (element, combo) in elements.items():
        field = fields.get(code)
        if field is None:
            errors.setdefault(f"de_{code}", []).append(
                _("Only the numeric fields of the form's current version are exported.")
            )
            continue
        element, problem = clean_dhis2_code(element)
        if problem:
            errors.setdefault(f"de_{code}", []).append(problem)
        combo, combo_problem = clean_dhis2_code(combo)
        if combo_problem:
            errors.setdefault(f"coc_{code}", []).append(combo_problem)
        if problem or combo_problem:
            continue
        if not element:
            if combo:
                errors.setdefault(f"de_{code}", []).append(
                    _("A category option combo needs a data element code.")
                )
            continue
        other = seen.get((element, combo))
        if other is not None:
            errors.setdefault(f"de_{code}", []).append(
                _("“%(other)s” already has this data element and combo.")
                % {"other": fields[other].label}
            )
            continue
        seen[(element, combo)] = code
        rows.append(
            Dhis2Element(field_code=code, data_element=element, category_option_combo=combo)
        )
    if errors:
        raise InvalidInput(errors)
    lock_rows(ReportForm, [form.pk])  # two saves of one form: the second waits, then replaces
    mapping = Dhis2Mapping.objects.filter(form=form).first()
    before = (
        {
            "data_set": mapping.data_set,
            **{
                e.field_code: f"{e.data_element}/{e.category_option_combo}".rstrip("/")
                for e in mapping.elements.all()
            },
        }
        if mapping
        else {}
    )
    if mapping is None:
        mapping = Dhis2Mapping(form=form)
    mapping.data_set, mapping.updated_by = data_set, actor
    mapping.save()
    mapping.elements.all().delete()
    for row in rows:
        row.mapping = mapping
    Dhis2Element.objects.bulk_create(rows)
    after = {
        "data_set": data_set,
        **{r.field_code: f"{r.data_element}/{r.category_option_combo}".rstrip("/") for r in rows},
    }
    changes = {
        k: [before.get(k, ""), after.get(k, "")]
        for k in sorted(set(before) | set(after))
        if before.get(k, "") != after.get(k, "")
    }
    if changes:
        record_change(actor, "map_dhis2", mapping, "", changes)
    return mapping
