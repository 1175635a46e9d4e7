"""Inspections (督导检查, issue 13): checklists versioned like the report forms, the units
each inspector (包抓包联) is assigned to, visits answered item by item on a phone, and the
rectification item each failed item becomes, followed to its verified closure."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Person, Unit
from fangkong.supplies.models import Item as SupplyItem
from fangkong.supplies.models import Request as SupplyRequest

from .choices import AnswerKind, RectAction, RectState, Result, Severity, VisitState

USER = settings.AUTH_USER_MODEL


class Checklist(models.Model):
    """A checklist template (检查表): a heat station's, a community's … Its items live in
    versions; an edit makes a new version and visits keep the version they were done with."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    # The site kinds it is meant for (empty: any unit); the first match is the default.
    site_kinds = models.JSONField(_("site kinds"), default=list, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist")
        verbose_name_plural = _("checklists")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def current_version(self) -> "ChecklistVersion":
        return self.versions.order_by("-number").first()


class ChecklistVersion(models.Model):
    """An immutable set of items; an edit makes a new version."""

    checklist = models.ForeignKey(Checklist, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        ordering = ["checklist", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["checklist", "number"], name="checklist_version_unique"
            ),
        ]

    def __str__(self):
        return f"{self.checklist} v{self.number}"


class ChecklistItem(models.Model):
    version = models.ForeignKey(ChecklistVersion, on_delete=models.CASCADE, related_name="items")
    section = models.CharField(_("section"), max_length=60)
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("item"), max_length=200)
    kind = models.CharField(_("answer"), max_length=10, choices=AnswerKind.choices)
    # A number below it fails (a pass/fail item fails by its answer).
    min_value = models.IntegerField(_("minimum"), null=True, blank=True)
    photo_on_fail = models.BooleanField(_("photo required on fail"), default=False)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    # What is short when it fails (体温枪, 消毒液): the supply request it can raise.
    supply_item = models.ForeignKey(
        SupplyItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="checklist_item_unique"),
        ]

    def __str__(self):
        return self.label


class Assignment(models.Model):
    """包抓包联: a member of the leading group (an inspector) assigned to a key unit."""

    scope_field = "unit_path"

    inspector = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    assigned_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    assigned_at = models.DateTimeField(default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["inspector", "unit"], name="inspection_assignment_unique"
            ),
        ]

    def __str__(self):
        return f"{self.inspector} → {self.unit}"


class Visit(models.Model):
    """One inspection visit of a unit, planned for a day and answered on the spot."""

    scope_field = "unit_path"

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    inspector = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    checklist = models.ForeignKey(ChecklistVersion, on_delete=models.PROTECT, related_name="+")
    day = models.DateField(_("day"))
    state = models.CharField(max_length=12, choices=VisitState.choices, default=VisitState.PLANNED)
    note = models.TextField(_("summary"), blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-day", "-id"]
        indexes = [models.Index(fields=["unit", "day"], name="visit_unit_day")]

    def __str__(self):
        return f"{self.unit} {self.day}"


class Answer(models.Model):
    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(max_length=4, choices=Result.choices)
    number = models.IntegerField(null=True, blank=True)
    text = models.CharField(max_length=500, blank=True)
    note = models.CharField(_("what was found"), max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["item__order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["visit", "item"], name="answer_unique"),
        ]

    def __str__(self):
        return f"{self.item} {self.result}"


class Rectification(models.Model):
    """A finding (a failed item of a visit) and its rectification (整改) to closure: the
    owner fixes it with evidence, someone other than the fixer verifies, then it closes."""

    scope_field = "unit_path"

    # A failed item of a visit; or, for a finding from another source (a contingency
    # plan's drill: `services.record_finding`), neither, with `source` saying where from.
    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, null=True, blank=True, related_name="rectifications"
    )
    answer = models.OneToOneField(
        Answer, on_delete=models.PROTECT, null=True, blank=True, related_name="rectification"
    )
    source = models.CharField(_("found at"), max_length=200, blank=True)
    source_url = models.CharField(max_length=200, blank=True)
    found_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    item_code = models.SlugField(max_length=40)  # repeat findings: the same item at a unit
    title = models.CharField(_("finding"), max_length=200)
    detail = models.CharField(_("what was found"), max_length=500, blank=True)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255, editable=False)
    owner = models.ForeignKey(
        Person,
        verbose_name=_("owner"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices)
    due_at = models.DateTimeField(_("due"))
    state = models.CharField(max_length=8, choices=RectState.choices, default=RectState.OPEN)
    fix_note = models.TextField(_("the fix"), blank=True)
    fixed_at = models.DateTimeField(null=True, blank=True)
    fixed_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    reopened = models.PositiveSmallIntegerField(default=0)
    # The overdue ladder, each step once (the sweep's marks).
    told_owner_at = models.DateTimeField(null=True, blank=True)
    told_above_at = models.DateTimeField(null=True, blank=True)
    told_office_at = models.DateTimeField(null=True, blank=True)
    supply_item = models.ForeignKey(
        SupplyItem, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    supply_request = models.ForeignKey(
        SupplyRequest, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Visits of the last REPEAT_DAYS (queries) that found this item at this unit, this one
    # included: kept at creation, so the board's repeat findings read an index, not a
    # GROUP BY over the quarter's items of the whole subtree.
    repeat_n = models.PositiveSmallIntegerField(default=1)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            # The board's counts and lists of a subtree, read from the index alone.
            models.Index(
                fields=["unit_path", "state", "due_at", "closed_at", "fixed_at"],
                name="rect_board",
            ),
            models.Index(
                fields=["repeat_n", "created_at", "unit_path"],
                name="rect_repeats",
                condition=Q(repeat_n__gt=1),
            ),
            models.Index(
                fields=["due_at"],
                name="rect_open_due",
                condition=Q(state="open", told_office_at__isnull=True),
            ),
        ]

    def __str__(self):
        return self.title

    def is_overdue(self, now=None) -> bool:
        return self.state == RectState.OPEN and self.due_at <= (now or timezone.now())


class Photo(models.Model):
    """A photo of a failed item (taken at the visit) or evidence of a fix."""

    visit = models.ForeignKey(
        Visit, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    answer = models.ForeignKey(
        Answer, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, null=True, blank=True, related_name="photos"
    )
    file = models.FileField(upload_to="inspections/%Y/%m/")
    name = models.CharField(max_length=200)
    size = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.name


class RectificationEvent(models.Model):
    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    action = models.CharField(max_length=16, choices=RectAction.choices)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(default=timezone.now)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.rectification_id} {self.action}"
