"""The donations' item of the to-do list (core.tasks): a liaison's unit that has entered no
gift yet for an open campaign covering it."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.core.tasks import Task
from fangkong.orgs.choices import Role
from fangkong.orgs.models import RoleAssignment

from . import queries
from .choices import CampaignState

LIMIT = 10


def gifts_to_enter(user, now):
    units = [
        a.unit
        for a in RoleAssignment.objects.filter(user=user, role=Role.LIAISON).select_related("unit")
    ]
    if not units:
        return
    shown = 0
    for campaign in queries.list_campaigns(user, state=CampaignState.OPEN)[:LIMIT]:
        for unit in queries.units_missing_gifts(user, campaign, units):
            if shown >= LIMIT:
                return
            shown += 1
            url = reverse("donations:gift_new", args=[campaign.pk])
            yield Task(
                kind="donations.gifts_to_enter",
                title=_("Enter the donations of %(unit)s for “%(campaign)s”")
                % {"unit": unit.name, "campaign": campaign.name},
                url=f"{url}?{urlencode({'unit': unit.code})}",
                unit=unit,
            )
