"""The disinfection panel of the command view (core.command): the subtree's slots of the
day (done, late, missed, still open) from the kept tallies, linking to compliance."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from . import queries


def compliance(user, unit, now):
    day = unit.local_date(now)
    c = queries.get_compliance_totals(unit, day)
    if not c["total"]:
        return None
    url = f"{reverse('sites:compliance')}?{urlencode({'unit': unit.code, 'day': day.isoformat()})}"
    rate = f"{c['rate']}%" if c["rate"] is not None else "—"
    return {
        "title": _("Disinfection and ventilation today"),
        "url": url,
        "figures": [
            {"label": _("Logged in all"), "value": c["done"] + c["late"], "url": url},
            {"label": _("Missed"), "value": c["missed"], "url": f"{url}&state=missed"},
            {"label": _("Still open"), "value": c["expected"], "url": f"{url}&state=expected"},
            {"label": _("Done of those due"), "value": rate, "url": url},
        ],
        "source": _("%(n)s slots today; %(late)s of them logged late.")
        % {"n": c["total"], "late": c["late"]},
    }


def register_panels() -> None:
    from fangkong.core.command import PLAIN, register_command_panel

    register_command_panel("sites.compliance", compliance, template=PLAIN, order=55)
