"""The supplies ledger's items of the to-do list (core.tasks): requests waiting for my
decision (overdue ones urgent), and transfers to units I keep stock of waiting for their
receipt to be confirmed."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.core.localtime import show
from fangkong.core.tasks import Task

from . import queries

LISTED = 5


def requests_to_decide(user, now):
    for request in queries.list_requests_to_decide(user)[:LISTED]:
        values = {
            "unit": request.unit.name,
            "item": request.item.name,
            "n": request.quantity,
            "uom": request.item.unit_of_measure,
        }
        yield Task(
            kind="supplies.request",
            title=_("Decide the request of %(unit)s for %(n)s %(uom)s of %(item)s") % values,
            url=reverse("supplies:request_detail", args=[request.pk]),
            unit=request.at_unit,
            due_at=request.due_at,
            urgent=request.urgency == "urgent" or request.due_at <= now,
        )


def receipts_to_confirm(user, now):
    for transfer in queries.list_transfers_to_confirm(user)[:LISTED]:
        values = {
            "from": transfer.from_unit.name,
            "item": transfer.item.name,
            "n": transfer.quantity_sent,
            "uom": transfer.item.unit_of_measure,
            "to": transfer.to_unit.name,
            "sent": show(transfer.sent_at, transfer.to_unit, "short"),
        }
        yield Task(
            kind="supplies.receipt",
            title=_("%(to)s: confirm the %(n)s %(uom)s of %(item)s sent by %(from)s on %(sent)s")
            % values,
            url=queries.transfer_url(transfer),
            unit=transfer.to_unit,
            urgent=transfer.chased_at is not None,
        )
