from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    MASK = "mask", _("Masks")
    DISINFECTANT = "disinfectant", _("Disinfectants")
    PROTECTION = "protection", _("Protective equipment")
    DEVICE = "device", _("Devices")
    OTHER = "other", _("Other")


class MoveKind(models.TextChoices):
    RECEIPT = "receipt", _("Receipt")
    ISSUE = "issue", _("Issue")
    TRANSFER_OUT = "transfer_out", _("Transfer out")
    TRANSFER_IN = "transfer_in", _("Transfer received")
    ADJUSTMENT = "adjustment", _("Count adjustment")
    REVERSAL = "reversal", _("Reversal")


class Source(models.TextChoices):
    PURCHASE = "purchase", _("Purchase")
    DONATION = "donation", _("Donation")
    ALLOCATION = "allocation", _("Allocation from above")
    OTHER = "other", _("Other")


class AdjustReason(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    EXPIRED = "expired", _("Expired")
    LOST = "lost", _("Lost")
    COUNT_ERROR = "count_error", _("Count error")


class TransferState(models.TextChoices):
    IN_TRANSIT = "in_transit", _("In transit")
    RECEIVED = "received", _("Received")


class CoverState(models.TextChoices):
    OUT = "out", _("Out of stock")
    BELOW = "below", _("Below safety level")
    ADEQUATE = "adequate", _("Adequate")
    OVER = "over", _("Overstocked")


class Urgency(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    NORMAL = "normal", _("Normal")


class RequestState(models.TextChoices):
    OPEN = "open", _("Waiting for a decision")
    APPROVED = "approved", _("Approved, to be shipped")
    PROCURING = "procuring", _("Approved, being procured")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    REJECTED = "rejected", _("Rejected")


class RequestAction(models.TextChoices):
    FILED = "filed", _("Filed")
    APPROVED = "approved", _("Approved")
    PARTLY_APPROVED = "partly", _("Approved in part")
    REJECTED = "rejected", _("Rejected")
    PASSED_UP = "passed_up", _("Passed up")
    PROCURING = "procuring", _("To be procured")
    SHIPPED = "shipped", _("Shipped")
    RECEIVED = "received", _("Received")
    OVERDUE = "overdue", _("Overdue, the level above told")
