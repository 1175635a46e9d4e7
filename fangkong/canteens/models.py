"""Canteen staggering (M16, seed 004: 分时、分流、分开): a canteen is a site unit of kind
canteen with its seats and safe-distance seats and a serving window per meal cut into
slots; the departments it serves (`Diner`, each eating in the hall, taking away or at the
desks); a `Plan` per canteen, day and meal in versions (proposed, adjusted, replanned),
its `PlanRow`s the departments with today's head counts on post and their slot."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Unit

from .choices import Meal, Mode, PlanReason, PlanState

USER = settings.AUTH_USER_MODEL


class Canteen(models.Model):
    scope_field = "unit_path"

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    seats = models.PositiveIntegerField(_("seats"))
    safe_seats = models.PositiveIntegerField(_("safe-distance seats"))
    created_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(safe_seats__lte=models.F("seats")), name="canteen_safe_le_seats"
            )
        ]

    def __str__(self):
        return self.unit.name

    @property
    def code(self) -> str:
        return self.unit.code


class Window(models.Model):
    """A meal's serving window, cut into slots of `slot_minutes` (local times)."""

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="windows")
    meal = models.CharField(_("meal"), max_length=10, choices=Meal.choices)
    starts = models.TimeField(_("serving from"))
    ends = models.TimeField(_("serving until"))
    slot_minutes = models.PositiveIntegerField(_("minutes per slot"), default=20)

    class Meta:
        ordering = ["canteen", "starts"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "meal"], name="window_canteen_meal"),
            models.CheckConstraint(condition=Q(ends__gt=models.F("starts")), name="window_order"),
        ]

    def __str__(self):
        return f"{self.get_meal_display()} {self.starts:%H:%M}–{self.ends:%H:%M}"


class Diner(models.Model):
    """A department the canteen serves, and how it eats."""

    scope_field = "unit_path"

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="diners")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    mode = models.CharField(
        _("how it eats"), max_length=10, choices=Mode.choices, default=Mode.HALL
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["canteen", "unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["canteen", "unit"], name="diner_canteen_unit")
        ]

    def __str__(self):
        return f"{self.unit} ({self.get_mode_display()})"


class Plan(models.Model):
    scope_field = "unit_path"

    canteen = models.ForeignKey(Canteen, on_delete=models.CASCADE, related_name="plans")
    unit_path = PathField(max_length=255, editable=False)  # the canteen's
    day = models.DateField(_("day"))
    meal = models.CharField(_("meal"), max_length=10, choices=Meal.choices)
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=12, choices=PlanState.choices, default=PlanState.DRAFT)
    reason = models.CharField(max_length=12, choices=PlanReason.choices)
    capacity = models.PositiveIntegerField()  # safe seats when planned
    slot_minutes = models.PositiveIntegerField()
    starts = models.TimeField()
    slots = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["canteen", "-day", "meal", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["canteen", "day", "meal", "version"], name="plan_version_unique"
            )
        ]

    def __str__(self):
        return f"{self.day} {self.get_meal_display()} v{self.version}"


class PlanRow(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="rows")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=10, choices=Mode.choices)
    people = models.PositiveIntegerField()  # on post today when planned
    slot = models.PositiveIntegerField(null=True, blank=True)  # None: not in the hall

    class Meta:
        ordering = ["plan", "slot", "unit__path"]
        constraints = [models.UniqueConstraint(fields=["plan", "unit"], name="planrow_unique")]

    def __str__(self):
        return f"{self.unit} {self.slot}"
