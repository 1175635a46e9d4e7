"""Writes of the emergency funds (M11; seed 003: 由疫情防控工作领导小组报请集团党委同意后统筹
安排，由疫情防控办公室统一实施).

Guarantees:
- money is whole fen, parsed from text (validation.parse_amount), never a float;
- a fund's budget is the sum of its allocations and its balance the budget less its
  payments: both derived, never typed;
- a proposal is signed step by step along its chain, in order, each step by a holder of
  the step's role on the nearest unit up the fund's line that has one, never by its
  drafter; a rejection returns it to the drafter with the reasons, who may revise and
  submit it again (a new revision; earlier signatures are kept);
- over budget (approved and paid proposals plus this one above the budget): refused at
  every step in a `stop` fund; in a `warn` fund the last approver must tick an explicit
  override, kept on the step, the proposal and its timeline. The last step locks the fund
  row, so two last approvals at once cannot both spend the same money;
- a payment never takes a proposal past its approved amount (the proposal row locked);
  it may record the stock receipt it bought, through the supplies ledger, in the same
  transaction, or name an existing purchase receipt;
- every change is a `ProposalEvent` and an audit entry; the people who must act next are
  told through notify, in the same transaction.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from fangkong.core.audit import record_change
from fangkong.core.errors import Conflict, InvalidInput, ServiceError
from fangkong.core.permissions import require
from fangkong.core.scope import scope_of
from fangkong.orgs.choices import Role, UnitKind
from fangkong.orgs.models import RoleAssignment, Unit
from fangkong.supplies import services as supplies
from fangkong.supplies.choices import MoveKind, Source
from fangkong.supplies.models import Item, Move

from . import messages
from .choices import (
    CHAIN_ROLES,
    DEFAULT_CHAIN,
    MAX_STEPS,
    AttachmentKind,
    Decision,
    EventKind,
    OverBudget,
    ProposalState,
)
from .models import (
    Allocation,
    Attachment,
    Fund,
    Payment,
    Proposal,
    ProposalEvent,
    ProposalStep,
    yuan,
)
from .permissions import FundsPerm
from .validation import check_files, parse_amount

TOPIC = "fund_proposal"
COMMITTED = (ProposalState.APPROVED, ProposalState.PAID)


class StepRefused(ServiceError):
    """A signature the chain does not allow: one's own proposal (403), out of order (409)."""

    def __init__(self, code: str, message, status: int, field: str = "decision"):
        super().__init__(code, message, {field: [message]})
        self.status = status


# --- figures ----------------------------------------------------------------------------------


def budget_fen(fund: Fund) -> int:
    return fund.allocations.aggregate(s=Sum("amount_fen"))["s"] or 0


def committed_fen(fund: Fund, exclude: Proposal | None = None) -> int:
    """What approved proposals (paid or not) take of the budget."""
    rows = Proposal.objects.filter(fund=fund, state__in=COMMITTED)
    if exclude is not None:
        rows = rows.exclude(pk=exclude.pk)
    return rows.aggregate(s=Sum("amount_fen"))["s"] or 0


def paid_fen(proposal: Proposal) -> int:
    return proposal.payments.aggregate(s=Sum("amount_fen"))["s"] or 0


def over_budget_by(proposal: Proposal) -> int:
    """How many fen the proposal would take the fund over its budget (0: within it)."""
    fund = proposal.fund
    need = committed_fen(fund, exclude=proposal) + proposal.amount_fen
    return max(0, need - budget_fen(fund))


# --- who signs a step ---------------------------------------------------------------------------


