"""The organisation's item of the to-do list (core.tasks): a routing gap for those who
assign roles, the units of their scope with no liaison, so reminders, chases and the
units' own notices reach nobody there."""

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.fields import subtree_q
from fangkong.core.tasks import Task

from .choices import Role
from .models import RoleAssignment, Unit
from .permissions import OrgPerm
from .queries import list_root_units

LIMIT = 10


def units_without_liaison(user, now):
    tops = list_root_units(user, OrgPerm.MANAGE_ROLES)
    has_role = RoleAssignment.objects.filter(
        unit=OuterRef("pk"), role=Role.LIAISON, user__is_active=True
    )
    for top in tops.order_by("path")[:LIMIT]:
        lacking = (
            Unit.objects.filter(subtree_q("path", top.path), liaison__isnull=True)
            .exclude(Exists(has_role))
            .order_by("path")
        )
        count = lacking.count()
        if count:
            yield Task(
                kind="orgs.no_liaison",
                title=_("%(n)s units in %(unit)s have no liaison: their reminders reach nobody")
                % {"n": count, "unit": top.name},
                url=reverse("orgs:unit_detail", args=[lacking.first().code]),
                unit=top,
                count=count,
            )
