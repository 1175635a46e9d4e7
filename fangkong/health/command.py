"""Staff health's panels of the command view (core.command): today's check-in
completeness with the fevers (from the per-unit tallies, as the check-in page counts
them), and the health cases and observations open at the moment asked about."""

from django.urls import reverse
from django.utils.http import urlencode

from .queries.cases import get_case_counts_for
from .queries.checkins import get_checkin_summary_for


def _url(name: str, **query) -> str:
    return f"{reverse(name)}?{urlencode(query)}"


def checkins(user, unit, now):
    day = unit.local_date(now)
    summary = get_checkin_summary_for(user, unit, day)
    if not summary["expected"]:
        return None
    query = {"unit": unit.code, "day": day.isoformat()}
    return {
        "day": day,
        "summary": summary,
        "missing_url": _url("health:checkins", **query, tab="missing"),
        "fever_url": _url("health:checkins", **query, tab="fever"),
        "url": _url("health:checkins", **query, tab="all"),
    }


def cases(user, unit, now):
    counts = get_case_counts_for(user, unit, now)
    if counts is None:
        return None
    return {
        **counts,
        "url": _url("health:case_list", unit=unit.code, state="open"),
        "observation_url": _url("health:observation_list", unit=unit.code, state="open"),
    }


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel("health.cases", cases, template="health/_command_cases.html", order=25)
    register_command_panel(
        "health.checkins", checkins, template="health/_command_checkins.html", order=30
    )
