"""催办 of a level's acknowledgement (签收) of an incident, through notify's one mechanism:
whoever sees the incident may remind the receiving levels that have not signed. The
reminder goes to the level's officers (and notify adds its routing rules' people); the
people on duty are told of the incident itself already."""

from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput
from fangkong.notify.chases import ChaseKind, unknown_units
from fangkong.notify.recipients import on_duty_user_ids

from . import queries
from .choices import IncidentState
from .models import Incident, Receipt
from .services import _command


def what(incident) -> str:
    return f"ack:{incident.pk}"


def _incident(ref: str) -> Incident:
    if not ref.isdigit():
        raise InvalidInput({"what": _("Name an incident: ack:17.")})
    incident = Incident.objects.filter(pk=int(ref)).first()
    if incident is None:
        raise Http404
    return incident


def _resolve(actor, ref: str) -> str:
    incident = queries.get_incident_for(actor, _incident(ref).pk)  # 404 for outsiders
    if incident.state != IncidentState.OPEN:
        raise InvalidInput({"what": _("This incident is closed.")})
    return str(incident.pk)


def _targets(actor, ref: str, codes: list[str]) -> list:
    receipts = {
        r.unit.code: r.unit
        for r in Receipt.objects.filter(incident_id=int(ref)).select_related("unit")
    }
    unknown = [c for c in codes if c not in receipts]
    if unknown:
        raise unknown_units(unknown)
    return [receipts[c] for c in codes]


def _pending(ref: str, units: list) -> set[int]:
    return set(
        Receipt.objects.filter(
            incident_id=int(ref), unit__in=units, acknowledged_at__isnull=True
        ).values_list("unit_id", flat=True)
    )


def _recipients(ref: str, units: list) -> dict[int, set[int]]:
    return {u.pk: set(_command(u)) | on_duty_user_ids(u) for u in units}


def _compose(ref: str, unit) -> tuple[object, object, str]:
    incident = _incident(ref)
    values = {"unit": unit.name, "title": incident.title}
    return (
        lambda: _("Reminder: %(unit)s has not signed for the incident %(title)s") % values,
        _("Please sign (签收) for your level now."),
        reverse("incidents:detail", args=[incident.pk]),
    )


KIND = ChaseKind(
    code="ack",
    label=_("Acknowledgements"),
    resolve=_resolve,
    targets=_targets,
    compose=_compose,
    pending=_pending,
    recipients=_recipients,
)
