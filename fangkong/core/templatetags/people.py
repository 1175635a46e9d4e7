"""How a person is named on a page: their name and unit, never a login (issue 11)."""

from django import template
from django.core.exceptions import ObjectDoesNotExist

register = template.Library()


@register.filter
def who(user, default: str = "—") -> str:
    """ "张三（第1热力站）" for a user with a roster entry, else the account's full name,
    else its login; `default` for no user (the system)."""
    if user is None or user == "":
        return default
    try:
        person = user.person
    except (ObjectDoesNotExist, AttributeError):
        person = None
    if person is not None:
        return f"{person.name}（{person.unit.name}）"
    return user.get_full_name() or user.get_username()
