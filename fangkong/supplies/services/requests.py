"""Requests up the tree and the distribution of a batch: a unit asks the level above,
which approves (in full or in part, shipping from stock or to be procured), rejects or
passes it up; a batch is split among units as transfers tracked to receipt. Every state
change is a `RequestEvent`; messages go through `messages.py` in the same transaction."""

from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import Conflict, InvalidInput
from fangkong.core.fields import subtree_q
from fangkong.core.permissions import require
from fangkong.orgs.models import Unit

from .. import messages
from ..choices import RequestAction, RequestState, Urgency
from ..models import Distribution, Request, Transfer
from ..permissions import SuppliesPerm
from .ledger import PERM, _check_item, _event, _quantity, send_transfer


def request_hours(urgency: str) -> int:
    urgent, normal = (settings.SUPPLY_REQUEST_HOURS + [24, 24])[:2]
    return urgent if urgency == Urgency.URGENT else normal


@transaction.atomic
def file_request(
    *, actor, unit, item, quantity, reason, urgency=Urgency.NORMAL, for_unit=None, now=None
) -> Request:
    """A unit asks the level above for `quantity` of `item`, for itself or for a unit below
    it (`for_unit`, where the goods go). It waits at the parent, whose deciders are told; it
    is overdue after FANGKONG_SUPPLY_REQUEST_HOURS (urgent, normal)."""
    require(actor, PERM, unit.path)
    for_unit = for_unit or unit
    if not for_unit.path.startswith(unit.path):
        raise InvalidInput({"for_unit": _("Ask only for the unit itself or a unit below it.")})
    if unit.parent_id is None:
        raise InvalidInput({"unit": _("The top unit has no level above to ask.")})
    if urgency not in Urgency.values:
        raise InvalidInput({"urgency": _("Choose urgent or normal.")})
    if not reason.strip():
        raise InvalidInput({"reason": _("Say why it is needed.")})
    now = now or timezone.now()
    at_unit = Unit.objects.get(pk=unit.parent_id)
    request = Request.objects.create(
        unit=unit,
        unit_path=unit.path,
        for_unit=for_unit,
        item=_check_item(item),
        quantity=_quantity(quantity),
        urgency=urgency,
        reason=reason.strip()[:300],
        at_unit=at_unit,
        at_path=at_unit.path,
        due_at=now + timedelta(hours=request_hours(urgency)),
        created_at=now,
        created_by=actor,
    )
    _event(request, RequestAction.FILED, actor, now, request.quantity, request.reason)
    messages.tell_deciders(request, now)
    return request


class Decision:
    APPROVE = "approve"
    REJECT = "reject"
    PASS_UP = "pass_up"
    ALL = (APPROVE, REJECT, PASS_UP)


