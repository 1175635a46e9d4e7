from django import template

from ..choices import Category, Symptom, Whereabouts

register = template.Library()
_SYMPTOMS = dict(Symptom.choices)
_CATEGORIES = dict(Category.choices)
_WHEREABOUTS = dict(Whereabouts.choices)


@register.filter
def symptom_label(code):
    return _SYMPTOMS.get(code, code)


@register.filter
def category_label(code):
    return _CATEGORIES.get(code, code)


@register.filter
def whereabouts_label(code):
    return _WHEREABOUTS.get(code, code)


@register.filter
def get(mapping, key):
    return mapping.get(key) if mapping else None
