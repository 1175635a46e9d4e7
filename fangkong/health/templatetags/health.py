from django import template

from ..choices import Symptom

register = template.Library()
_SYMPTOMS = dict(Symptom.choices)


@register.filter
def symptom_label(code):
    return _SYMPTOMS.get(code, code)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
