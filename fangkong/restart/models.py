"""Return to work (M17, 复工复产): one `RestartPlan` per unit (its industry, the day it
restarts, its phases by site), the items of its readiness checklist confirmed by hand with
evidence (`Confirmation`: the commitment letter, the prevention plan), filed to the parent
(备案) and decided there (approved, returned for changes, told to wait), every step a
`PlanEvent`. The computed items of the checklist are read at each view from the other
apps' figures, never stored."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Unit

from .choices import EventKind, Industry, Item, PlanState

USER = settings.AUTH_USER_MODEL


class RestartPlan(models.Model):
    scope_field = "unit_path"

    unit = models.OneToOneField(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices)
    restart_on = models.DateField(_("restarts on"))
    returning = models.PositiveIntegerField(_("people returning"), default=0)
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(max_length=10, choices=PlanState.choices, default=PlanState.DRAFT)
    filed_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_path"]
        indexes = [models.Index(fields=["state", "unit_path"], name="restart_state_path_idx")]

    def __str__(self):
        return f"{self.unit} {self.get_state_display()}"


class Phase(models.Model):
    """A phase of the restart: a site (or the whole unit) back from a day."""

    plan = models.ForeignKey(RestartPlan, on_delete=models.CASCADE, related_name="phases")
    site = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    starts_on = models.DateField(_("from"))
    people = models.PositiveIntegerField(_("people"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["plan", "starts_on", "id"]

    def __str__(self):
        return f"{self.site or self.plan.unit} {self.starts_on}"


class Confirmation(models.Model):
    plan = models.ForeignKey(RestartPlan, on_delete=models.CASCADE, related_name="confirmations")
    item = models.CharField(max_length=20, choices=Item.choices)
    file = models.FileField(_("evidence"), upload_to="restart/%Y/%m/")
    note = models.CharField(_("note"), max_length=200, blank=True)
    confirmed_at = models.DateTimeField(default=timezone.now)
    confirmed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["plan", "item", "-confirmed_at"]

    def __str__(self):
        return f"{self.plan_id} {self.item}"


class PlanEvent(models.Model):
    plan = models.ForeignKey(RestartPlan, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    note = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["plan", "at", "id"]

    def __str__(self):
        return f"{self.plan_id} {self.kind}"
