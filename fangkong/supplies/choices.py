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
