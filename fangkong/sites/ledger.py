"""The ledger's kind of a missed slot (accountability.kinds): its one line and its link."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.accountability.kinds import when

from .choices import Covers


def describe(entry) -> str:
    f = entry.facts
    return _("%(label)s (%(covers)s) from %(start)s not logged by %(end)s") % {
        "label": f.get("label") or _("Slot %(n)s") % {"n": f["number"]},
        "covers": Covers(f["covers"]).label,
        "start": when(entry, "starts_at"),
        "end": when(entry, "missed_at"),
    }


def link(entry) -> str:
    url = reverse("sites:site", args=[entry.unit.code])
    return f"{url}?{urlencode({'day': entry.day.isoformat()})}"
