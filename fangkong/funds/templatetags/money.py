from django import template

from fangkong.funds.models import yuan as to_yuan

register = template.Library()


@register.filter
def yuan(fen) -> str:
    """Whole fen shown as yuan with two decimals: 1234560 → "12345.60"."""
    return to_yuan(fen)
