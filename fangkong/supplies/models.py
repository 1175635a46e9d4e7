"""The supplies ledger (M10): a catalogue of items, an append-only ledger of moves per
(unit, item), and the balance kept in the same transaction as each move, so a balance is
one row to read and is never typed."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Unit

from .choices import (
    AdjustReason,
    Category,
    CoverState,
    MoveKind,
    RequestAction,
    RequestState,
    Source,
    TransferState,
    Urgency,
)

USER = settings.AUTH_USER_MODEL


class Item(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=10)
    pack_name = models.CharField(_("pack"), max_length=10, blank=True)
    pack_size = models.PositiveIntegerField(_("units per pack"), default=1)
    durable = models.BooleanField(
        _("durable"), default=False, help_text=_("Counted, not consumed (thermometer guns).")
    )
    active = models.BooleanField(_("in use"), default=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("supply item")
        verbose_name_plural = _("supply items")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name


class Balance(models.Model):
    """What a unit holds of an item now: written only by services with each move."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    quantity = models.BigIntegerField(_("balance"), default=0)
    updated_at = models.DateTimeField(default=timezone.now)
    # Days of cover, kept with each move and by the daily sweep (cover.py): derived, never
    # typed. `rate` is None while there is no stocked day to average over.
    rate = models.DecimalField(
        _("daily consumption"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    days_of_cover = models.DecimalField(
        _("days of cover"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CoverState.choices, default=CoverState.ADEQUATE
    )
    severity = models.PositiveSmallIntegerField(default=0)  # 3 out, 2 below safety, 0 else
    shortfall = models.BigIntegerField(_("short by"), default=0)  # to reach the safety level
    rate_day = models.DateField(null=True, blank=True)  # the unit's day it was computed for

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "item"], name="supply_balance_unique"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supply_balance_not_negative"
            ),
        ]
        indexes = [
            models.Index(fields=["item", "unit_path"], name="supply_balance_path_idx"),
            # The board: its first page in order, its totals and drill-down from the index alone.
            models.Index(
                fields=["severity", "unit_path", "item", "shortfall"],
                name="supply_balance_short_idx",
            ),
            models.Index(fields=["rate_day"], name="supply_balance_rate_day_idx"),
        ]

    def __str__(self):
        return f"{self.unit_id}/{self.item_id}: {self.quantity}"


class Transfer(models.Model):
    """Stock sent from one unit to another: out of the sender at once, in transit, then
    into the receiver with the quantity received (proof of receipt)."""

    scope_field = "unit_path"

    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)  # the sender's
    to_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    to_path = PathField(max_length=255, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity_sent = models.BigIntegerField(_("quantity sent"))
    quantity_received = models.BigIntegerField(_("quantity received"), null=True, blank=True)
    discrepancy_reason = models.CharField(_("why it differs"), max_length=200, blank=True)
    state = models.CharField(
        max_length=12, choices=TransferState.choices, default=TransferState.IN_TRANSIT
    )
    sent_at = models.DateTimeField(default=timezone.now)
    sent_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    received_at = models.DateTimeField(null=True, blank=True)
    received_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    distribution = models.ForeignKey(
        "Distribution", on_delete=models.PROTECT, null=True, blank=True, related_name="transfers"
    )
    chased_at = models.DateTimeField(null=True, blank=True)  # receipt overdue, told once

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-sent_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity_sent__gt=0), name="transfer_positive"),
            models.CheckConstraint(
                condition=~Q(from_unit=models.F("to_unit")), name="transfer_not_to_itself"
            ),
        ]

    def __str__(self):
        return f"{self.item_id} × {self.quantity_sent}: {self.from_unit_id} → {self.to_unit_id}"


