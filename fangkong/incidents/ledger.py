"""How the accountability ledger shows an incident's late clock: the clock by its name
(电话报告, 书面报告, 签收) and the incident by its title and unit, linked — never a code
or an id (issue 10). Registered with accountability.kinds from the app's ready()."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.accountability.kinds import when

from .choices import ClockKind
from .models import Incident

MISSING = object()


def prefetch(entries) -> None:
    """The incidents of a page of entries, with their units, in one query."""
    ids = {e.facts.get("incident") for e in entries}
    found = {
        i.pk: i
        for i in Incident.objects.filter(pk__in=[i for i in ids if isinstance(i, int)])
        .select_related("unit")
        .only("pk", "title", "unit__name")
    }
    for entry in entries:
        entry.incident_ref = found.get(entry.facts.get("incident"))


def _incident(entry) -> Incident | None:
    incident = entry.__dict__.get("incident_ref", MISSING)
    if incident is MISSING:  # one entry on its own (a row re-rendered after a note)
        prefetch([entry])
        incident = entry.incident_ref
    return incident


def describe(entry) -> str:
    clock = entry.facts.get("clock")
    label = ClockKind(clock).label if clock in ClockKind.values else _("Deadline")
    incident = _incident(entry)
    subject = (
        _("incident: %(title)s (%(unit)s)") % {"title": incident.title, "unit": incident.unit.name}
        if incident is not None
        else _("an incident no longer on record")
    )
    return _("%(clock)s (due %(due)s), %(incident)s") % {
        "clock": label,
        "incident": subject,
        "due": when(entry, "due_at"),
    }


def link(entry) -> str:
    incident = entry.facts.get("incident")
    return reverse("incidents:detail", args=[incident]) if isinstance(incident, int) else ""
