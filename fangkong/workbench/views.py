"""The home page (工作台) with the user's to-do list, refreshed in place by htmx, and the
command view (一张图) of a subtree."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from fangkong.core.localtime import show
from fangkong.core.tasks import tasks_for
from fangkong.orgs import queries as org_queries

from . import queries as command_queries


def time_left(delta: timedelta) -> str:
    """ "2 小时 5 分" from a timedelta; the caller says whether it is left or overdue."""
    minutes = max(int(abs(delta.total_seconds()) // 60), 0)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    if days:
        return ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    if hours:
        return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
    return ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes}


def _rows(user, now):
    rows = []
    for task in tasks_for(user, now):
        row = {"task": task, "due": "", "left": "", "overdue": False}
        if task.due_at is not None:
            row["due"] = show(task.due_at, task.unit, "short")
            row["overdue"] = task.due_at <= now
            row["left"] = time_left(task.due_at - now)
        rows.append(row)
    return rows


def _tasks_context(request):
    now = timezone.now()
    rows = _rows(request.user, now)
    return {"rows": rows, "task_total": len(rows), "now": now}


@login_required
def home(request):
    roots = list(org_queries.list_root_units(request.user).order_by("path"))
    for unit in roots:
        unit.head_count = org_queries.head_count(unit)
    return render(request, "workbench/home.html", {"roots": roots, **_tasks_context(request)})


@login_required
def task_list(request):
    """htmx partial: the list again (every minute, and after something was done)."""
    return render(request, "workbench/_tasks.html", _tasks_context(request))


@login_required
def task_count(request):
    """htmx partial: the count in the navigation bar."""
    return render(
        request, "workbench/_task_count.html", {"task_total": len(tasks_for(request.user))}
    )


# --- the command view (一张图) -----------------------------------------------------------


@login_required
def command(request):
    """One page of a subtree's figures (?unit=CODE, default the top of the scope), as of
    now or of `at=` (an ISO time); `wall=1` is the duty room's wall screen: no navigation,
    larger type, the panels fetched again every minute (htmx, no reload)."""
    unit = command_queries.get_command_unit(request.user, (request.GET.get("unit") or "").strip())
    at = command_queries.parse_moment(request.GET.get("at", ""), unit)
    moment = at or timezone.now()
    wall = request.GET.get("wall") == "1"
    only = request.GET.get("panel", "")
    context = {
        "unit": unit,
        "at": at,
        "moment": moment,
        "wall": wall,
        "panels": command_queries.list_command_panels(request.user, unit, moment, only),
        "unit_choices": org_queries.list_unit_choices(request.user),
        "at_value": show(at, unit).replace(" ", "T") if at else "",
        "panel_query": urlencode({"unit": unit.code, "at": moment.isoformat()}),
        "breadcrumbs": [] if wall else org_queries.get_breadcrumbs(request.user, unit),
        "breadcrumb_tail": _("Command view"),
    }
    if only:  # a deferred panel, fetched by the page once it has loaded
        return render(
            request, "workbench/_command_panel.html", {**context, "p": context["panels"][0]}
        )
    if request.headers.get("HX-Request"):
        return render(request, "workbench/_command_panels.html", context)
    return render(request, "workbench/command.html", context)
