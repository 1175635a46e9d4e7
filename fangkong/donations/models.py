"""Donations (M12): campaigns of a unit for its subtree (seed 003: the call of 30 January
for the city Red Cross), the money gifts of units and people in fen (never a float), the
transfer of what was collected to the recipient with its proof, and goods received and
given, each one line of the supplies ledger."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Person, Unit
from fangkong.supplies.models import Item, Move

from .choices import CampaignState, GiftSource, GoodsDirection

USER = settings.AUTH_USER_MODEL


def yuan(fen: int | None) -> str:
    """12345 fen → "123.45" (an amount as text, exact)."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    fen = abs(fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


class Campaign(models.Model):
    """A call to donate (倡议), made by a unit's epidemic office for its subtree."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    name = models.CharField(_("name"), max_length=100)
    call_text = models.TextField(_("call"), blank=True)
    start_day = models.DateField(_("start day"))
    end_day = models.DateField(_("end day"), null=True, blank=True)
    target_fen = models.BigIntegerField(_("target"), null=True, blank=True)
    recipient = models.CharField(_("recipient"), max_length=100)
    state = models.CharField(
        max_length=10, choices=CampaignState.choices, default=CampaignState.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-start_day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_fen__isnull=True) | Q(target_fen__gt=0),
                name="campaign_target_positive",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def target(self) -> str:
        return yuan(self.target_fen)


class Gift(models.Model):
    """One money gift: a person's (from the roster) or a unit's collective gift."""

    scope_field = "unit_path"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="gifts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amount_fen = models.BigIntegerField(_("amount"))
    day = models.DateField(_("day"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    source = models.CharField(max_length=8, choices=GiftSource.choices, default=GiftSource.FORM)
    # A page form's one-time key: a double click enters the gift once.
    entry_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    entered_at = models.DateTimeField(default=timezone.now)
    entered_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["campaign", "unit_path"], name="gift_campaign_path_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="gift_amount_positive"),
        ]

    def __str__(self):
        return f"{self.campaign_id} {self.unit_id} {yuan(self.amount_fen)}"

    @property
    def amount(self) -> str:
        return yuan(self.amount_fen)


class Remittance(models.Model):
    """What was collected, passed to the recipient (转至市红十字会), with its proof."""

    scope_field = "unit_path"

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="remittances")
    unit_path = PathField(max_length=255, editable=False)  # the campaign's
    amount_fen = models.BigIntegerField(_("amount"))
    day = models.DateField(_("day"))
    recipient = models.CharField(_("recipient"), max_length=100)
    voucher_no = models.CharField(_("voucher number"), max_length=64)
    receipt = models.FileField(_("receipt"), upload_to="donations/%Y/%m/", blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="remittance_amount_positive"
            ),
        ]

    def __str__(self):
        return f"{self.campaign_id} → {self.recipient} {yuan(self.amount_fen)}"

    @property
    def amount(self) -> str:
        return yuan(self.amount_fen)


class GoodsDonation(models.Model):
    """Goods donated in kind: received from a donor (into the unit's stock) or given to a
    hospital or community (out of it); either way one line of the supplies ledger."""

    scope_field = "unit_path"

    direction = models.CharField(max_length=10, choices=GoodsDirection.choices)
    campaign = models.ForeignKey(
        Campaign, on_delete=models.PROTECT, null=True, blank=True, related_name="goods"
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.BigIntegerField(_("quantity"))
    counterpart = models.CharField(_("donor or receiver"), max_length=100)
    day = models.DateField(_("day"))
    move = models.OneToOneField(Move, on_delete=models.PROTECT, related_name="+")
    receipt = models.FileField(_("receipt"), upload_to="donations/%Y/%m/", blank=True)
    receipt_name = models.CharField(max_length=200, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="goods_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.direction} {self.item_id} × {self.quantity}"

    @property
    def certificate_no(self) -> str:
        return f"JZ{self.day:%Y%m%d}-{self.pk:05d}"
