"""Quantities and states as a person reads them: "1,250 只（25 盒）", a coloured state."""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from ..choices import CoverState

register = template.Library()

BADGES = {
    CoverState.OUT: "text-bg-danger",
    CoverState.BELOW: "text-bg-warning",
    CoverState.ADEQUATE: "text-bg-success",
    CoverState.OVER: "text-bg-info",
}


@register.filter
def qty(quantity, item):
    """`quantity` of `item` in its unit of measure, and in whole packs when it has them."""
    if quantity is None:
        return ""
    text = f"{quantity:,} {item.unit_of_measure}"
    if item.pack_name and item.pack_size > 1 and quantity >= item.pack_size:
        packs, rest = divmod(quantity, item.pack_size)
        text += _("（%(packs)s %(pack)s）") % {"packs": f"{packs:,}", "pack": item.pack_name}
        if rest:
            text = text[:-1] + _(" + %(rest)s）") % {"rest": rest}
    return text


@register.filter
def days(value):
    """Days of cover: one decimal, "—" when there is no consumption to divide by."""
    if value is None:
        return "—"
    return _("%(n)s days") % {"n": f"{value:.1f}"}


@register.filter
def rate(value, item):
    if value is None:
        return "—"
    return _("%(n)s %(uom)s a day") % {
        "n": f"{value:.1f}".removesuffix(".0"),
        "uom": item.unit_of_measure,
    }


@register.simple_tag
def state_badge(state):
    return format_html(
        '<span class="badge {}" data-state="{}">{}</span>',
        BADGES.get(state, "text-bg-secondary"),
        state,
        CoverState(state).label,
    )


@register.filter
def figure(value):
    """A whole number with thousands separators ("1,250"), as the quantities are shown."""
    return f"{value:,}" if isinstance(value, int) else value
