"""Staff health's items of the to-do list (core.tasks): today's check-ins not yet done in
the units I am the liaison of, and fever and health cases waiting for their next step in
the units I manage health for. Counts and units only: no person's name or temperature
leaves the pages that log who read them."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import scope_of
from fangkong.core.tasks import Task
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import list_root_units

from .choices import CaseState
from .models import HealthCase, Observation
from .permissions import HealthPerm
from .queries.checkins import get_checkin_summary

LIMIT = 10


def checkins_missing(user, now):
    scope = scope_of(user, HealthPerm.MANAGE_HEALTH)
    if scope.empty:
        return
    units = (
        Unit.objects.filter(scope.q("path"))
        .filter(
            Q(liaison__user=user)
            | Q(role_assignments__user=user, role_assignments__role=Role.LIAISON)
        )
        .distinct()
        .order_by("path")[:LIMIT]
    )
    for unit in units:
        day = unit.local_date(now)
        summary = get_checkin_summary(unit, day)
        if not summary["missing"]:
            continue
        yield Task(
            kind="health.checkins_missing",
            title=_("%(n)s people of %(unit)s have not checked in today")
            % {"n": summary["missing"], "unit": unit.name},
            url=reverse("health:checkins") + f"?unit={unit.code}&day={day}&tab=missing",
            unit=unit,
            count=summary["missing"],
        )


def cases_waiting(user, now):
    """Per top unit of my health scope: new cases to isolate and send for diagnosis
    (urgent), and cases under way that wait for their next step."""
    for unit in list_root_units(user, HealthPerm.MANAGE_HEALTH).order_by("path")[:LIMIT]:
        counts = (
            HealthCase.objects.in_subtree(unit)
            .exclude(state=CaseState.CLOSED)
            .aggregate(
                new=Count("pk", filter=Q(state=CaseState.REPORTED)),
                under_way=Count("pk", filter=~Q(state=CaseState.REPORTED)),
            )
        )
        url = reverse("health:case_list") + f"?unit={unit.code}"
        if counts["new"]:
            yield Task(
                kind="health.case_new",
                title=_("%(n)s new health cases in %(unit)s: isolate and send for diagnosis")
                % {"n": counts["new"], "unit": unit.name},
                url=f"{url}&state={CaseState.REPORTED}",
                unit=unit,
                urgent=True,
                count=counts["new"],
            )
        if counts["under_way"]:
            yield Task(
                kind="health.case_step",
                title=_("%(n)s health cases under way in %(unit)s: record the next step")
                % {"n": counts["under_way"], "unit": unit.name},
                url=url,
                unit=unit,
                count=counts["under_way"],
            )


def follow_ups_due(user, now):
    """Per top unit of my health scope: people under observation whose follow-up of
    today is not recorded yet (the next-morning sweep flags the missed ones)."""
    for unit in list_root_units(user, HealthPerm.MANAGE_HEALTH).order_by("path")[:LIMIT]:
        day = unit.local_date(now)
        due = (
            Observation.objects.in_subtree(unit)
            .filter(released_at__isnull=True, start_on__lte=day)
            .exclude(follow_ups__day=day)
            .count()
        )
        if due:
            yield Task(
                kind="health.follow_up",
                title=_("%(n)s people under observation in %(unit)s: record today's follow-up")
                % {"n": due, "unit": unit.name},
                url=reverse("health:observation_list") + f"?unit={unit.code}",
                unit=unit,
                count=due,
            )
