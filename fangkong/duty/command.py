"""The duty panel of the command view (core.command): who is on duty at this level (its
nearest duty room) and in the rooms of the level below, with the duty phones."""

from django.urls import reverse
from django.utils.http import urlencode

from .queries.on_duty import on_duty_here_and_below


def on_duty(user, unit, now):
    rows = on_duty_here_and_below(unit, now)
    now_page = reverse("duty:now")
    for row in rows:
        row["url"] = f"{now_page}?{urlencode({'unit': row['unit'].code})}"
    return {"rows": rows, "url": f"{now_page}?{urlencode({'unit': unit.code})}"}


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("duty.on_duty", on_duty, template="duty/_command_on_duty.html", order=50)
