"""Checkpoints (M9, seed 003: 设立检查点, 对所有上班人员每天全部实施体温监测): a checkpoint
is a site unit of kind checkpoint or belongs to a site (a community gate, a heat-station
door); each shift of a day has its counts (people checked, of them staff, residents and
visitors; fevers found; turned away) and who was on the checkpoint; each fever found is
one row that opened a health case (staff) or an incident (resident, visitor)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.health.models import HealthCase
from fangkong.incidents.models import Incident
from fangkong.orgs.models import Person, Unit

from .choices import Direction, Duty, Passer, Slot, Source

USER = settings.AUTH_USER_MODEL


class Checkpoint(models.Model):
    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    code = models.CharField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=100)
    is_active = models.BooleanField(_("in use"), default=True)
    signin_enabled = models.BooleanField(
        _("staff sign in by the site's QR code"),
        default=False,
        help_text=_("who passed the checkpoint and when, entered by each staff member"),
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_path", "code"]

    def __str__(self):
        return self.name


class Shift(models.Model):
    """One shift of a checkpoint on a (local) day, with its counts."""

    scope_field = "unit_path"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="shifts")
    unit_path = PathField(max_length=255, editable=False)  # the checkpoint's
    day = models.DateField(_("day"))
    slot = models.CharField(_("shift"), max_length=10, choices=Slot.choices)
    checked = models.PositiveIntegerField(_("people checked"), default=0)
    staff = models.PositiveIntegerField(_("staff"), default=0)
    residents = models.PositiveIntegerField(_("residents"), default=0)
    visitors = models.PositiveIntegerField(_("visitors"), default=0)
    fevers = models.PositiveIntegerField(_("fevers found"), default=0)
    turned_away = models.PositiveIntegerField(_("turned away"), default=0)
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.PAGE)
    counted_at = models.DateTimeField(default=timezone.now)
    counted_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "checkpoint__code", "slot"]
        indexes = [models.Index(fields=["day", "unit_path"], name="shift_day_path_idx")]
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "day", "slot"], name="shift_checkpoint_day_slot_unique"
            ),
            models.CheckConstraint(
                condition=Q(checked=F("staff") + F("residents") + F("visitors")),
                name="shift_breakdown_adds_up",
            ),
            models.CheckConstraint(condition=Q(fevers__lte=F("checked")), name="shift_fevers_le"),
            models.CheckConstraint(
                condition=Q(turned_away__lte=F("checked")), name="shift_turned_away_le"
            ),
        ]

    def __str__(self):
        return f"{self.checkpoint_id} {self.day} {self.slot}"


class OnDuty(models.Model):
    """Who was on the checkpoint for the shift: a person of the roster or a volunteer by
    name (team members deployed to the site show without a row of their own)."""

    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="on_duty")
    duty = models.CharField(max_length=10, choices=Duty.choices, default=Duty.STAFF)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(name=""), name="on_duty_someone"
            ),
        ]

    def __str__(self):
        return self.name or str(self.person_id)


class Fever(models.Model):
    """A fever found at a checkpoint: a staff member (a health case) or a resident or
    visitor (an incident of kind fever at the checkpoint's unit, with its 30-minute clock)."""

    scope_field = "unit_path"

    shift = models.ForeignKey(Shift, on_delete=models.PROTECT, related_name="fever_rows")
    unit_path = PathField(max_length=255, editable=False)
    passer = models.CharField(_("who"), max_length=10, choices=Passer.choices)
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=50, blank=True)
    temperature = models.DecimalField(_("temperature"), max_digits=3, decimal_places=1)
    note = models.CharField(_("note"), max_length=200, blank=True)
    found_at = models.DateTimeField(default=timezone.now)
    found_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    case = models.ForeignKey(
        HealthCase, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-found_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(passer=Passer.STAFF) & Q(person__isnull=False))
                | (~Q(passer=Passer.STAFF) & Q(person__isnull=True)),
                name="fever_staff_is_a_person",
            ),
        ]

    def __str__(self):
        return f"{self.shift_id} {self.passer} {self.temperature}"


class SignIn(models.Model):
    """A staff member of the site's roster passing the checkpoint (off unless the checkpoint
    turns it on): who, when, which way if said. `entry_key` is the page's one-time key, so
    a double submit records one row."""

    scope_field = "unit_path"

    checkpoint = models.ForeignKey(Checkpoint, on_delete=models.PROTECT, related_name="signins")
    unit_path = PathField(max_length=255, editable=False)  # the checkpoint's
    person = models.ForeignKey(
        Person, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("passed at"), default=timezone.now)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, blank=True
    )
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.QR)
    entry_key = models.CharField(max_length=40, unique=True, null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("checkpoint sign-in")
        verbose_name_plural = _("checkpoint sign-ins")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["checkpoint", "at"], name="signin_checkpoint_at_idx")]

    def __str__(self):
        return f"{self.checkpoint_id} {self.person_id} {self.at:%Y-%m-%d %H:%M}"
