"""Staff health (M3–M5): daily check-ins (晨检), fever and health cases, observation (留观)
and travel registration (员工及家属出行登记表).

Every person-level row copies its unit's path (`unit_path`) so scope and roll-ups are an
index range; `orgs.services.move_unit` keeps the copies in step. `CheckInTally` keeps
per-unit, per-day counts, written in the same transaction as the check-ins: summaries of
a province read thousands of tally rows instead of a million check-ins, and the counts
survive `fangkong purge-health`, which deletes the person-level rows.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import FamilyMember, Person, Unit

from .choices import (
    CaseResult,
    CaseState,
    CaseTrigger,
    Category,
    ObservationPlace,
    ObservationReason,
    RiskLevel,
    Source,
    Transport,
    Whereabouts,
)

USER = settings.AUTH_USER_MODEL


class CheckIn(models.Model):
    """One person's health check-in for one day; a later one the same day replaces it and
    the replaced values are kept as a `CheckInRevision`."""

    scope_field = "unit_path"

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="checkins"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField(_("day"))
    # Empty unless measured (虚报, seed 004): only an "all normal, as reported to me" entry
    # (vouched_by) may come without one.
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    whereabouts = models.CharField(_("where today"), max_length=20, choices=Whereabouts.choices)
    risk_contact = models.BooleanField(_("contact with people from risk areas"), default=False)
    case_contact = models.BooleanField(
        _("contact with confirmed or suspected cases"), default=False
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    is_fever = models.BooleanField(_("fever or red-flag symptom"), default=False)
    source = models.CharField(_("entered through"), max_length=10, choices=Source.choices)
    entered_by = models.ForeignKey(
        USER,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who vouched for it: "all normal, as reported to me" by the liaison, not measured.
    vouched_by = models.ForeignKey(
        USER,
        verbose_name=_("vouched for by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), default=timezone.now)
    revision_count = models.PositiveSmallIntegerField(_("versions"), default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        constraints = [
            models.UniqueConstraint(fields=["person", "day"], name="checkin_one_per_day"),
        ]
        indexes = [models.Index(fields=["day", "unit_path"], name="checkin_day_path_idx")]

    def __str__(self):
        return f"{self.person_id} {self.day} {self.temperature}"

    @property
    def is_proxy(self) -> bool:
        """Entered by someone else (the liaison's grid, Excel, the API), not the person."""
        return self.source != Source.LINK

    def snapshot(self) -> dict:
        return {
            "temperature": None if self.temperature is None else str(self.temperature),
            "vouched_by": self.vouched_by_id,
            "symptoms": list(self.symptoms),
            "whereabouts": self.whereabouts,
            "risk_contact": self.risk_contact,
            "case_contact": self.case_contact,
            "category": self.category,
            "source": self.source,
            "entered_by": self.entered_by_id,
            "checked_in_at": self.checked_in_at.isoformat(),
        }


class CheckInRevision(models.Model):
    """The values a check-in had before a later check-in the same day replaced them."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveSmallIntegerField(_("version"))
    values = models.JSONField(_("values"))
    # Why a proxy entry replaced the person's own check-in (confirmed, with a reason).
    reason = models.CharField(_("reason for replacing"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("earlier check-in")
        verbose_name_plural = _("earlier check-ins")
        ordering = ["checkin", "number"]
        constraints = [
            models.UniqueConstraint(fields=["checkin", "number"], name="checkin_revision_unique"),
        ]

    def __str__(self):
        return f"{self.checkin_id} v{self.number}"


class CheckInTally(models.Model):
    """Counts of one unit's check-ins for one day and category (kept by the services)."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField()
    category = models.CharField(max_length=20, choices=Category.choices)
    checked_in = models.IntegerField(default=0)
    fever = models.IntegerField(default=0)
    at_post = models.IntegerField(default=0)
    remote = models.IntegerField(default=0)
    travelling = models.IntegerField(default=0)
    observation = models.IntegerField(default=0)

    objects = ScopedQuerySet.as_manager()

    COUNTS = ("checked_in", "fever", "at_post", "remote", "travelling", "observation")

    class Meta:
        verbose_name = _("check-in tally")
        verbose_name_plural = _("check-in tallies")
        constraints = [
            models.UniqueConstraint(fields=["unit", "day", "category"], name="tally_unique"),
        ]
        indexes = [models.Index(fields=["day", "unit_path"], name="tally_day_path_idx")]

    def __str__(self):
        return f"{self.unit_id} {self.day} {self.category}"


class CheckInLink(models.Model):
    """A person's password-less check-in link (QR code). The URL carries a signed token
    naming the person and this row's nonce; revoking or reissuing kills the old URL."""

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="checkin_links"
    )
    nonce = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("check-in link")
        verbose_name_plural = _("check-in links")
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(revoked_at__isnull=True), name="one_live_link"
            ),
        ]

    def __str__(self):
        return f"{self.person_id} {self.created_at:%Y-%m-%d}"


