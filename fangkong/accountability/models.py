"""The accountability ledger (问责, M18): entries made by the system from the facts it
holds, never typed by hand, and the office's notes and waivers on them.

Seed 000: 对缓报、瞒报、漏报的 … 严肃追责问责; the facts come from the reports themselves.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Person, Unit

from . import kinds
from .choices import AnnotationAction, Grade


class Entry(models.Model):
    """One fact that may call for accountability: a report filed late, a report missing
    after the cut-off, a correction after the cut-off (and, later, incident kinds).

    `repetition` is the entry's rank among the unit's distinct non-waived occurrences in
    the 30 days ending on its day; `grade` follows from it (services.grade_for).
    """

    scope_field = "unit_path"

    # A plain CharField: later apps register kinds (kinds.register_kind) without a migration.
    kind = models.CharField(_("kind"), max_length=40)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="accountability_entries",
    )
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField(_("day"))
    # What the entry is about: ("daily_report", id), ("report_revision", id), …
    object_type = models.CharField(_("record type"), max_length=40)
    object_id = models.PositiveBigIntegerField(_("record id"))
    # The liaison at the time, copied: a later change of liaison does not rewrite history.
    liaison = models.ForeignKey(
        Person,
        verbose_name=_("liaison"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    liaison_name = models.CharField(_("liaison name"), max_length=50, blank=True)
    liaison_phone = models.CharField(_("liaison phone"), max_length=20, blank=True)
    facts = models.JSONField(_("facts"), default=dict)
    grade = models.CharField(_("grade"), max_length=20, choices=Grade.choices)
    repetition = models.PositiveSmallIntegerField(_("occurrence within 30 days"), default=1)
    waived = models.BooleanField(_("waived"), default=False)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("accountability entry")
        verbose_name_plural = _("accountability entries")
        ordering = ["-day", "unit_path", "id"]
        constraints = [
            # One entry per fact: the follow-up and the sweep, or two workers, may both try.
            models.UniqueConstraint(
                fields=["kind", "unit", "day", "object_id"], name="accountability_entry_unique"
            ),
            models.CheckConstraint(
                condition=Q(repetition__gte=1), name="accountability_repetition"
            ),
        ]
        indexes = [
            models.Index(fields=["day", "unit_path"], name="accountability_ledger_idx"),
            models.Index(fields=["unit", "day"], name="accountability_unit_day_idx"),
        ]

    def __str__(self):
        return f"{self.day} {self.unit_id} {self.kind}"

    def get_kind_display(self) -> str:
        return kinds.kind_label(self.kind)

    @property
    def description(self) -> str:
        return kinds.describe(self)

    @property
    def link(self) -> str:
        return kinds.link(self)

    @property
    def occurrence_key(self) -> tuple[str, int]:
        """Entries about the same record are one occurrence (a missing report later
        filed late is one failure, not two)."""
        return (self.object_type, self.object_id)


class Annotation(models.Model):
    """A note, a waiver or a withdrawn waiver by the office: who, when, why. Kept forever."""

    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="annotations")
    action = models.CharField(_("action"), max_length=10, choices=AnnotationAction.choices)
    text = models.CharField(_("text"), max_length=1000)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    actor_name = models.CharField(_("by"), max_length=150)
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        ordering = ["entry", "at", "id"]

    def __str__(self):
        return f"{self.entry_id} {self.action} {self.actor_name}"
