from django import template
from django.utils.html import format_html

from ..choices import SlotState

register = template.Library()

STYLE = {
    SlotState.EXPECTED: "text-bg-secondary",
    SlotState.DONE: "text-bg-success",
    SlotState.LATE: "text-bg-warning",
    SlotState.MISSED: "text-bg-danger",
}


@register.simple_tag
def slot_badge(slot) -> str:
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>',
        STYLE.get(slot.state, "text-bg-light"),
        slot.state,
        slot.get_state_display(),
    )


@register.filter
def percent(value) -> str:
    return "—" if value is None else f"{value}%"


@register.filter
def covers_label(value) -> str:
    from ..choices import Covers

    try:
        return str(Covers(value).label)
    except ValueError:
        return value
