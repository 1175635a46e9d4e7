"""Reminders before the cut-off and the list of missing units after it (seed 000:
严格落实疫情防控日报告和零报告制度; seed 004: 嚴防發生緩報、瞞報、漏報).

Run by `fangkong worker` (sweep "reporting.reminders"). Each message carries a dedupe key,
so running the sweep twice, or from two workers at once, queues nothing twice:
- `remind:{report id}:{minutes}`: to the liaisons of a unit that has not filed, at each of
  its assignment's `reminder_minutes` before the cut-off;
- `remind:{form}:{day}:{minutes}:{cut-off}`: the same, one list per unit channel (a group
  robot gets one message naming its units, not one per unit);
- `missing:{form}:{office unit}:{day}`: after the cut-off, one list of the missing units to
  the epidemic office above them.
The notify app turns each key into one row per recipient (`…|u{user}`, `…|c{channel}`).
"""

from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from fangkong.notify import queries as notify_queries
from fangkong.notify.services import cached_lookups, queue
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import list_liaison_user_ids, nearest_role_holders

from .models import Assignment, DailyReport
from .services import _matches

# A missing list is news for a day; after that the completeness pages tell it.
MISSING_WINDOW = timedelta(hours=24)
LISTED_UNITS = 30  # a robot message has a size limit; the page has the full list


def send_reminders(now: datetime | None = None) -> dict[str, int]:
    """Queue the reminders and missing lists due at `now`. Idempotent (see above)."""
    now = now or timezone.now()
    with translation.override(settings.LANGUAGE_CODE), cached_lookups():
        return {"reminders": remind_before_cutoff(now), "missing_lists": list_missing(now)}


def _days_around(now) -> tuple:
    today = timezone.localdate(now)
    return today - timedelta(days=1), today + timedelta(days=1)


def _local(moment: datetime, unit: Unit) -> datetime:
    return unit.local_time(moment)


def _unit_list(units) -> str:
    names = [u.name for u in units[:LISTED_UNITS]]
    text = pgettext("list separator", ", ").join(names)
    if len(units) > LISTED_UNITS:
        text = _("%(units)s and %(more)s more") % {"units": text, "more": len(units) - LISTED_UNITS}
    return text


def _minutes(assignment: Assignment) -> list[int]:
    minutes = assignment.reminder_minutes or []
    return sorted({m for m in minutes if type(m) is int and m > 0})


def _assignment_for(report: DailyReport, assignments: list[Assignment]) -> Assignment | None:
    """The assignment that set the report's cut-off: as services.expected_assignment,
    from assignments loaded once."""
    unit = report.unit
    lineage = {*unit.ancestor_ids, unit.pk}
    candidates = [
        a
        for a in assignments
        if a.root_id in lineage and a.covers_day(report.day) and _matches(a, unit)
    ]
    return min(candidates, key=lambda a: (a.deadline, a.grace_minutes), default=None)


