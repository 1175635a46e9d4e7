"""The rules' item of the to-do list (core.tasks): the rules in force for my unit whose
current version I still have to confirm reading (我已阅读)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.tasks import Task

from . import queries


def rules_to_read(user, now):
    person = queries.person_of(user)
    if person is None:
        return
    owing = [m for m in queries.list_my_rules(person) if m.required and m.confirmed is None]
    if owing:
        yield Task(
            kind="rules.to_read",
            title=_("Rules to read and confirm: %(titles)s")
            % {"titles": "、".join(m.rule.title for m in owing[:3])},
            url=reverse("rules:mine"),
            unit=person.unit,
            count=len(owing),
        )