@transaction.atomic
def decide_request(
    *,
    actor,
    request: Request,
    decision: str,
    quantity=None,
    note: str = "",
    ship_from=None,
    procure: bool = False,
    now=None,
) -> Request:
    """The level a request waits at approves it (in full or in part, shipping at once from
    one of its units' stock, or to be procured), rejects it with a reason, or passes it up
    a level. Whoever filed it does not decide it; a decided request is not decided again."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    require(actor, SuppliesPerm.DECIDE_REQUESTS, request.at_path)
    if request.state != RequestState.OPEN:
        raise Conflict("already_decided", _("This request has already been decided."))
    if decision not in Decision.ALL:
        raise InvalidInput({"decision": _("Approve, reject or pass it up.")})
    if request.created_by_id == actor.pk:
        raise InvalidInput(
            {"decision": _("You filed this request: someone else decides it.")},
            code="own_request",
        )
    now = now or timezone.now()
    note = note.strip()[:300]
    if decision == Decision.REJECT:
        if not note:
            raise InvalidInput({"note": _("Say why it is rejected.")})
        request.state, request.decision_note = RequestState.REJECTED, note
        request.save(update_fields=["state", "decision_note"])
        _event(request, RequestAction.REJECTED, actor, now, note=note)
        messages.tell_requester(request, now)
        return request
    if decision == Decision.PASS_UP:
        at_unit = Unit.objects.get(pk=request.at_unit_id)
        if at_unit.parent_id is None:
            raise InvalidInput({"decision": _("There is no level above this one.")})
        parent = Unit.objects.get(pk=at_unit.parent_id)
        request.at_unit, request.at_path = parent, parent.path
        request.due_at = now + timedelta(hours=request_hours(request.urgency))
        request.overdue_at = None
        request.save(update_fields=["at_unit", "at_path", "due_at", "overdue_at"])
        _event(request, RequestAction.PASSED_UP, actor, now, note=note)
        messages.tell_deciders(request, now)
        return request
    approved = request.quantity if quantity is None else quantity
    if isinstance(approved, bool) or not isinstance(approved, int) or approved <= 0:
        raise InvalidInput({"quantity": _("Give the quantity approved (above zero).")})
    if approved > request.quantity:
        raise InvalidInput(
            {"quantity": _("%(n)s were asked: approve at most that.") % {"n": request.quantity}}
        )
    partly = approved < request.quantity
    if partly and not note:
        raise InvalidInput({"note": _("Say why only part is approved.")})
    request.approved_quantity, request.decision_note = approved, note
    request.state = RequestState.PROCURING if procure else RequestState.APPROVED
    request.save(update_fields=["approved_quantity", "decision_note", "state"])
    action = RequestAction.PARTLY_APPROVED if partly else RequestAction.APPROVED
    _event(request, action, actor, now, approved, note)
    if procure:
        _event(request, RequestAction.PROCURING, actor, now)
    if ship_from is not None:
        _ship(actor, request, ship_from, approved, now)
    messages.tell_requester(request, now)
    return request


def _ship(actor, request: Request, from_unit, quantity: int, now, distribution=None) -> Transfer:
    if distribution is None and not from_unit.path.startswith(request.at_path):
        raise InvalidInput(
            {"ship_from": _("Ship from the stock of the deciding level or a unit below it.")}
        )
    transfer = send_transfer(
        actor=actor,
        from_unit=from_unit,
        to_unit=request.for_unit,
        item=request.item,
        quantity=quantity,
        now=now,
        distribution=distribution,
    )
    request.transfer, request.state = transfer, RequestState.SHIPPED
    request.save(update_fields=["transfer", "state"])
    _event(request, RequestAction.SHIPPED, actor, now, quantity, from_unit.name)
    return transfer


@transaction.atomic
def ship_request(*, actor, request: Request, ship_from, now=None) -> Request:
    """Ship an approved request (or one being procured, once the goods are in) from stock."""
    request = Request.objects.select_for_update().get(pk=request.pk)
    require(actor, SuppliesPerm.DECIDE_REQUESTS, request.at_path)
    if request.state not in (RequestState.APPROVED, RequestState.PROCURING):
        raise Conflict("not_approved", _("Only an approved request can be shipped."))
    quantity = request.approved_quantity or request.quantity
    _ship(actor, request, ship_from, quantity, now or timezone.now())
    return request


# -- distribution of a received batch ------------------------------------------------


@transaction.atomic
def distribute(*, actor, from_unit, item, shares, note="", now=None) -> Distribution:
    """Split stock of `from_unit` among units: `shares` is [(unit, quantity)] (as proposed
    by `queries.propose_distribution`, edited by the office). One transfer per share, each
    tracked to its receipt; a share to a unit with an open or approved request for the item
    in this subtree ships that request. All or nothing."""
    require(actor, PERM, from_unit.path)
    now = now or timezone.now()
    shares = [(unit, _quantity(n, f"shares.{unit.code}")) for unit, n in shares if n]
    if not shares:
        raise InvalidInput({"shares": _("Give at least one unit a share.")})
    codes = [unit.code for unit, _n in shares]
    if len(set(codes)) != len(codes):
        raise InvalidInput({"shares": _("A unit appears twice.")})
    distribution = Distribution.objects.create(
        from_unit=from_unit,
        unit_path=from_unit.path,
        item=_check_item(item),
        quantity=sum(n for _u, n in shares),
        note=note.strip()[:200],
        at=now,
        by=actor,
    )
    for unit, n in shares:
        if unit.pk == from_unit.pk:
            raise InvalidInput({f"shares.{unit.code}": _("A unit cannot send to itself.")})
        waiting = (
            Request.objects.select_for_update()
            .filter(
                for_unit=unit,
                item=item,
                transfer__isnull=True,
                state__in=(RequestState.OPEN, RequestState.APPROVED, RequestState.PROCURING),
            )
            .filter(subtree_q("at_path", from_unit.path))
            .order_by("created_at")
            .first()
        )
        if waiting is None:
            send_transfer(
                actor=actor,
                from_unit=from_unit,
                to_unit=unit,
                item=item,
                quantity=n,
                now=now,
                distribution=distribution,
            )
            continue
        if waiting.state == RequestState.OPEN:
            waiting.approved_quantity = min(n, waiting.quantity)
            waiting.save(update_fields=["approved_quantity"])
            _event(waiting, RequestAction.APPROVED, actor, now, n, distribution.note)
        _ship(actor, waiting, from_unit, n, now, distribution=distribution)
        messages.tell_requester(waiting, now)
    return distribution