def step_holders(unit: Unit, role: str) -> tuple[Unit | None, list[int]]:
    """The unit nearest up `unit`'s line (itself first) with active holders of `role`, and
    their user ids: who signs a step of that role for a fund of `unit`. A subsidiary without
    a party committee of its own goes to the group's; the SASAC's office never signs for a
    group that has its own."""
    line = [*unit.ancestor_ids, unit.pk]
    held = RoleAssignment.objects.filter(
        role=role, unit_id__in=line, user__is_active=True
    ).values_list("unit_id", "user_id")
    by_unit: dict[int, list[int]] = {}
    for unit_id, user_id in held:
        by_unit.setdefault(unit_id, []).append(user_id)
    for unit_id in reversed(line):
        if unit_id in by_unit:
            return Unit.objects.get(pk=unit_id), sorted(set(by_unit[unit_id]))
    return None, []


def may_sign(user, proposal: Proposal) -> bool:
    """Whether `user` may take the step the proposal waits at now (for pages and to-dos)."""
    role = proposal.current_role
    if not role or user.pk == proposal.drafted_by_id:
        return False
    if not scope_of(user, FundsPerm.APPROVE_PROPOSALS).covers(proposal.unit_path):
        return False
    _unit, holders = step_holders(proposal.fund.unit, role)
    return user.pk in holders