def remind_before_cutoff(now: datetime) -> int:
    """For each report not filed yet, the latest of its reminder points (`reminder_minutes`
    before the cut-off) that has passed: a worker that was down for the 60-minute point
    sends only the 15-minute one. Returns the number of messages queued."""
    assignments: dict[int, list[Assignment]] = defaultdict(list)
    for assignment in Assignment.objects.filter(form__is_active=True):
        assignments[assignment.form_id].append(assignment)
    reminding = {f: a for f, a in assignments.items() if any(_minutes(x) for x in a)}
    if not reminding:
        return 0
    horizon = max(
        m + x.grace_minutes for a in reminding.values() for x in a for m in _minutes(x) or [0]
    )
    reports = (
        DailyReport.objects.filter(
            form_id__in=list(reminding),
            day__range=_days_around(now),
            first_filed_at__isnull=True,
            deadline_at__gt=now,
            deadline_at__lte=now + timedelta(minutes=horizon),
        )
        .select_related("unit", "form")
        .order_by("unit_path")
    )
    due = []  # (report, minutes, nominal cut-off)
    for report in reports:
        assignment = _assignment_for(report, reminding[report.form_id])
        if assignment is None:
            continue
        # Reminders count down to the cut-off itself, not to the end of the grace period.
        cutoff = report.deadline_at - timedelta(minutes=assignment.grace_minutes)
        passed = [m for m in _minutes(assignment) if cutoff - timedelta(minutes=m) <= now < cutoff]
        if passed:
            due.append((report, min(passed), cutoff))
    if not due:
        return 0
    units = [report.unit for report, _m, _c in due]
    liaisons = list_liaison_user_ids(units)
    channels = notify_queries.list_channels_for_units(units)
    queued = 0
    digests: dict[tuple, list] = defaultdict(list)
    for report, minutes, cutoff in due:
        unit, form = report.unit, report.form
        values = {
            "unit": unit.name,
            "form": form.name,
            "day": report.day.isoformat(),
            "deadline": _local(cutoff, unit).strftime("%H:%M"),
        }
        # The unit's robots get the digest below, not one message per unit (channels=()).
        queued += queue(
            key=f"remind:{report.pk}:{minutes}",
            topic="reminder",
            unit=unit,
            channels=(),
            subject=lambda v=values: (
                _(
                    "[Filing reminder] The %(form)s of %(unit)s for %(day)s "
                    "has not been filed; the cut-off is %(deadline)s."
                )
                % v
            ),
            body=lambda m=minutes: (
                _(
                    "%(minutes)s minutes left. File the report, or a zero "
                    "report if there is nothing new to report."
                )
                % {"minutes": m}
            ),
            users=sorted(liaisons.get(unit.pk, ())),
            url=reverse("reporting:report", args=[form.code, unit.code, report.day.isoformat()]),
        )
        for channel in channels[unit.pk]:
            digests[(channel, form, report.day, minutes, cutoff)].append(unit)
    for (channel, form, day, minutes, cutoff), units_ in digests.items():
        values = {
            "count": len(units_),
            "form": form.name,
            "day": day.isoformat(),
            "deadline": _local(cutoff, channel.unit).strftime("%H:%M"),
        }
        # A digest for one robot or mailbox: its people heard of each unit above.
        queued += queue(
            key=f"remind:{form.code}:{day}:{minutes}:{int(cutoff.timestamp())}",
            subject=ngettext(
                "[Filing reminder] %(count)s unit has not filed the %(form)s for %(day)s; "
                "the cut-off is %(deadline)s.",
                "[Filing reminder] %(count)s units have not filed the %(form)s for %(day)s; "
                "the cut-off is %(deadline)s.",
                len(units_),
            )
            % values,
            body=_("Not filed yet: %(units)s") % {"units": _unit_list(units_)},
            channels=[channel],
            rules=False,
            unit=channel.unit,
            topic="reminder",
        )
    return queued


def list_missing(now: datetime) -> int:
    """After the cut-off, one message per (form, day, epidemic office) listing the units
    under that office that have not filed: to the users holding the office role on the
    nearest unit above the missing units that has any, and to that unit's channels. Sent
    once the last cut-off of those units has passed, so a late time zone is not left out.
    Returns the number of messages queued."""
    unfiled = DailyReport.objects.filter(
        form__is_active=True, day__range=_days_around(now), first_filed_at__isnull=True
    )
    pairs = set(
        unfiled.filter(deadline_at__lte=now, deadline_at__gt=now - MISSING_WINDOW)
        .values_list("form_id", "day")
        .distinct()
    )
    queued = 0
    for form_id, day in sorted(pairs):
        reports = list(
            unfiled.filter(form_id=form_id, day=day)
            .select_related("unit", "form")
            .order_by("unit_path")
        )
        offices = nearest_role_holders([r.unit for r in reports], Role.OFFICE, strict=True)
        by_office: dict[int, list[DailyReport]] = defaultdict(list)
        for report in reports:
            if report.unit_id in offices:
                by_office[offices[report.unit_id][0]].append(report)
        office_units = Unit.objects.in_bulk(list(by_office))
        for office_id, office_reports in by_office.items():
            if any(r.deadline_at > now for r in office_reports):
                continue  # some cut-off under this office is still ahead
            office, form = office_units[office_id], office_reports[0].form
            holders = offices[office_reports[0].unit_id][1]
            units = [r.unit for r in office_reports]
            values = {
                "count": len(units),
                "office": office.name,
                "form": form.name,
                "day": day.isoformat(),
            }
            query = urlencode({"form": form.code, "unit": office.code, "day": day.isoformat()})
            queued += queue(
                key=f"missing:{form.code}:{office.pk}:{day}",
                topic="missing",
                unit=office,
                subject=lambda v=values: (
                    ngettext(
                        "[Missing reports] %(count)s unit under %(office)s did not file the "
                        "%(form)s for %(day)s by the cut-off.",
                        "[Missing reports] %(count)s units under %(office)s did not file the "
                        "%(form)s for %(day)s by the cut-off.",
                        v["count"],
                    )
                    % v
                ),
                body=lambda u=units: _("Missing: %(units)s") % {"units": _unit_list(u)},
                users=holders,
                url=f"{reverse('reporting:overview')}?{query}",
            )
    return queued
