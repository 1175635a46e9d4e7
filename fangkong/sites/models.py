"""Disinfection and ventilation of sites (M8, seeds 003/004: offices twice a day with the
windows open, the office building three times, the 13 heat stations daily, the duty
vehicles each shift).

A `Schedule` is set by an office for the sites of one kind in its subtree, or on one site
(an override); the nearest one up a site's line wins, else the shipped default
(`schedules.DEFAULTS`). Every slot of every site and day is a `Slot` row made ahead by the
sweep, so "missed" is a fact, not an absence; `SlotTally` keeps each site's counts of a
day in the same transaction as each change, so the province root reads ~10,000 rows, not
30,000 slots."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.choices import SiteKind
from fangkong.orgs.models import Person, Unit

from .choices import Covers, SlotState, Via

USER = settings.AUTH_USER_MODEL


class Schedule(models.Model):
    """The slots of a day for the sites of `site_kind` in `unit`'s subtree (or, set on a
    site itself, for that site only). `slots` is a list of
    {"at": "HH:MM", "covers": Covers, "agent": str, "label": str}, in the site's time."""

    scope_field = "unit_path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("set at"), on_delete=models.CASCADE, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    site_kind = models.CharField(_("site kind"), max_length=20, choices=SiteKind.choices)
    slots = models.JSONField(_("slots"), default=list)
    window_minutes = models.PositiveIntegerField(
        _("on time within (minutes)"), default=120, help_text=_("after the slot's start")
    )
    grace_minutes = models.PositiveIntegerField(
        _("late within (minutes)"),
        default=120,
        help_text=_("after the on-time window; then the slot is missed"),
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    updated_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("disinfection schedule")
        verbose_name_plural = _("disinfection schedules")
        constraints = [
            models.UniqueConstraint(fields=["unit", "site_kind"], name="sites_schedule_unique"),
        ]

    def __str__(self):
        return f"{self.unit_id} {self.site_kind}"


class Slot(models.Model):
    """One expected disinfection or ventilation of a site: on time until `ends_at`, late
    until `missed_at`, then missed (by the sweep, which tells the liaison once)."""

    scope_field = "unit_path"

    site = models.ForeignKey(
        Unit, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField(_("day"))
    number = models.PositiveSmallIntegerField(_("slot of the day"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("on time until"))
    missed_at = models.DateTimeField(_("missed after"))
    covers = models.CharField(_("covers"), max_length=20, choices=Covers.choices)
    agent = models.CharField(_("agent"), max_length=100, blank=True)
    label = models.CharField(_("label"), max_length=40, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SlotState.choices, default=SlotState.EXPECTED
    )
    logged_at = models.DateTimeField(_("logged at"), null=True, blank=True)
    done_by = models.ForeignKey(
        Person,
        verbose_name=_("done by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    logged_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    done = models.JSONField(_("what was done"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    photo = models.FileField(_("photo"), upload_to="sites/%Y/%m/", blank=True)
    via = models.CharField(_("logged through"), max_length=10, choices=Via.choices, blank=True)
    told_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("disinfection slot")
        verbose_name_plural = _("disinfection slots")
        ordering = ["unit_path", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["site", "day", "number"], name="sites_slot_unique"),
        ]
        indexes = [
            models.Index(fields=["day", "unit_path"], name="sites_slot_day_path_idx"),
            models.Index(
                fields=["missed_at"],
                condition=Q(state="expected"),
                name="sites_slot_open_idx",
            ),
        ]

    def __str__(self):
        return f"{self.site_id} {self.day} #{self.number}"

    @property
    def is_logged(self) -> bool:
        return self.state in (SlotState.DONE, SlotState.LATE)


class SlotTally(models.Model):
    """Counts of one site's slots of one day by state (kept by services and sweeps)."""

    scope_field = "unit_path"

    site = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField()
    total = models.IntegerField(default=0)
    expected = models.IntegerField(default=0)
    done = models.IntegerField(default=0)
    late = models.IntegerField(default=0)
    missed = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    COUNTS = ("total", "expected", "done", "late", "missed")

    class Meta:
        verbose_name = _("slot tally")
        verbose_name_plural = _("slot tallies")
        constraints = [
            models.UniqueConstraint(fields=["site", "day"], name="sites_tally_unique"),
        ]
        indexes = [models.Index(fields=["day", "unit_path"], name="sites_tally_day_path_idx")]

    def __str__(self):
        return f"{self.site_id} {self.day}"


class SiteLink(models.Model):
    """A site's password-less QR link (printed on its wall). The URL carries a signed token
    naming the site and this row's nonce; revoking or reissuing kills the old URL."""

    site = models.ForeignKey(
        Unit, verbose_name=_("site"), on_delete=models.CASCADE, related_name="+"
    )
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("site QR link")
        verbose_name_plural = _("site QR links")
        constraints = [
            models.UniqueConstraint(
                fields=["site"], condition=Q(revoked_at__isnull=True), name="sites_one_live_link"
            ),
        ]

    def __str__(self):
        return f"{self.site_id} {self.created_at:%Y-%m-%d}"