def _role_label(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


# --- funds ----------------------------------------------------------------------------------


def clean_chain(chain) -> list[str]:
    roles = [str(r) for r in (chain or ())]
    if not roles:
        raise InvalidInput({"chain": _("Name at least one step.")})
    if len(roles) > MAX_STEPS:
        raise InvalidInput({"chain": _("At most %(n)s steps.") % {"n": MAX_STEPS}})
    allowed = {r.value for r in CHAIN_ROLES}
    if any(r not in allowed for r in roles):
        raise InvalidInput(
            {
                "chain": _("Each step is one of: %(roles)s.")
                % {"roles": "、".join(str(r.label) for r in CHAIN_ROLES)}
            }
        )
    if len(set(roles)) != len(roles):
        raise InvalidInput({"chain": _("A role signs once in a chain.")})
    return roles


def _event(proposal: Proposal, kind: str, actor, now: datetime, text: str = "") -> None:
    ProposalEvent.objects.create(proposal=proposal, kind=kind, actor=actor, at=now, text=text)


@transaction.atomic
def open_fund(
    *,
    actor,
    unit: Unit,
    name: str,
    chain=None,
    over_budget: str = OverBudget.STOP,
    budget=None,
    basis: str = "",
    note: str = "",
    now: datetime | None = None,
) -> Fund:
    """A special fund of a group or subsidiary, with its first budget if given."""
    require(actor, FundsPerm.MANAGE_FUNDS, unit.path)
    now = now or timezone.now()
    if unit.kind not in (UnitKind.GROUP, UnitKind.SUBSIDIARY):
        raise InvalidInput({"unit": _("A fund belongs to a group or a subsidiary.")})
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput({"name": _("Give the fund a name (at most 100 characters).")})
    if over_budget not in OverBudget.values:
        raise InvalidInput({"over_budget": _("Choose what happens over budget.")})
    chain = clean_chain(DEFAULT_CHAIN if chain is None else chain)
    if Fund.objects.filter(unit=unit, name=name).exists():
        raise InvalidInput({"name": _("This unit already has a fund of that name.")})
    fund = Fund.objects.create(
        unit=unit,
        unit_path=unit.path,
        name=name,
        chain=chain,
        over_budget=over_budget,
        note=(note or "").strip()[:500],
        created_at=now,
        created_by=actor,
    )
    record_change(actor, "open_fund", fund, unit.path, {"name": name, "chain": chain})
    if budget not in (None, ""):
        allocate(actor=actor, fund=fund, amount=budget, basis=basis, now=now)
    return fund


@transaction.atomic
def configure_fund(*, actor, fund: Fund, chain, over_budget: str) -> Fund:
    """A new chain or over-budget rule; proposals already submitted keep their chain."""
    require(actor, FundsPerm.MANAGE_FUNDS, fund.unit_path)
    if over_budget not in OverBudget.values:
        raise InvalidInput({"over_budget": _("Choose what happens over budget.")})
    old = {"chain": fund.chain, "over_budget": fund.over_budget}
    fund.chain, fund.over_budget = clean_chain(chain), over_budget
    fund.save(update_fields=["chain", "over_budget"])
    record_change(actor, "configure_fund", fund, fund.unit_path, {"old": old, "new": fund.chain})
    return fund


@transaction.atomic
def allocate(
    *, actor, fund: Fund, amount, basis: str, on: date | None = None, now=None
) -> Allocation:
    """Money put into the fund's budget (a positive amount), with its basis (the decision
    it comes from)."""
    require(actor, FundsPerm.MANAGE_FUNDS, fund.unit_path)
    now = now or timezone.now()
    fen = parse_amount(amount, "budget")
    basis = (basis or "").strip()
    if not basis or len(basis) > 200:
        raise InvalidInput({"basis": _("Say what the money comes from (at most 200 characters).")})
    allocation = Allocation.objects.create(
        fund=fund, amount_fen=fen, basis=basis, on=on or fund.unit.local_date(now), at=now, by=actor
    )
    record_change(actor, "allocate", fund, fund.unit_path, {"amount": yuan(fen), "basis": basis})
    return allocation


# --- proposals ---------------------------------------------------------------------------


def _clean_proposal(purpose, amount, payee, description) -> dict:
    errors: dict[str, list] = {}
    purpose, payee = (purpose or "").strip(), (payee or "").strip()
    description = (description or "").strip()
    if not purpose or len(purpose) > 200:
        errors["purpose"] = [_("Say what the money is for (at most 200 characters).")]
    if not payee or len(payee) > 200:
        errors["payee"] = [_("Name the payee (at most 200 characters).")]
    if len(description) > 5000:
        errors["description"] = [_("At most 5000 characters.")]
    fen = None
    try:
        fen = parse_amount(amount)
    except InvalidInput as exc:
        errors.update(exc.fields)
    if errors:
        raise InvalidInput(errors)
    return {"purpose": purpose, "payee": payee, "description": description, "amount_fen": fen}


def _attach(proposal: Proposal, files_by_kind, actor, now, payment=None) -> int:
    count = 0
    for kind, files in files_by_kind:
        for f in files:
            Attachment.objects.create(
                proposal=proposal,
                payment=payment,
                kind=kind,
                file=f,
                name=f.name.rsplit("/", 1)[-1][:200],
                size=getattr(f, "size", 0) or 0,
                at=now,
                by=actor,
            )
            count += 1
    return count


def _files(quotations, contracts) -> list:
    quotations = check_files(quotations, "quotations")
    contracts = check_files(contracts, "contracts")
    return [(AttachmentKind.QUOTATION, quotations), (AttachmentKind.CONTRACT, contracts)]


@transaction.atomic
def draft_proposal(
    *,
    actor,
    fund: Fund,
    purpose: str,
    amount,
    payee: str,
    description: str = "",
    quotations=(),
    contracts=(),
    submit: bool = True,
    now: datetime | None = None,
) -> Proposal:
    """A spending proposal drafted by the leading group or the epidemic office, submitted to
    the first step of the fund's chain unless `submit` is false (a draft)."""
    require(actor, FundsPerm.DRAFT_PROPOSALS, fund.unit_path)
    now = now or timezone.now()
    if not fund.active:
        raise InvalidInput({"fund": _("This fund is closed.")})
    values = _clean_proposal(purpose, amount, payee, description)
    files = _files(quotations, contracts)
    Fund.objects.select_for_update().get(pk=fund.pk)  # numbers are given one at a time
    number = (fund.proposals.aggregate(n=Max("number"))["n"] or 0) + 1
    proposal = Proposal.objects.create(
        fund=fund,
        unit_path=fund.unit_path,
        number=number,
        drafted_by=actor,
        drafted_at=now,
        updated_at=now,
        **values,
    )
    _event(
        proposal,
        EventKind.DRAFTED,
        actor,
        now,
        _("%(amount)s yuan to %(payee)s")
        % {"amount": yuan(proposal.amount_fen), "payee": proposal.payee},
    )
    if _attach(proposal, files, actor, now):
        _event(
            proposal,
            EventKind.ATTACHED,
            actor,
            now,
            "、".join(a.name for a in proposal.attachments.all()),
        )
    record_change(
        actor, "draft_proposal", proposal, fund.unit_path, {"amount": yuan(values["amount_fen"])}
    )
    if submit:
        _submit(actor, proposal, now)
    return proposal


def _check_drafter(actor, proposal: Proposal) -> None:
    if actor.pk != proposal.drafted_by_id:
        raise StepRefused(
            "not_drafter", _("Only the drafter revises or submits a proposal."), 403, "proposal"
        )
    if proposal.state not in (ProposalState.DRAFT, ProposalState.RETURNED):
        raise Conflict("not_editable", _("This proposal is in approval or approved already."))


def _submit(actor, proposal: Proposal, now: datetime) -> None:
    fund = proposal.fund
    if fund.over_budget == OverBudget.STOP and (over := over_budget_by(proposal)):
        raise InvalidInput(
            {"amount": _("Over the fund's budget by %(over)s yuan.") % {"over": yuan(over)}},
            code="over_budget",
        )
    again = proposal.revision > 0
    proposal.chain = list(fund.chain)
    proposal.step = 0
    proposal.revision += 1
    proposal.state = ProposalState.PENDING
    proposal.submitted_at = proposal.updated_at = now
    proposal.save()
    _event(
        proposal,
        EventKind.SUBMITTED,
        actor,
        now,
        (_("Submitted again (revision %(n)s)") if again else _("Submitted (revision %(n)s)"))
        % {"n": proposal.revision},
    )
    messages.notify_step(proposal)


@transaction.atomic
def submit_proposal(*, actor, proposal: Proposal, now: datetime | None = None) -> Proposal:
    proposal = Proposal.objects.select_for_update().select_related("fund__unit").get(pk=proposal.pk)
    _check_drafter(actor, proposal)
    require(actor, FundsPerm.DRAFT_PROPOSALS, proposal.unit_path)
    _submit(actor, proposal, now or timezone.now())
    return proposal


@transaction.atomic
def revise_proposal(
    *,
    actor,
    proposal: Proposal,
    purpose: str,
    amount,
    payee: str,
    description: str = "",
    quotations=(),
    contracts=(),
    submit: bool = True,
    now: datetime | None = None,
) -> Proposal:
    """The drafter changes a draft or a returned proposal and (by default) submits it
    again: the chain starts over, the earlier signatures stay on record."""
    proposal = Proposal.objects.select_for_update().select_related("fund__unit").get(pk=proposal.pk)
    _check_drafter(actor, proposal)
    require(actor, FundsPerm.DRAFT_PROPOSALS, proposal.unit_path)
    now = now or timezone.now()
    values = _clean_proposal(purpose, amount, payee, description)
    files = _files(quotations, contracts)
    changed = {
        k: [str(getattr(proposal, k)), str(v)]
        for k, v in values.items()
        if getattr(proposal, k) != v
    }
    for k, v in values.items():
        setattr(proposal, k, v)
    proposal.updated_at = now
    proposal.save()
    labels = {
        "purpose": _("purpose"),
        "payee": _("payee"),
        "description": _("details"),
        "amount_fen": _("amount"),
    }
    if changed:
        text = "；".join(
            f"{labels[k]}: {yuan(int(a)) if k == 'amount_fen' else a} → "
            f"{yuan(int(b)) if k == 'amount_fen' else b}"
            for k, (a, b) in changed.items()
            if k != "description"
        ) or _("details changed")
        _event(proposal, EventKind.REVISED, actor, now, text)
    if _attach(proposal, files, actor, now):
        _event(
            proposal,
            EventKind.ATTACHED,
            actor,
            now,
            "、".join(f.name for _kind, group in files for f in group),
        )
    record_change(
        actor, "revise_proposal", proposal, proposal.unit_path, {"changed": list(changed)}
    )
    if submit:
        _submit(actor, proposal, now)
    return proposal


@transaction.atomic
def decide(
    *,
    actor,
    proposal: Proposal,
    decision: str,
    opinion: str = "",
    override: bool = False,
    step: int | None = None,
    now: datetime | None = None,
) -> Proposal:
    """Sign the step the proposal waits at: approve (with an opinion) or reject (with the
    reasons, returning it to the drafter). `step` (1-based), when given, is the step the
    signer means: another one is out of order, as is signing a step whose role is not the
    signer's while the signer holds a later one."""
    proposal = Proposal.objects.select_for_update().select_related("fund__unit").get(pk=proposal.pk)
    now = now or timezone.now()
    require(actor, FundsPerm.APPROVE_PROPOSALS, proposal.unit_path)
    if decision not in Decision.values:
        raise InvalidInput({"decision": _("Approve or reject.")})
    opinion = (opinion or "").strip()
    if len(opinion) > 2000:
        raise InvalidInput({"opinion": _("At most 2000 characters.")})
    if proposal.state != ProposalState.PENDING:
        raise Conflict(
            "not_pending",
            _("This proposal is not waiting for approval (%(state)s).")
            % {"state": proposal.get_state_display()},
        )
    if actor.pk == proposal.drafted_by_id:
        raise StepRefused("own_proposal", _("You cannot approve your own proposal."), 403)
    role = proposal.current_role
    if step is not None and step != proposal.step + 1:
        raise StepRefused(
            "out_of_order",
            _("It waits at step %(n)s (%(role)s), not step %(asked)s.")
            % {"n": proposal.step + 1, "role": _role_label(role), "asked": step},
            409,
            "step",
        )
    fund = proposal.fund
    unit, holders = step_holders(fund.unit, role)
    if actor.pk not in holders:
        later = [
            r
            for r in proposal.chain[proposal.step + 1 :]
            if actor.pk in step_holders(fund.unit, r)[1]
        ]
        if later:
            raise StepRefused(
                "out_of_order",
                _("It waits for the %(role)s first: steps are signed in order.")
                % {"role": _role_label(role)},
                409,
                "step",
            )
        raise StepRefused(
            "not_your_step",
            _("This step is signed by the %(role)s of %(unit)s.")
            % {"role": _role_label(role), "unit": unit.name if unit else fund.unit.name},
            403,
        )
    assert unit is not None
    if decision == Decision.REJECT:
        if not opinion:
            raise InvalidInput({"opinion": _("Give the reasons for returning it.")})
        ProposalStep.objects.create(
            proposal=proposal,
            revision=proposal.revision,
            order=proposal.step,
            role=role,
            unit=unit,
            decision=decision,
            opinion=opinion,
            by=actor,
            at=now,
        )
        proposal.state, proposal.updated_at = ProposalState.RETURNED, now
        proposal.save(update_fields=["state", "updated_at"])
        _event(proposal, EventKind.REJECTED, actor, now, opinion)
        record_change(
            actor, "reject_proposal", proposal, proposal.unit_path, {"step": proposal.step}
        )
        facts = messages.facts_of(proposal) | {"role": _role_label(role), "opinion": opinion}
        messages.notify_drafter(
            proposal,
            f"rejected{proposal.step}",
            lambda: _("[Fund] Returned: %(purpose)s") % facts,
            lambda: _("The %(role)s returned proposal %(number)s of %(fund)s: %(opinion)s") % facts,
        )
        return proposal
    last = proposal.step == len(proposal.chain) - 1
    over = 0
    if last:
        Fund.objects.select_for_update().get(pk=fund.pk)  # one last approval at a time
    if last or fund.over_budget == OverBudget.STOP:
        over = over_budget_by(proposal)
    used_override = False
    if over:
        message = _("Over the fund's budget by %(over)s yuan.") % {"over": yuan(over)}
        if fund.over_budget == OverBudget.STOP:
            raise InvalidInput({"amount": message}, code="over_budget")
        if not override:
            raise InvalidInput(
                {
                    "override": _("%(message)s Tick the override to approve it all the same.")
                    % {"message": message}
                },
                code="over_budget",
            )
        used_override = True
    ProposalStep.objects.create(
        proposal=proposal,
        revision=proposal.revision,
        order=proposal.step,
        role=role,
        unit=unit,
        decision=decision,
        opinion=opinion,
        override=used_override,
        by=actor,
        at=now,
    )
    _event(
        proposal,
        EventKind.STEP_APPROVED,
        actor,
        now,
        _("%(role)s: %(opinion)s") % {"role": _role_label(role), "opinion": opinion or _("agreed")},
    )
    if used_override:
        _event(
            proposal,
            EventKind.OVERRIDDEN,
            actor,
            now,
            _("Approved %(over)s yuan over the budget.") % {"over": yuan(over)},
        )
    if last:
        proposal.state, proposal.approved_at = ProposalState.APPROVED, now
        proposal.over_budget_override = used_override
        proposal.updated_at = now
        proposal.save()
        _event(proposal, EventKind.APPROVED, actor, now)
        messages.notify_approved(proposal)
    else:
        proposal.step += 1
        proposal.updated_at = now
        proposal.save(update_fields=["step", "updated_at"])
        messages.notify_step(proposal)
    record_change(
        actor,
        "approve_proposal",
        proposal,
        proposal.unit_path,
        {"step": proposal.step, "override": used_override},
    )
    return proposal


# --- payments -------------------------------------------------------------------------------


def _receiving_unit(actor, fund: Fund, unit) -> Unit:
    if unit is None:
        raise InvalidInput({"receiving_unit": _("Choose the unit that received the goods.")})
    if not unit.path.startswith(fund.unit_path) or not scope_of(actor).covers(unit.path):
        raise InvalidInput(
            {"receiving_unit": _("Choose a unit of %(unit)s.") % {"unit": fund.unit.name}},
            code="unknown_unit",
        )
    return unit


def _existing_receipt(fund: Fund, move) -> Move:
    move = Move.objects.filter(pk=getattr(move, "pk", move)).first()
    if (
        move is None
        or move.kind != MoveKind.RECEIPT
        or move.source != Source.PURCHASE
        or not move.unit_path.startswith(fund.unit_path)
    ):
        raise InvalidInput(
            {"receipt": _("Name a purchase receipt of this fund's units.")}, code="unknown_receipt"
        )
    if Payment.objects.filter(receipt=move).exists():
        raise InvalidInput({"receipt": _("That receipt belongs to another payment already.")})
    return move


@transaction.atomic
def record_payment(
    *,
    actor,
    proposal: Proposal,
    amount,
    paid_on: date | None,
    voucher_no: str,
    note: str = "",
    files=(),
    item: Item | None = None,
    quantity=None,
    receiving_unit: Unit | None = None,
    receipt: Move | int | None = None,
    now: datetime | None = None,
) -> Payment:
    """The office pays (统一实施) against an approved proposal: never past its approved
    amount. With an `item`, `quantity` and `receiving_unit` the goods bought are received
    into the supplies ledger (a purchase receipt) in the same transaction; or `receipt`
    names a purchase receipt already recorded. Fully paid, the proposal is closed."""
    proposal = Proposal.objects.select_for_update().select_related("fund__unit").get(pk=proposal.pk)
    require(actor, FundsPerm.RECORD_PAYMENTS, proposal.unit_path)
    now = now or timezone.now()
    fund = proposal.fund
    if proposal.state == ProposalState.PAID:
        raise Conflict("paid", _("This proposal is paid in full already."))
    if proposal.state != ProposalState.APPROVED:
        raise Conflict("not_approved", _("Only an approved proposal is paid."))
    errors: dict[str, list] = {}
    fen = None
    try:
        fen = parse_amount(amount)
    except InvalidInput as exc:
        errors.update(exc.fields)
    left = proposal.amount_fen - paid_fen(proposal)
    if fen is not None and fen > left:
        raise InvalidInput(
            {
                "amount": _("More than approved: %(left)s yuan of %(approved)s is left to pay.")
                % {"left": yuan(left), "approved": yuan(proposal.amount_fen)}
            },
            code="over_approved",
        )
    today = fund.unit.local_date(now)
    if paid_on is None:
        errors["paid_on"] = [_("Give the date of payment.")]
    elif paid_on > today:
        errors["paid_on"] = [_("A payment date cannot be in the future.")]
    voucher_no = (voucher_no or "").strip()
    if not voucher_no or len(voucher_no) > 50:
        errors["voucher_no"] = [_("Give the voucher number (at most 50 characters).")]
    elif Payment.objects.filter(fund=fund, voucher_no=voucher_no).exists():
        errors["voucher_no"] = [_("This voucher number is recorded already.")]
    if len(note or "") > 200:
        errors["note"] = [_("At most 200 characters.")]
    if errors:
        raise InvalidInput(errors)
    files = check_files(files)
    assert fen is not None and paid_on is not None  # else errors were raised
    move = None
    if item is not None and receipt is not None:
        raise InvalidInput({"receipt": _("Either record the goods received or name a receipt.")})
    if item is not None:
        unit = _receiving_unit(actor, fund, receiving_unit)
        move = supplies.record_receipt(
            actor=actor,
            unit=unit,
            item=item,
            quantity=quantity,
            source=Source.PURCHASE,
            note=_("Fund payment %(voucher)s: %(payee)s")
            % {"voucher": voucher_no, "payee": proposal.payee},
            now=now,
        )
    elif quantity not in (None, "") or receiving_unit is not None:
        raise InvalidInput({"item": _("Choose the item received.")})
    elif receipt is not None:
        move = _existing_receipt(fund, receipt)
    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                proposal=proposal,
                fund=fund,
                unit_path=fund.unit_path,
                amount_fen=fen,
                paid_on=paid_on,
                voucher_no=voucher_no,
                note=(note or "").strip(),
                receipt=move,
                recorded_at=now,
                recorded_by=actor,
            )
    except IntegrityError:  # the same voucher or receipt recorded at the same moment
        raise InvalidInput({"voucher_no": _("This voucher number is recorded already.")}) from None
    _attach(proposal, [(AttachmentKind.VOUCHER, files)], actor, now, payment=payment)
    text = _("%(amount)s yuan, voucher %(voucher)s") % {"amount": yuan(fen), "voucher": voucher_no}
    if move is not None:
        text += " · " + _("received %(quantity)s %(uom)s of %(item)s at %(unit)s") % {
            "quantity": move.delta,
            "uom": move.item.unit_of_measure,
            "item": move.item.name,
            "unit": move.unit.name,
        }
    _event(proposal, EventKind.PAID, actor, now, text)
    if fen == left:
        proposal.state, proposal.updated_at = ProposalState.PAID, now
        proposal.save(update_fields=["state", "updated_at"])
        _event(proposal, EventKind.PAID_IN_FULL, actor, now)
    record_change(
        actor,
        "record_payment",
        payment,
        fund.unit_path,
        {"amount": yuan(fen), "voucher": voucher_no},
    )
    return payment


# The label of the topic, for apps.py.
TOPIC_LABEL = gettext_lazy("Emergency fund proposals")
