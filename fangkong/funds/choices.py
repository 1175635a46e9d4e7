from django.db import models
from django.utils.translation import gettext_lazy as _

from fangkong.orgs.choices import Role


class OverBudget(models.TextChoices):
    """What a fund does with a proposal that would take it over its budget."""

    STOP = "stop", _("Refuse it")
    WARN = "warn", _("Warn; the last approver must override")


class ProposalState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    RETURNED = "returned", _("Returned to the drafter")
    APPROVED = "approved", _("Approved, waiting for payment")
    PAID = "paid", _("Paid in full")


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")


class EventKind(models.TextChoices):
    DRAFTED = "drafted", _("Drafted")
    REVISED = "revised", _("Revised")
    SUBMITTED = "submitted", _("Submitted")
    STEP_APPROVED = "step_approved", _("Step approved")
    REJECTED = "rejected", _("Rejected and returned")
    OVERRIDDEN = "overridden", _("Over-budget override")
    APPROVED = "approved", _("Approved")
    ATTACHED = "attached", _("File attached")
    PAID = "paid", _("Payment recorded")
    PAID_IN_FULL = "paid_in_full", _("Paid in full")


class AttachmentKind(models.TextChoices):
    QUOTATION = "quotation", _("Quotation")
    CONTRACT = "contract", _("Contract")
    VOUCHER = "voucher", _("Payment voucher")
    OTHER = "other", _("Other")


# Seed 003: 由疫情防控工作领导小组报请集团党委同意后统筹安排，由疫情防控办公室统一实施.
DEFAULT_CHAIN = [Role.LEADING_GROUP.value, Role.PARTY_COMMITTEE.value, Role.OFFICE.value]
# The roles a chain may name (each step is signed by a holder of its role).
CHAIN_ROLES = (Role.LEADING_GROUP, Role.PARTY_COMMITTEE, Role.OFFICE, Role.UNIT_ADMIN)
MAX_STEPS = 6
