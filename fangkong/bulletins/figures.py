"""The figures of a bulletin, as of a moment: each app's own figures through its own reads
— the command view's panels (`<app>/command.py`) and the queries they use — never counted
again here. Each section is plain data (numbers, text, links), kept on the bulletin as its
snapshot, so the same bulletin reads the same whenever it is opened or downloaded.

A section: {"key", "title", "url", "figures": [{"label", "value", "change", "url"}],
"items": [{"text", "url"}], "note"}; a section with nothing to say is left out, and an app
whose reads fail is logged and left out (one broken app never blanks the bulletin)."""

from __future__ import annotations

import logging
from datetime import datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from fangkong.core.fields import subtree_q

log = logging.getLogger(__name__)
ITEMS_SHOWN = 10


def _fig(label, value, url="", change=None) -> dict:
    return {"label": str(label), "value": value, "change": change, "url": url}


def _section(key, title, url, figures, items=(), note="") -> dict:
    return {
        "key": key,
        "title": str(title),
        "url": url,
        "figures": figures,
        "items": list(items),
        "note": str(note),
    }


def _local(unit, moment: datetime) -> str:
    return timezone.localtime(moment, unit.tzinfo).strftime("%H:%M")


def day_start(unit, as_of: datetime) -> datetime:
    return datetime.combine(unit.local_date(as_of), time.min, tzinfo=unit.tzinfo)


def reporting(user, unit, as_of):
    from fangkong.reporting import command

    done = command.completeness(user, unit, as_of)
    if done is None:
        return None
    s = done["summary"]
    figures = [
        _fig(_("Expected"), s["expected"], done["url"]),
        _fig(_("Filed"), s["filed"], done["url"]),
        _fig(_("filed on time"), s["on_time"], done["url"]),
        _fig(_("Late"), s["late"], done["late_url"]),
        _fig(_("Missing"), s["missing"], done["missing_url"]),
    ]
    items = [{"text": f"{r.unit.name}", "url": done["missing_url"]} for r in done["missing"]]
    cases = command.reported_cases(user, unit, as_of)
    if cases:
        for row in cases["rows"]:
            figures.append(_fig(row["field"].label, row["value"], cases["url"], row["change"]))
    return _section(
        "reporting",
        _("Report completeness"),
        done["url"],
        figures,
        items,
        _("Missing after the cut-off:") if items else "",
    )


def health(user, unit, as_of):
    from fangkong.health import command
    from fangkong.health.queries.cases import list_cases

    counts = command.cases(user, unit, as_of)
    if counts is None:
        return None
    c = counts["cases"]
    figures = [
        _fig(_("Confirmed"), c["confirmed"]["value"], counts["url"], c["confirmed"]["change"]),
        _fig(_("Suspected"), c["suspected"]["value"], counts["url"], c["suspected"]["change"]),
        _fig(_("close contacts"), counts["close_contacts"], counts["observation_url"]),
        _fig(_("under observation"), counts["observation"], counts["observation_url"]),
        _fig(_("Open cases"), c["open"]["value"], counts["url"], c["open"]["change"]),
    ]
    start = day_start(unit, as_of)
    cases = list_cases(user, unit=unit, state="all")
    opened = cases.filter(opened_at__gte=start, opened_at__lte=as_of).count()
    closed = cases.filter(closed_at__gte=start, closed_at__lte=as_of).count()
    all_url = f"{reverse('health:case_list')}?{urlencode({'unit': unit.code, 'state': 'all'})}"
    figures.append(_fig(_("fever cases opened today"), opened, all_url))
    figures.append(_fig(_("fever cases closed today"), closed, all_url))
    return _section("health", _("Health cases"), counts["url"], figures)


