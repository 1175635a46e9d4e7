"""The notices' items of the to-do list (core.tasks): notices my units have to read,
acknowledge (签收) or reply to by a deadline."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.scope import scope_of
from fangkong.core.tasks import Task

from . import queries
from .permissions import NoticePerm


def notices_waiting(user, now):
    if scope_of(user, NoticePerm.ACK_NOTICES).empty:
        return
    for receipt in queries.waiting_for(user):
        notice = receipt.notice
        facts = {"number": notice.number, "title": notice.title}
        if receipt.read_at is None:
            kind, title = "notices.read", _("Notice to read: %(number)s %(title)s")
        elif receipt.acked_at is None:
            kind, title = "notices.ack", _("Notice to acknowledge: %(number)s %(title)s")
        else:
            kind, title = (
                "notices.reply",
                _("Notice waits for your written reply: %(number)s %(title)s"),
            )
        yield Task(
            kind=kind,
            title=title % facts,
            url=reverse("notices:notice_detail", args=[notice.pk]),
            unit=receipt.unit if hasattr(receipt, "unit") else None,
            due_at=notice.reply_by,
            urgent=bool(notice.reply_by and notice.reply_by <= now),
        )