class Move(models.Model):
    """One line of the ledger: never edited; a wrong one is put right by its reversal."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(_("kind"), max_length=12, choices=MoveKind.choices)
    delta = models.BigIntegerField(_("quantity"))  # + in, - out
    balance_after = models.BigIntegerField(_("balance after"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices, blank=True)
    purpose = models.CharField(_("purpose or site"), max_length=200, blank=True)
    reason = models.CharField(_("reason"), max_length=12, choices=AdjustReason.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    transfer = models.ForeignKey(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="moves"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="reversed_by"
    )
    at = models.DateTimeField(_("when"), default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["unit", "item", "at"], name="supply_move_card_idx"),
            models.Index(fields=["item", "kind", "at", "unit_path"], name="supply_move_rate_idx"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(delta=0), name="move_not_zero")]

    def __str__(self):
        return f"{self.kind} {self.delta:+} ({self.unit_id}/{self.item_id})"


class StockDay(models.Model):
    """One (unit, item, local day) on which something moved, written with each move: the
    day's opening and closing balance, its highest level, what came in and what was issued
    (net of reversed issues). Days of cover and past balances read these few rows instead
    of the ledger; a day without a row kept the closing balance of the row before it."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    day = models.DateField()
    opening = models.BigIntegerField()
    received = models.BigIntegerField(default=0)
    issued = models.BigIntegerField(default=0)
    closing = models.BigIntegerField()
    peak = models.BigIntegerField()

    objects = ScopedQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "item", "day"], name="supply_day_unique")
        ]
        indexes = [models.Index(fields=["item", "day", "unit_path"], name="supply_day_path_idx")]

    def __str__(self):
        return f"{self.unit_id}/{self.item_id} {self.day}: {self.opening}→{self.closing}"


class SafetyLevel(models.Model):
    """How much a kind of unit should hold of an item: days of cover for what is consumed
    (default FANGKONG_SUPPLY_SAFETY_DAYS, "至少保持3天周转量"), a count for what is not
    (thermometer guns). `unit_kind` is a unit kind or a site kind; blank is every unit."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="safety_levels")
    unit_kind = models.CharField(_("unit or site kind"), max_length=20, blank=True)
    days = models.DecimalField(
        _("safety days"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    minimum = models.PositiveIntegerField(_("minimum held"), null=True, blank=True)

    class Meta:
        verbose_name = _("safety level")
        verbose_name_plural = _("safety levels")
        constraints = [
            models.UniqueConstraint(fields=["item", "unit_kind"], name="supply_safety_unique")
        ]

    def __str__(self):
        return f"{self.item_id}/{self.unit_kind or '*'}"


class Distribution(models.Model):
    """A received batch split among units (seed 003: the market regulator's delivery handed
    out by the office): one transfer per share, each tracked to its receipt."""

    scope_field = "unit_path"

    from_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity distributed"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.item_id} × {self.quantity} from {self.from_unit_id}"


class Request(models.Model):
    """A unit asks the level above for an item (for itself or a unit below it). It waits
    at `at_unit` (the requesting unit's parent, then higher when passed up) until decided;
    every state change is a `RequestEvent`."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    for_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity asked"))
    urgency = models.CharField(
        _("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL
    )
    reason = models.CharField(_("reason"), max_length=300)
    at_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    at_path = PathField(max_length=255, editable=False)
    state = models.CharField(
        _("state"), max_length=10, choices=RequestState.choices, default=RequestState.OPEN
    )
    approved_quantity = models.BigIntegerField(_("quantity approved"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=300, blank=True)
    due_at = models.DateTimeField()  # a decision is overdue after it
    overdue_at = models.DateTimeField(null=True, blank=True)  # the level above told
    transfer = models.OneToOneField(
        Transfer, on_delete=models.PROTECT, null=True, blank=True, related_name="request"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="request_positive"),
        ]
        indexes = [
            models.Index(fields=["state", "due_at"], name="supply_request_due_idx"),
            models.Index(fields=["state", "at_path"], name="supply_request_at_idx"),
        ]

    def __str__(self):
        return f"{self.item_id} × {self.quantity} for {self.for_unit_id}"


class RequestEvent(models.Model):
    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=10, choices=RequestAction.choices)
    at_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.request_id} {self.action}"