def incidents(user, unit, as_of):
    from fangkong.incidents import command
    from fangkong.incidents.queries import list_incidents

    counts = command.incidents(user, unit, as_of)
    today = list_incidents(user, unit=unit, state="all", now=as_of).filter(
        discovered_at__gte=day_start(unit, as_of), discovered_at__lte=as_of
    )
    rows = list(today[:ITEMS_SHOWN])
    figures = [
        _fig(_("incidents today"), today.count(), counts["open_url"]),
        _fig(_("open incidents"), counts["open"], counts["open_url"]),
        _fig(_("overdue clocks"), counts["overdue"], counts["overdue_url"]),
    ]
    items = []
    for i in rows:
        late = _("clock overdue") if i.overdue else _("clocks on time")
        items.append(
            {
                "text": f"{_local(unit, i.discovered_at)} {i.unit.name} "
                f"{i.get_kind_display()}（{late}）",
                "url": reverse("incidents:detail", args=[i.pk]),
            }
        )
    for u in counts["unsigned"][:ITEMS_SHOWN]:
        items.append(
            {
                "text": _("%(name)s has not signed %(n)s") % {"name": u["name"], "n": u["count"]},
                "url": counts["open_url"],
            }
        )
    return _section("incidents", _("Incidents"), counts["open_url"], figures, items)


def duty(user, unit, as_of):
    from fangkong.duty.queries.coverage import active_rooms, list_upcoming_gaps
    from fangkong.duty.queries.on_duty import nearest_room

    rooms = list(active_rooms().filter(subtree_q("unit__path", unit.path)))
    if not rooms:
        room = nearest_room(unit)
        rooms = [room] if room else []
    if not rooms:
        return None
    gaps = list_upcoming_gaps(rooms, as_of)
    url = f"{reverse('duty:now')}?{urlencode({'unit': unit.code})}"
    short = [r for r in rooms if any(gaps.get(r.pk, {}).values())]
    items = [
        {"text": r.unit.name, "url": f"{reverse('duty:now')}?{urlencode({'unit': r.unit.code})}"}
        for r in short[:ITEMS_SHOWN]
    ]
    figures = [
        _fig(_("duty rooms"), len(rooms), url),
        _fig(_("rooms with coverage gaps (7 days)"), len(short), url),
    ]
    return _section("duty", _("Duty rooms"), url, figures, items)


def supplies(user, unit, as_of):
    from fangkong.supplies import command
    from fangkong.supplies.queries.requests import list_requests

    board = command.shortfalls(user, unit, as_of)
    pending = list_requests(user, unit, waiting=True).count()
    if board is None and not pending:
        return None
    url = board["url"] if board else f"{reverse('supplies:board')}?{urlencode({'unit': unit.code})}"
    figures = []
    items = []
    if board:
        for row in board["totals"]:
            figures.append(
                _fig(
                    _("%(item)s: units below safety") % {"item": row["item"].name},
                    row["units"],
                    url,
                )
            )
    req_url = f"{reverse('supplies:request_list')}?{urlencode({'unit': unit.code})}"
    figures.append(_fig(_("supply requests pending"), pending, req_url))
    return _section("supplies", _("Supplies below safety"), url, figures, items)


def inspections(user, unit, as_of):
    from fangkong.inspections import command
    from fangkong.inspections.queries import list_visits

    panel = command.rectifications(user, unit, as_of)
    visits = list_visits(user, unit=unit).filter(day=unit.local_date(as_of)).count()
    if panel is None and not visits:
        return None
    url = panel["url"] if panel else reverse("inspections:board")
    figures = [_fig(_("inspection visits today"), visits, url)]
    if panel:
        figures += [_fig(f["label"], f["value"], f["url"]) for f in panel["figures"]]
    return _section("inspections", _("Inspections and rectification"), url, figures)


def donations(user, unit, as_of):
    from fangkong.donations import command

    panel = command.donations(user, unit, as_of)
    if panel is None:
        return None
    figures = [_fig(f["label"], str(f["value"]), f["url"]) for f in panel["figures"]]
    return _section("donations", _("Donations"), panel["url"], figures)


SECTIONS = (reporting, health, incidents, duty, supplies, inspections, donations)


def collect(user, unit, as_of: datetime) -> list[dict]:
    """The sections of `unit`'s bulletin as of `as_of`, as `user` may see them."""
    result = []
    for fn in SECTIONS:
        try:
            section = fn(user, unit, as_of)
        except Exception:
            log.exception("The bulletin section %s failed", fn.__name__)
            continue
        if section:
            result.append(section)
    return result


def yesterday(day):
    return day - timedelta(days=1)
