"""The daily report's panels of the command view (core.command): today's completeness
with the missing units, the case figures the units reported with the change since
yesterday, the 14-day trend and the breakdown by child unit, worst first.

Every figure is computed by the same queries as the completeness page (`queries.
get_summary`, `list_missing`, `get_trend`, `list_child_breakdown`), for the same form,
unit and day, so the two pages never disagree; only the totals of fields nobody shows here
are left out (they are the costly part of the aggregate: docs/performance.md)."""

from datetime import timedelta

from django.urls import reverse
from django.utils.http import urlencode

from . import queries
from .models import ReportForm

FORM = "daily"  # the one form of every unit (shipped); the overview's default too
MISSING_SHOWN = 10
TREND_DAYS = 14
CASE_FIELDS = ("confirmed", "suspected", "close_contacts", "under_observation")


def _form():
    return ReportForm.objects.filter(code=FORM, is_active=True).first()


def _overview(form, unit, day, **extra) -> str:
    query = {"form": form.code, "unit": unit.code, "day": day.isoformat(), **extra}
    return f"{reverse('reporting:overview')}?{urlencode(query)}"


def completeness(user, unit, now):
    form = _form()
    if form is None:
        return None
    day = unit.local_date(now)
    summary = queries.get_summary(form, unit, day, now=now, fields=[])
    if not summary["expected"]:
        return None
    overview = _overview(form, unit, day)
    return {
        "form": form,
        "day": day,
        "summary": summary,
        "missing": list(queries.list_missing(form, unit, day, now=now, limit=MISSING_SHOWN)),
        "url": overview,
        "missing_url": f"{overview}#missing",
        "late_url": f"{overview}#late",
    }


def reported_cases(user, unit, now):
    """The case figures of the filed reports, today's and yesterday's (one query)."""
    form = _form()
    if form is None:
        return None
    fields = [f for f in form.current_fields() if f.code in CASE_FIELDS]
    if not fields:
        return None
    day = unit.local_date(now)
    yesterday, today = queries.get_trend(form, unit, day, days=2, fields=fields, now=now)
    if not today.get("expected"):
        return None
    rows = []
    for f in fields:
        value = today["totals"].get(f.code)
        before = yesterday.get("totals", {}).get(f.code)
        change = None if value is None or before is None else value - before
        rows.append({"field": f, "value": value, "change": change})
    return {
        "day": day,
        "rows": rows,
        "filed": today["filed"],
        "expected": today["expected"],
        "url": _overview(form, unit, day),
        "yesterday": day - timedelta(days=1),
    }


def trend(user, unit, now):
    form = _form()
    if form is None:
        return None
    day = unit.local_date(now)
    days = queries.get_trend(form, unit, day, days=TREND_DAYS, fields=[], now=now)
    if not any(d.get("expected") for d in days):
        return None
    return {
        "chart": {
            "days": [d["day"].strftime("%m-%d") for d in days],
            "filed_rate": [d.get("filed_rate") for d in days],
            "on_time_rate": [d.get("on_time_rate") for d in days],
        },
        "url": f"{reverse('reporting:matrix')}?{urlencode({'unit': unit.code, 'day': day})}",
        "days": TREND_DAYS,
    }


def _worst_first(row):
    return (-row["missing"], -row["late"], -(row["expected"] - row["filed"]), row["unit"].code)


def breakdown(user, unit, now):
    form = _form()
    if form is None:
        return None
    day = unit.local_date(now)
    rows = queries.list_child_breakdown(form, unit, day, now=now, fields=[])
    if not rows:
        return None
    rows.sort(key=_worst_first)
    for row in rows:
        row["url"] = _overview(form, row["unit"], day)
    return {"rows": rows, "day": day, "url": _overview(form, unit, day)}


def register_panels() -> None:
    from fangkong.core.command import register_command_panel

    register_command_panel(
        "reporting.completeness",
        completeness,
        template="reporting/_command_completeness.html",
        order=10,
    )
    register_command_panel(
        "reporting.cases", reported_cases, template="reporting/_command_cases.html", order=20
    )
    # Deferred: the province's 14 days are 140,000 rows, more than the page may cost
    # (docs/performance.md, the command view).
    register_command_panel(
        "reporting.trend",
        trend,
        template="reporting/_command_trend.html",
        order=70,
        wide=True,
        deferred=True,
    )
    register_command_panel(
        "reporting.breakdown",
        breakdown,
        template="reporting/_command_breakdown.html",
        order=80,
        wide=True,
    )
