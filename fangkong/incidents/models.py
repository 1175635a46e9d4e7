"""Incidents and their clocks (先电话、后书面, seed 004: 30分钟内报告上级领导机关).

An incident is filed at its unit; the levels above it, up to the level its kind must
reach, each get a `Receipt` to acknowledge. Every deadline is a `Clock` row — the phone
report and the written report of the reporting unit, the acknowledgement of each level —
so the escalation sweep is one indexed query over unmet, unescalated clocks that are due,
whatever the number of open incidents. Every step is an `IncidentEvent`: the timeline.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Person, Unit

from .choices import ClockKind, EventKind, IncidentKind, IncidentState, Level, Outcome

USER = settings.AUTH_USER_MODEL


class Incident(models.Model):
    scope_field = "unit_path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="incidents"
    )
    unit_path = PathField(max_length=255, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=IncidentKind.choices)
    title = models.CharField(_("summary"), max_length=200)
    discovered_at = models.DateTimeField(_("discovered at"))
    discovered_by = models.CharField(_("discovered by"), max_length=100)
    place = models.CharField(_("where"), max_length=200, blank=True)
    site = models.ForeignKey(
        Unit,
        verbose_name=_("site"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    people = models.ManyToManyField(
        Person, verbose_name=_("people involved"), blank=True, related_name="incidents"
    )
    actions_taken = models.TextField(_("what was done at once"), blank=True)
    description = models.TextField(_("details"), blank=True)
    level = models.CharField(_("must reach"), max_length=10, choices=Level.choices)
    target_unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(
        _("state"), max_length=10, choices=IncidentState.choices, default=IncidentState.OPEN
    )
    late_discovery = models.BooleanField(_("discovered long before filing"), default=False)
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    filed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    close_reason = models.TextField(_("reason for closing"), blank=True)
    # The health case that opened it by itself (a suspected or confirmed result).
    health_case = models.OneToOneField(
        "health.HealthCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="incident",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-discovered_at", "-id"]
        indexes = [models.Index(fields=["state", "unit_path"], name="incident_state_path_idx")]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.title}"


class Receipt(models.Model):
    """A level the incident goes up to, and its acknowledgement."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="receipts")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField()  # 1 = the level right above the unit
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["incident", "order"]
        constraints = [
            models.UniqueConstraint(fields=["incident", "unit"], name="receipt_unique"),
        ]

    def __str__(self):
        return f"{self.incident_id} → {self.unit_id}"


class Clock(models.Model):
    """A deadline: the phone or written report of the reporting unit, or the
    acknowledgement of a receiving level. `unit` is who must meet it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="clocks")
    kind = models.CharField(max_length=10, choices=ClockKind.choices)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    met_at = models.DateTimeField(null=True, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    # Failed escalation attempts: such a clock is retried after the others (incidents/sweeps.py).
    escalation_failures = models.PositiveIntegerField(default=0)
    # Closing stops a clock that was never met: it stays unmet ("closed before met").
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident", "kind", "unit"], name="clock_unique"),
        ]
        indexes = [
            # The sweep's query: unmet, unescalated, running clocks, failed ones last, by due time.
            models.Index(
                fields=["escalation_failures", "due_at"],
                name="clock_running_idx",
                condition=Q(
                    met_at__isnull=True, escalated_at__isnull=True, cancelled_at__isnull=True
                ),
            ),
            # /metrics: open and overdue clocks, escalated or not (incidents/monitoring.py).
            models.Index(
                fields=["due_at"],
                name="clock_open_idx",
                condition=Q(met_at__isnull=True, cancelled_at__isnull=True),
            ),
        ]

    def __str__(self):
        return f"{self.incident_id} {self.kind} {self.due_at:%H:%M}"

    def is_late(self, now) -> bool:
        return (self.met_at or self.cancelled_at or now) > self.due_at


class PhoneReport(models.Model):
    """先电话: who called whom, when."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="phone_reports")
    called_at = models.DateTimeField(_("called at"))
    caller = models.CharField(_("caller"), max_length=100)
    callee = models.CharField(_("called"), max_length=100)
    to_unit = models.ForeignKey(
        Unit, verbose_name=_("unit called"), on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["called_at", "id"]

    def __str__(self):
        return f"{self.caller} → {self.callee}"


class WrittenReport(models.Model):
    """后书面: the written report, with attachments."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="written_reports")
    text = models.TextField(_("report"))
    filed_at = models.DateTimeField(_("filed at"), default=timezone.now)
    filed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["filed_at", "id"]

    def __str__(self):
        return f"{self.incident_id} {self.filed_at:%H:%M}"


class Attachment(models.Model):
    report = models.ForeignKey(WrittenReport, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="incidents/%Y/%m/")
    name = models.CharField(_("name"), max_length=200)
    size = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name


class IncidentEvent(models.Model):
    """One step on the incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.incident_id} {self.kind} {self.at:%H:%M}"
