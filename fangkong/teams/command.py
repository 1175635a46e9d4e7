"""The teams' panel of the command view (core.command): how many team members serve in the
subtree today and at how many units."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import queries


def deployed_today(user, unit, now):
    day = unit.local_date(now)
    posts = queries.who_is_where(user, unit, day)
    if not posts and not queries.list_teams(user, unit=unit).exists():
        return None
    url = f"{reverse('teams:today')}?{urlencode({'unit': unit.code, 'day': day.isoformat()})}"
    people = {p.pk for post in posts for p in post.people}
    return {
        "title": _("Emergency teams"),
        "url": reverse("teams:team_list"),
        "figures": [
            {"label": _("members deployed today"), "value": len(people), "url": url},
            {
                "label": _("units served"),
                "value": len({post.deployment.unit_id for post in posts}),
                "url": url,
            },
        ],
        "source": _("Deployments of the teams, by day at the unit."),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("teams.deployed", deployed_today, order=75)
