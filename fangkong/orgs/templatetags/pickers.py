"""The unit and people pickers (`{% unit_picker "unit" unit %}`, `{% person_picker ... %}`):
a text input holding the code, which static/fangkong/picker.js turns into a search over
/orgs/pick/…; without JavaScript the code is typed. The chosen record's name is looked up
in the viewer's scope: a code out of scope shows no name, as if nobody had it."""

import json

from django import template

from fangkong.orgs.models import Person, Unit

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("orgs/_unit_picker.html", takes_context=True)
def unit_picker(
    context,
    name,
    value=None,
    *,
    id="",
    perm="",
    required=False,
    invalid=False,
    small=False,
    placeholder="",
    aria_label="",
    autosubmit=False,
):
    """`value`: a Unit, a unit code or nothing. `autosubmit`: submit the form on a pick."""
    chosen = value if isinstance(value, Unit) else None
    code = chosen.code if chosen else str(value or "").strip()
    if chosen is None and code and _user(context) is not None:
        chosen = Unit.objects.visible_to(_user(context)).filter(code=code).only("name").first()
    return {
        "name": name,
        "code": code,
        "chosen": chosen,
        "id": id,
        "perm": str(perm or ""),
        "required": required,
        "invalid": invalid,
        "small": small,
        "placeholder": placeholder,
        "aria_label": aria_label,
        "autosubmit": autosubmit,
    }


@register.inclusion_tag("orgs/_person_picker.html", takes_context=True)
def person_picker(
    context,
    name,
    value=None,
    *,
    id="",
    unit=None,
    unit_from="",
    whole_group=False,
    multiple=False,
    required=False,
    invalid=False,
    small=False,
):
    """`value`: employee numbers (comma-separated when `multiple`). `unit` (a Unit) or
    `unit_from` (the name of the form's unit field, read as it changes) narrows the search
    to that unit, or with `whole_group` to its group."""
    numbers = [n.strip() for n in str(value or "").replace("，", ",").split(",") if n.strip()]
    if not multiple:
        numbers = numbers[:1]
    labels: dict[str, str] = {}
    user = _user(context)
    if numbers and user is not None:
        people = Person.objects.visible_to(user).filter(employee_no__in=numbers)
        if unit is not None:
            from fangkong.orgs.services import group_of

            people = people.filter(group=group_of(unit))
        for no, person_name in people.values_list("employee_no", "name"):
            labels.setdefault(no, person_name)
    chosen = [{"value": n, "label": labels.get(n, n)} for n in numbers]
    return {
        "name": name,
        "value": ",".join(numbers),
        "chosen": chosen,
        "chosen_json": json.dumps(chosen, ensure_ascii=False),
        "id": id,
        "unit": unit,
        "unit_from": unit_from,
        "whole_group": whole_group,
        "multiple": multiple,
        "required": required,
        "invalid": invalid,
        "small": small,
    }
