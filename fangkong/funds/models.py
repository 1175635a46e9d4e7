"""Emergency funds (应急专项资金, M11; seed 003: 应急专项资金的投入由疫情防控工作领导小组报请集团
党委同意后统筹安排，由疫情防控办公室统一实施).

Money is kept in whole fen (分) in integer columns, never as a float. A fund's budget is
the sum of its `Allocation` rows and its balance is the budget less its payments: neither
is typed. A `Proposal` goes along the fund's chain of roles (copied onto the proposal when
it is submitted, so a later change of the chain leaves it alone); each signature is a
`ProposalStep`, every change of state a `ProposalEvent`. A `Payment` is recorded against
an approved proposal and may name the stock receipt (`supplies.Move`) it bought.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit

from .choices import AttachmentKind, Decision, EventKind, OverBudget, ProposalState

USER = settings.AUTH_USER_MODEL


def yuan(fen: int | None) -> str:
    """12345 fen → "123.45" (exact: integer arithmetic only)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}{whole}.{cents:02d}"


class Fund(models.Model):
    scope_field = "unit_path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="funds"
    )
    unit_path = PathField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100)
    chain = models.JSONField(_("approval chain"), default=list)  # ordered Role values
    over_budget = models.CharField(
        _("over budget"), max_length=8, choices=OverBudget.choices, default=OverBudget.STOP
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    active = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("emergency fund")
        verbose_name_plural = _("emergency funds")
        ordering = ["unit_path", "name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "name"], name="fund_unique_name"),
        ]

    def __str__(self):
        return self.name

    def chain_labels(self) -> list[str]:
        return [str(Role(r).label) if r in Role.values else r for r in self.chain]


class Allocation(models.Model):
    """Money put into (or, negative, taken from) a fund's budget, with its basis."""

    fund = models.ForeignKey(Fund, on_delete=models.CASCADE, related_name="allocations")
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    basis = models.CharField(_("basis"), max_length=200)  # e.g. 集团党委会 1月27日 决定
    on = models.DateField(_("date"))
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount_fen=0), name="allocation_not_zero")
        ]

    def __str__(self):
        return f"{self.fund_id}: {yuan(self.amount_fen)}"


class Proposal(models.Model):
    scope_field = "unit_path"

    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="proposals")
    unit_path = PathField(max_length=255, editable=False)  # the fund's
    number = models.PositiveIntegerField(_("number"))  # 1, 2, … within the fund
    purpose = models.CharField(_("purpose"), max_length=200)
    description = models.TextField(_("details"), blank=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    payee = models.CharField(_("payee"), max_length=200)
    state = models.CharField(
        _("state"), max_length=10, choices=ProposalState.choices, default=ProposalState.DRAFT
    )
    chain = models.JSONField(default=list)  # the fund's chain when it was last submitted
    step = models.PositiveSmallIntegerField(default=0)  # index into chain while pending
    revision = models.PositiveSmallIntegerField(default=0)  # +1 at each submission
    over_budget_override = models.BooleanField(_("over budget, overridden"), default=False)
    drafted_at = models.DateTimeField(default=timezone.now)
    drafted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("spending proposal")
        verbose_name_plural = _("spending proposals")
        ordering = ["-drafted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["fund", "number"], name="proposal_unique_number"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="proposal_positive"),
        ]
        indexes = [models.Index(fields=["state", "unit_path"], name="proposal_state_path_idx")]

    def __str__(self):
        return f"{self.number}. {self.purpose}"

    @property
    def amount(self) -> str:
        return yuan(self.amount_fen)

    @property
    def current_role(self) -> str:
        if self.state != ProposalState.PENDING or self.step >= len(self.chain):
            return ""
        return self.chain[self.step]


class ProposalStep(models.Model):
    """One signature on the chain: who, with which role on which unit, when, what opinion."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="steps")
    revision = models.PositiveSmallIntegerField()
    order = models.PositiveSmallIntegerField()  # index into the chain
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(_("decision"), max_length=8, choices=Decision.choices)
    opinion = models.TextField(_("opinion"), blank=True)
    override = models.BooleanField(_("over-budget override"), default=False)
    by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("signed at"), default=timezone.now)

    class Meta:
        ordering = ["revision", "order", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "revision", "order"], name="proposal_step_once"
            ),
        ]

    def __str__(self):
        return f"{self.proposal_id} r{self.revision} #{self.order} {self.decision}"


class ProposalEvent(models.Model):
    """One change of a proposal, kept: the timeline."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.proposal_id} {self.kind}"


class Payment(models.Model):
    scope_field = "unit_path"

    proposal = models.ForeignKey(Proposal, on_delete=models.PROTECT, related_name="payments")
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="payments")
    unit_path = PathField(max_length=255, editable=False)  # the fund's
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    paid_on = models.DateField(_("paid on"))
    voucher_no = models.CharField(_("voucher number"), max_length=50)
    note = models.CharField(_("note"), max_length=200, blank=True)
    # The stock this purchase brought in (a receipt of the supplies ledger, append-only).
    receipt = models.OneToOneField(
        "supplies.Move",
        verbose_name=_("stock receipt"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund_payment",
    )
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="payment_positive"),
            models.UniqueConstraint(fields=["fund", "voucher_no"], name="payment_voucher_once"),
        ]

    def __str__(self):
        return f"{self.voucher_no}: {yuan(self.amount_fen)}"

    @property
    def amount(self) -> str:
        return yuan(self.amount_fen)


class Attachment(models.Model):
    """A quotation, contract or voucher of a proposal (a voucher may belong to a payment)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="attachments")
    payment = models.ForeignKey(
        Payment, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AttachmentKind.choices)
    file = models.FileField(_("file"), upload_to="funds/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.name
