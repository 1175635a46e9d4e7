"""What the supplies ledger tells people, all through notify's one entry point (`queue`)
on the topics registered in apps.py: a unit falling short (`supply_shortfall`), a request
waiting, decided or overdue (`supply_request`), a receipt not confirmed
(`supply_receipt`). Called inside the writing transaction: the messages exist if and
only if the change commits."""

from django.urls import reverse
from django.utils.translation import gettext as _

from fangkong.notify.services import queue
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit
from fangkong.orgs.queries import list_liaison_user_ids, nearest_role_holders

DECIDERS = (Role.OFFICE, Role.UNIT_ADMIN)


def _deciders(unit: Unit, *, strict: bool = False) -> list[int]:
    return nearest_role_holders([unit], DECIDERS, strict=strict).get(unit.pk, (None, []))[1]


def _request_url(request) -> str:
    return reverse("supplies:request_detail", args=[request.pk])


def tell_shortfall(balance, unit: Unit, item, now) -> int:
    """A unit's item fell below its safety level or out of stock: its liaisons and the
    office above it hear once per state and day."""
    users = set(list_liaison_user_ids([unit]).get(unit.pk, set()))
    users |= set(_deciders(unit, strict=True))
    values = {"unit": unit.name, "item": item.name, "state": balance.get_state_display()}
    cover = balance.days_of_cover
    return queue(
        key=f"supply-short:{unit.pk}:{item.pk}:{unit.local_date(now)}:{balance.state}",
        topic="supply_shortfall",
        unit=unit,
        users=users,
        subject=lambda v=values: _("%(unit)s: %(item)s %(state)s") % v,
        body=lambda b=balance, c=cover, i=item: (
            _("Balance %(n)s %(uom)s, %(days)s days of cover; short by %(short)s.")
            % {
                "n": b.quantity,
                "uom": i.unit_of_measure,
                "days": c if c is not None else "—",
                "short": b.shortfall,
            }
        ),
        url=reverse("supplies:board") + f"?unit={unit.code}",
    )


def tell_deciders(request, now) -> int:
    at_unit = Unit.objects.get(pk=request.at_unit_id)
    values = {
        "unit": request.unit.name,
        "item": request.item.name,
        "n": request.quantity,
        "uom": request.item.unit_of_measure,
    }
    urgent = request.urgency == "urgent"
    return queue(
        key=f"supply-request:{request.pk}:at:{at_unit.pk}",
        topic="supply_request",
        unit=at_unit,
        users=_deciders(at_unit),
        subject=lambda v=values, u=urgent: (
            (
                _("Urgent request: %(unit)s asks for %(n)s %(uom)s of %(item)s")
                if u
                else _("Request: %(unit)s asks for %(n)s %(uom)s of %(item)s")
            )
            % v
        ),
        body=request.reason,
        url=_request_url(request),
    )


def tell_requester(request, now) -> int:
    users = {request.created_by_id} if request.created_by_id else set()
    users |= set(list_liaison_user_ids([request.for_unit]).get(request.for_unit_id, set()))
    values = {
        "item": request.item.name,
        "n": request.quantity,
        "state": request.get_state_display(),
        "approved": request.approved_quantity or 0,
    }
    return queue(
        key=f"supply-request:{request.pk}:{request.state}",
        topic="supply_request",
        unit=request.for_unit,
        users=users,
        subject=lambda v=values: _("Your request for %(n)s of %(item)s: %(state)s") % v,
        body=request.decision_note,
        url=_request_url(request),
    )


def tell_overdue(request, now) -> int:
    """Nobody decided in time: the level above the one it waits at hears of it."""
    at_unit = Unit.objects.get(pk=request.at_unit_id)
    users = _deciders(at_unit, strict=True) or _deciders(at_unit)
    values = {"at": at_unit.name, "unit": request.unit.name, "item": request.item.name}
    return queue(
        key=f"supply-request:{request.pk}:overdue:{at_unit.pk}",
        topic="supply_request",
        unit=at_unit.parent or at_unit,
        users=users,
        subject=lambda v=values: (
            _("Overdue: %(at)s has not decided the request of %(unit)s for %(item)s") % v
        ),
        url=_request_url(request),
    )


def chase_receipt(transfer, now) -> int:
    """A transfer not confirmed within FANGKONG_SUPPLY_RECEIPT_HOURS: the receiving unit's
    liaisons are asked to confirm what arrived."""
    unit = transfer.to_unit
    users = set(list_liaison_user_ids([unit]).get(unit.pk, set())) or set(_deciders(unit))
    values = {
        "from": transfer.from_unit.name,
        "item": transfer.item.name,
        "n": transfer.quantity_sent,
    }
    return queue(
        key=f"supply-receipt:{transfer.pk}",
        topic="supply_receipt",
        unit=unit,
        users=users,
        subject=lambda v=values: _("Confirm receipt: %(n)s of %(item)s sent by %(from)s") % v,
        url=f"{reverse('supplies:transfer_list')}?unit={unit.code}",
    )
