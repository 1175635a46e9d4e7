"""What disinfection and ventilation tell people, through notify's one entry point
(`queue`) on the topic registered in apps.py (`site_slot_missed`). Called inside the
writing transaction: the message exists if and only if the change commits."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.notify.services import queue
from fangkong.orgs.choices import Role
from fangkong.orgs.queries import list_liaison_user_ids, nearest_role_holders

TOPIC = "site_slot_missed"


def site_url(slot) -> str:
    url = reverse("sites:site", args=[slot.site.code])
    return f"{url}?{urlencode({'day': slot.day.isoformat()})}"


def tell_missed(slot) -> int:
    """A slot nobody logged in time: the site's liaisons (else the unit admins or office
    nearest above it) hear once (the key is the slot's)."""
    site = slot.site
    users = list_liaison_user_ids([site]).get(site.pk, set())
    if not users:
        users = set(
            nearest_role_holders([site], (Role.UNIT_ADMIN, Role.OFFICE)).get(site.pk, (None, []))[1]
        )
    values = {
        "site": site.name,
        "label": slot.label or slot.get_covers_display(),
        "start": show(slot.starts_at, site, "short"),
        "end": show(slot.missed_at, site, "time"),
    }
    return queue(
        key=f"site-slot-missed:{slot.pk}",
        topic=TOPIC,
        unit=site,
        users=users,
        subject=lambda v=values: _("%(site)s: the %(label)s of %(start)s was missed") % v,
        body=lambda v=values: (
            _("Nobody logged the disinfection or ventilation by %(end)s. It is in the ledger.") % v
        ),
        url=site_url(slot),
    )
