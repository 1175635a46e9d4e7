"""The daily reports' items of the to-do list (core.tasks): the reports a liaison files
(today's and yesterday's still missing) and, for the officers of a unit, the units below it
that missed today's cut-off (to chase)."""

from datetime import timedelta

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.core.scope import scope_of
from fangkong.core.tasks import Task
from fangkong.orgs.choices import Role
from fangkong.orgs.models import RoleAssignment

from .models import DailyReport
from .permissions import ReportingPerm

# Whose reports are "mine": the units I am the liaison of. Officers chase the others.
CHASERS = (Role.OFFICE, Role.LEADING_GROUP, Role.UNIT_ADMIN)
RECENT = timedelta(hours=36)  # a cut-off this recent and unmet is still on the list


def _report_url(report) -> str:
    return reverse("reporting:report", args=[report.form.code, report.unit.code, report.day])


def reports_due(user, now):
    scope = scope_of(user, ReportingPerm.FILE_REPORTS)
    if scope.empty:
        return
    mine = (
        DailyReport.objects.filter(
            scope.q("unit_path"),
            first_filed_at__isnull=True,
            deadline_at__gt=now - RECENT,
            deadline_at__lt=now + timedelta(days=1),
        )
        .filter(
            Q(unit__liaison__user=user)
            | Q(unit__role_assignments__user=user, unit__role_assignments__role=Role.LIAISON)
        )
        .select_related("unit", "form")
        .distinct()
        .order_by("deadline_at")[:20]
    )
    for report in mine:
        late = report.deadline_at <= now
        values = {
            "form": report.form.name,
            "unit": report.unit.name,
            "time": show(report.deadline_at, report.unit, "time"),
        }
        title = (
            _("%(form)s of %(unit)s: missed the %(time)s cut-off, file it now") % values
            if late
            else _("%(form)s of %(unit)s, due %(time)s") % values
        )
        yield Task(
            kind="reporting.report_due",
            title=title,
            url=_report_url(report),
            unit=report.unit,
            due_at=report.deadline_at,
            urgent=late,
        )


def units_missing(user, now):
    """For each unit I am an officer of: its units below that missed a cut-off today."""
    roles = (
        RoleAssignment.objects.filter(user=user, role__in=CHASERS)
        .select_related("unit")
        .order_by("unit__path")
    )
    seen: set[int] = set()
    for assignment in roles:
        unit = assignment.unit
        if unit.pk in seen:
            continue
        seen.add(unit.pk)
        missing = (
            DailyReport.objects.filter(
                first_filed_at__isnull=True,
                deadline_at__lte=now,
                deadline_at__gt=now - timedelta(days=1),
            )
            .in_subtree(unit, include_self=False)
            .values("form__code", "form__name", "day")
            .annotate(n=Count("pk"))
            .order_by("day", "form__code")
        )
        for row in missing:
            yield Task(
                kind="reporting.units_missing",
                title=_("%(n)s units below %(unit)s have not filed %(form)s of %(day)s")
                % {
                    "n": row["n"],
                    "unit": unit.name,
                    "form": row["form__name"],
                    "day": row["day"].strftime("%m-%d"),
                },
                url=reverse("reporting:overview")
                + f"?form={row['form__code']}&unit={unit.code}&day={row['day']}#missing",
                unit=unit,
                count=row["n"],
            )
