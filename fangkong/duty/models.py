"""The 24-hour duty roster (M7, 值班值守): duty rooms, their shifts per role, templates of
repeating patterns, swaps with approval, the duty log and handovers at shift change.

Times are stored in UTC; a room's days and shift starts are its unit's local time
(`Unit.timezone`). Scope follows the room's unit (`room__unit__path`), so a unit move
needs no copy of paths here.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Person, Unit

from .choices import DutyRole, LogKind, SwapState

USER = settings.AUTH_USER_MODEL


class DutyRoom(models.Model):
    """A unit's duty room (值班室): one per unit at most. Units without one are served by
    the nearest room up their line."""

    scope_field = "unit__path"

    unit = models.OneToOneField(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="duty_room"
    )
    name = models.CharField(_("name"), max_length=100)
    phone = models.CharField(_("duty phone"), max_length=30, blank=True)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty room")
        verbose_name_plural = _("duty rooms")
        ordering = ["unit__path"]

    def __str__(self):
        return self.name


class RosterTemplate(models.Model):
    """A repeating pattern for one role of a room: shifts of `shift_hours` hours from
    `start_time` (local), each given to the next person of `people` in turn. The rotation
    is anchored: the first person takes the shift starting at `start_time` on
    `anchor_on`, so consecutive months continue the same rotation."""

    scope_field = "room__unit__path"

    room = models.ForeignKey(
        DutyRoom, verbose_name=_("duty room"), on_delete=models.CASCADE, related_name="templates"
    )
    role = models.CharField(_("duty role"), max_length=10, choices=DutyRole.choices)
    name = models.CharField(_("name"), max_length=100)
    shift_hours = models.PositiveSmallIntegerField(_("shift length (hours)"), default=24)
    start_time = models.TimeField(_("shift starts at (local time)"))
    anchor_on = models.DateField(_("rotation starts on"))
    # Person ids in rotation order.
    people = models.JSONField(_("people in rotation"), default=list)
    rotation: list  # the Person rows of `people`, set by queries.roster for the pages
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("roster template")
        verbose_name_plural = _("roster templates")
        ordering = ["role", "name"]
        constraints = [
            models.UniqueConstraint(fields=["room", "name"], name="duty_template_name_unique"),
            models.CheckConstraint(
                condition=Q(shift_hours__gte=1) & Q(shift_hours__lte=72),
                name="duty_template_shift_hours",
            ),
        ]

    def __str__(self):
        return self.name


class Shift(models.Model):
    """One person on duty in one role of a room from `starts_at` to `ends_at` (half-open).
    A person never has two overlapping shifts, in any room: the services check it under a
    lock on the person's row."""

    scope_field = "room__unit__path"

    room = models.ForeignKey(
        DutyRoom, verbose_name=_("duty room"), on_delete=models.CASCADE, related_name="shifts"
    )
    role = models.CharField(_("duty role"), max_length=10, choices=DutyRole.choices)
    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="duty_shifts"
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    # The template that made it; re-applying the template replaces its future shifts,
    # except those changed by hand or by a swap (`edited`).
    template = models.ForeignKey(
        RosterTemplate,
        verbose_name=_("template"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="shifts",
    )
    edited = models.BooleanField(_("changed by hand or swapped"), default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["starts_at", "role", "id"]
        indexes = [
            models.Index(fields=["room", "starts_at"]),
            models.Index(fields=["person", "starts_at"]),
            models.Index(fields=["template", "starts_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="duty_shift_ends_after_start"
            ),
        ]

    def __str__(self):
        return f"{self.get_role_display()} {self.person_id} {self.starts_at:%Y-%m-%d %H:%M}"


class SwapRequest(models.Model):
    """A request to hand a shift to someone else; approval by a duty manager (manage_duty)
    moves the shift, re-checking the new person's other shifts."""

    scope_field = "shift__room__unit__path"

    shift = models.ForeignKey(
        Shift, verbose_name=_("shift"), on_delete=models.CASCADE, related_name="swap_requests"
    )
    from_person = models.ForeignKey(
        Person, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_person = models.ForeignKey(
        Person, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=SwapState.choices, default=SwapState.PENDING
    )
    requested_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=200, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("swap request")
        verbose_name_plural = _("swap requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One open request per shift at a time.
            models.UniqueConstraint(
                fields=["shift"],
                condition=Q(state="pending"),
                name="duty_swap_one_pending_per_shift",
            ),
        ]

    def __str__(self):
        return f"swap #{self.pk} ({self.state})"


class DutyLogEntry(models.Model):
    """One line of the duty log (值班记录): a call received, an instruction passed down, a
    report passed up."""

    scope_field = "room__unit__path"

    room = models.ForeignKey(
        DutyRoom, verbose_name=_("duty room"), on_delete=models.CASCADE, related_name="log"
    )
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="log_entries",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=LogKind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now)
    text = models.TextField(_("text"))
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("written at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty log entry")
        verbose_name_plural = _("duty log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["room", "at"])]

    def __str__(self):
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class Handover(models.Model):
    """The handover note at shift change (交接班), confirmed by the outgoing and by the
    incoming person."""

    scope_field = "outgoing__room__unit__path"

    outgoing = models.ForeignKey(
        Shift,
        verbose_name=_("outgoing shift"),
        on_delete=models.PROTECT,
        related_name="handovers_out",
    )
    incoming = models.ForeignKey(
        Shift,
        verbose_name=_("incoming shift"),
        on_delete=models.PROTECT,
        related_name="handovers_in",
    )
    note = models.TextField(_("handover note"))
    written_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    written_at = models.DateTimeField(_("written at"), default=timezone.now)
    confirmed_out_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_out_at = models.DateTimeField(
        _("confirmed by the outgoing at"), null=True, blank=True
    )
    confirmed_in_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_in_at = models.DateTimeField(_("confirmed by the incoming at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")
        ordering = ["-written_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["outgoing", "incoming"], name="duty_handover_unique"),
        ]

    def __str__(self):
        return f"handover {self.outgoing_id} → {self.incoming_id}"

    @property
    def complete(self) -> bool:
        return self.confirmed_out_at is not None and self.confirmed_in_at is not None