class HealthCase(models.Model):
    """A fever or red-flag case (早发现、早隔离、早诊断), from report to result to closing."""

    scope_field = "unit_path"

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="health_cases"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    trigger = models.CharField(_("opened by"), max_length=10, choices=CaseTrigger.choices)
    temperature = models.DecimalField(
        _("temperature (°C)"), max_digits=3, decimal_places=1, null=True, blank=True
    )
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    checkin = models.ForeignKey(
        CheckIn, on_delete=models.SET_NULL, null=True, blank=True, related_name="cases"
    )
    state = models.CharField(
        _("state"), max_length=12, choices=CaseState.choices, default=CaseState.REPORTED
    )
    result = models.CharField(_("result"), max_length=12, choices=CaseResult.choices, blank=True)
    opened_at = models.DateTimeField(_("opened at"), default=timezone.now)
    opened_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("health case")
        verbose_name_plural = _("health cases")
        ordering = ["-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=~Q(state=CaseState.CLOSED), name="one_open_case"
            ),
        ]
        indexes = [models.Index(fields=["state", "unit_path"], name="case_state_path_idx")]

    def __str__(self):
        return f"{self.person_id} {self.get_state_display()}"


class CaseEvent(models.Model):
    """One step of a case, with its time and actor."""

    case = models.ForeignKey(HealthCase, on_delete=models.CASCADE, related_name="events")
    state = models.CharField(_("state"), max_length=12, choices=CaseState.choices)
    result = models.CharField(_("result"), max_length=12, choices=CaseResult.choices, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"


class RiskArea(models.Model):
    """An area named risky by the authorities, with its level and the dates it applies.
    A trip whose origin, destination or route names it, inside the window, is flagged.

    `unit` empty: a province-wide area, kept by the SASAC duty room and system admins;
    otherwise a group's (or a unit's) own area, which flags only the trips of its subtree
    and is kept by that unit's epidemic office."""

    name = models.CharField(_("area"), max_length=100)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("applies within"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    reflagged: int  # trips flagged anew by the last save (services.travel), for its page
    effective_from = models.DateField(_("from"))
    effective_to = models.DateField(_("to"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")
        ordering = ["-effective_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gte=models.F("effective_from")),
                name="risk_area_range",
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.get_level_display()})"


class Trip(models.Model):
    """A trip of a member of staff or of one of their family members (出行登记)."""

    scope_field = "unit_path"

    person = models.ForeignKey(
        Person, verbose_name=_("member of staff"), on_delete=models.CASCADE, related_name="trips"
    )
    family_member = models.ForeignKey(
        FamilyMember,
        verbose_name=_("family member"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="trips",
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    origin = models.CharField(_("from"), max_length=100)
    destination = models.CharField(_("to"), max_length=100)
    via = models.CharField(_("via"), max_length=200, blank=True)
    depart_on = models.DateField(_("departs on"))
    return_on = models.DateField(_("returns on"), null=True, blank=True)
    transport = models.CharField(_("transport"), max_length=10, choices=Transport.choices)
    transport_no = models.CharField(_("train or flight number"), max_length=20, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)
    risk_level = models.CharField(_("risk"), max_length=10, choices=RiskLevel.choices, blank=True)
    risk_areas = models.JSONField(_("risk areas touched"), default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("trip")
        verbose_name_plural = _("trips")
        ordering = ["-depart_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(return_on__isnull=True) | Q(return_on__gte=models.F("depart_on")),
                name="trip_dates",
            ),
        ]
        indexes = [
            models.Index(fields=["return_on", "unit_path"], name="trip_return_path_idx"),
            models.Index(fields=["depart_on", "unit_path"], name="trip_depart_path_idx"),
        ]

    def __str__(self):
        return f"{self.origin} → {self.destination} {self.depart_on}"

    @property
    def traveller(self) -> str:
        return self.family_member.name if self.family_member_id else self.person.name


class Observation(models.Model):
    """Medical observation (留观) of one person, followed up every day until released."""

    scope_field = "unit_path"

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="observations"
    )
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    reason = models.CharField(_("reason"), max_length=20, choices=ObservationReason.choices)
    place = models.CharField(_("place"), max_length=20, choices=ObservationPlace.choices)
    place_detail = models.CharField(_("address or site"), max_length=200, blank=True)
    start_on = models.DateField(_("starts on"))
    planned_end_on = models.DateField(_("planned end"))
    trip = models.ForeignKey(
        Trip, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    case = models.ForeignKey(
        HealthCase, on_delete=models.SET_NULL, null=True, blank=True, related_name="observations"
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        USER,
        verbose_name=_("released by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    release_note = models.CharField(_("release note"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        ordering = ["-start_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(released_at__isnull=True),
                name="one_open_observation",
            ),
            models.CheckConstraint(
                condition=Q(planned_end_on__gte=models.F("start_on")), name="observation_dates"
            ),
        ]
        indexes = [models.Index(fields=["released_at", "unit_path"], name="observation_open_idx")]

    def __str__(self):
        return f"{self.person_id} {self.start_on}–{self.planned_end_on}"


class ObservationChange(models.Model):
    """An extension or shortening of an observation, with its reason."""

    observation = models.ForeignKey(Observation, on_delete=models.CASCADE, related_name="changes")
    old_end_on = models.DateField(_("previous end"))
    new_end_on = models.DateField(_("new end"))
    reason = models.CharField(_("reason"), max_length=500)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M}"


class FollowUp(models.Model):
    """The daily follow-up of a person under observation (temperature, symptoms)."""

    observation = models.ForeignKey(
        Observation, on_delete=models.CASCADE, related_name="follow_ups"
    )
    day = models.DateField(_("day"))
    temperature = models.DecimalField(_("temperature (°C)"), max_digits=3, decimal_places=1)
    symptoms = models.JSONField(_("symptoms"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)
    recorded_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["observation", "day"]
        constraints = [
            models.UniqueConstraint(fields=["observation", "day"], name="one_follow_up_a_day"),
        ]

    def __str__(self):
        return f"{self.observation_id} {self.day}"
