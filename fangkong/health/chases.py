"""催办 of check-ins not done (the check-in overview's 未晨检), through notify's mechanism:
the chased unit's liaisons are told about their people not checked in."""

from datetime import date

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput
from fangkong.notify.chases import ChaseKind, units_in_scope

from .permissions import HealthPerm


def what(day: date) -> str:
    return f"checkin:{day.isoformat()}"


def _day(ref: str) -> date:
    try:
        return date.fromisoformat(ref)
    except ValueError:
        raise InvalidInput({"what": _("Name a day: checkin:2020-02-03.")}) from None


def _resolve(actor, ref: str) -> str:
    return (_day(ref) if ref else timezone.localdate()).isoformat()


def _targets(actor, ref: str, codes: list[str]) -> list:
    # Who may see the check-in overview of the unit may chase it.
    return units_in_scope(actor, HealthPerm.VIEW_HEALTH, codes)


def _compose(ref: str, unit) -> tuple[object, object, str]:
    day = _day(ref)
    values = {"unit": unit.name, "day": day.strftime("%m-%d")}
    url = reverse("health:checkin_grid", args=[unit.code]) + f"?day={day.isoformat()}"
    return (
        lambda: _("Reminder: people of %(unit)s have not checked in on %(day)s") % values,
        _("Please have them check in, or enter their check-ins for them."),
        url,
    )


KIND = ChaseKind(
    code="checkin",
    label=_("Check-ins not done"),
    resolve=_resolve,
    targets=_targets,
    compose=_compose,
)


# --- follow-ups of people under observation (留观) missing ------------------------------


def followup_what(day: date) -> str:
    return f"followup:{day.isoformat()}"


def _followup_pending(ref: str, units: list) -> set[int]:
    """The units with someone under observation whose follow-up of the day is not in."""
    from .models import Observation

    day = _day(ref)
    open_here = Observation.objects.filter(
        unit__in=units, released_at__isnull=True, start_on__lte=day
    ).exclude(follow_ups__day=day)
    return set(open_here.values_list("unit_id", flat=True))


def _followup_compose(ref: str, unit) -> tuple[object, object, str]:
    day = _day(ref)
    values = {"unit": unit.name, "day": day.strftime("%m-%d")}
    return (
        lambda: _("Reminder: follow-ups of %(day)s missing at %(unit)s") % values,
        _("Please record today's temperature of each person under observation."),
        reverse("health:observation_list") + f"?unit={unit.code}",
    )


FOLLOWUP_KIND = ChaseKind(
    code="followup",
    label=_("Observation follow-ups missing"),
    resolve=_resolve,
    targets=_targets,
    compose=_followup_compose,
    pending=_followup_pending,
)
