"""The bulletin's items of the to-do list (core.tasks): a draft waiting for my approval
(leading group; not one I generated or edited), an approved bulletin waiting for my office
to publish it."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import scope_of

from .choices import BulletinState
from .models import Bulletin
from .permissions import BulletinPerm

LIMIT = 10


def _url(b: Bulletin) -> str:
    return reverse("bulletins:detail", args=[b.unit.code, b.day.isoformat()])


def bulletins_waiting(user, now):
    from fangkong.core.tasks import Task

    approver = scope_of(user, BulletinPerm.APPROVE_BULLETINS)
    if not approver.empty:
        drafts = (
            Bulletin.objects.filter(approver.q("unit_path"), state=BulletinState.DRAFT)
            .exclude(generated_by=user)
            .exclude(edited_by=user)
            .select_related("unit")
            .order_by("-day")[:LIMIT]
        )
        for b in drafts:
            yield Task(
                kind="bulletins.approve",
                title=_("Bulletin of %(unit)s for %(day)s waits for your approval")
                % {"unit": b.unit.name, "day": b.day.strftime("%m-%d")},
                url=_url(b),
                unit=b.unit,
            )
    editor = scope_of(user, BulletinPerm.EDIT_BULLETINS)
    if not editor.empty:
        approved = (
            Bulletin.objects.filter(editor.q("unit_path"), state=BulletinState.APPROVED)
            .select_related("unit")
            .order_by("-day")[:LIMIT]
        )
        for b in approved:
            yield Task(
                kind="bulletins.publish",
                title=_("Approved bulletin of %(unit)s for %(day)s waits to be published")
                % {"unit": b.unit.name, "day": b.day.strftime("%m-%d")},
                url=_url(b),
                unit=b.unit,
            )
