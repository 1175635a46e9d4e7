"""Quantities and states as a person reads them: "1,250 只（25 盒）", a coloured state."""

from django import template
from django.utils.translation import gettext as _

register = template.Library()


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
def figure(value):
    """A whole number with thousands separators ("1,250"), as the quantities are shown."""
    return f"{value:,}" if isinstance(value, int) else value
