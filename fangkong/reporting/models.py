"""Report forms (versioned), who must file them, and the daily reports with every revision.

One `DailyReport` row stands for one (form, unit, day) that is expected: it is created
before the cut-off by `services.sync_expected`, so "missing" is a row with no filing,
never an absence. Its `values` are the current version; `cutoff_values` keep what stood
at the cut-off, so both views roll up with one aggregate over an index range.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.choices import SiteKind, UnitKind
from fangkong.orgs.models import Unit

from .choices import FieldKind, Rollup


class ReportForm(models.Model):
    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("report form")
        verbose_name_plural = _("report forms")
        ordering = ["code"]

    def __str__(self):
        return self.name

    def current_version(self) -> "FormVersion":
        return self.versions.order_by("-number").first()

    def current_fields(self) -> list["FormField"]:
        """The current version's fields, fetched once per form instance (a request)."""
        if "_current_fields" not in self.__dict__:
            self._current_fields = list(self.current_version().fields.all())
        return self._current_fields


class FormVersion(models.Model):
    """An immutable set of fields and rules; an edit makes a new version."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    # Cross-field rules: [{"left": ["confirmed", "suspected"], "op": "<=", "right": "staff_total",
    #                      "message": "…"}]: the sum of the left fields compared with the right.
    rules = models.JSONField(_("cross-field rules"), default=list, blank=True)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("form version")
        verbose_name_plural = _("form versions")
        ordering = ["form", "number"]
        constraints = [
            models.UniqueConstraint(fields=["form", "number"], name="form_version_unique"),
        ]

    def __str__(self):
        return f"{self.form} v{self.number}"


class FormField(models.Model):
    version = models.ForeignKey(FormVersion, on_delete=models.CASCADE, related_name="fields")
    code = models.SlugField(_("code"), max_length=40)
    label = models.CharField(_("label"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=FieldKind.choices)
    unit_of_measure = models.CharField(_("unit of measure"), max_length=20, blank=True)
    min_value = models.DecimalField(
        _("minimum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    max_value = models.DecimalField(
        _("maximum"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    required = models.BooleanField(_("required"), default=True)
    rollup = models.CharField(_("roll-up"), max_length=10, choices=Rollup.choices)
    # A zero report (零报告) records 0 for these fields: the abnormal-situation figures.
    zero_in_zero_report = models.BooleanField(_("0 in a zero report"), default=False)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("form field")
        verbose_name_plural = _("form fields")
        ordering = ["version", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="form_field_unique"),
        ]

    def __str__(self):
        return self.label

    @property
    def is_numeric(self) -> bool:
        return self.kind in (FieldKind.COUNT, FieldKind.DECIMAL)


class Assignment(models.Model):
    """Which units (a subtree, filtered by kind) file which form every day, by when."""

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="assignments")
    root = models.ForeignKey(
        Unit, verbose_name=_("subtree"), on_delete=models.CASCADE, related_name="+"
    )
    include_root = models.BooleanField(_("the root unit files too"), default=False)
    unit_kinds = models.JSONField(_("unit kinds"), default=list, blank=True)
    site_kinds = models.JSONField(_("site kinds (empty: all)"), default=list, blank=True)
    deadline = models.TimeField(_("cut-off (local time)"), default="09:00")
    grace_minutes = models.PositiveSmallIntegerField(_("grace period (minutes)"), default=0)
    # Reminders this many minutes before the cut-off to units that have not filed.
    reminder_minutes = models.JSONField(_("reminders (minutes before)"), default=list, blank=True)
    active_from = models.DateField(_("from"), null=True, blank=True)
    active_to = models.DateField(_("to"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope_field = "root__path"

    class Meta:
        verbose_name = _("report assignment")
        verbose_name_plural = _("report assignments")

    def __str__(self):
        return f"{self.form} · {self.root}"

    def covers_day(self, day) -> bool:
        return (self.active_from is None or self.active_from <= day) and (
            self.active_to is None or self.active_to >= day
        )

    @property
    def unit_kind_labels(self) -> list[str]:
        labels = dict(UnitKind.choices)
        return [str(labels.get(k, k)) for k in self.unit_kinds]

    @property
    def site_kind_labels(self) -> list[str]:
        labels = dict(SiteKind.choices)
        return [str(labels.get(k, k)) for k in self.site_kinds]


class DailyReport(models.Model):
    scope_field = "unit_path"

    form = models.ForeignKey(ReportForm, on_delete=models.PROTECT, related_name="reports")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="daily_reports")
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField(_("report day"))
    deadline_at = models.DateTimeField(_("cut-off"))  # including the grace period
    version = models.ForeignKey(
        FormVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    values = models.JSONField(_("values"), null=True, blank=True)
    is_zero = models.BooleanField(_("zero report"), default=False)
    first_filed_at = models.DateTimeField(_("first filed at"), null=True, blank=True)
    filed_at = models.DateTimeField(_("last filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revision_count = models.PositiveIntegerField(_("versions"), default=0)
    cutoff_values = models.JSONField(null=True, blank=True)
    cutoff_is_zero = models.BooleanField(default=False)
    corrected_after_cutoff = models.BooleanField(_("corrected after the cut-off"), default=False)
    # Enter once (prefill.py): what other records gave for this report when it was filed,
    # and the fields whose filed figure differs.
    derived_values = models.JSONField(_("derived figures"), null=True, blank=True)
    mismatched_fields = models.JSONField(_("figures that differ"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        constraints = [
            models.UniqueConstraint(fields=["form", "unit", "day"], name="daily_report_unique"),
        ]
        indexes = [models.Index(fields=["form", "day", "unit_path"], name="report_rollup_idx")]

    def __str__(self):
        return f"{self.form.code} {self.unit_id} {self.day}"

    @property
    def is_filed(self) -> bool:
        return self.first_filed_at is not None

    def state_at(self, now) -> str:
        from .choices import ReportState

        if self.first_filed_at is None:
            return ReportState.MISSING if now > self.deadline_at else ReportState.PENDING
        return ReportState.ON_TIME if self.first_filed_at <= self.deadline_at else ReportState.LATE


class ReportRevision(models.Model):
    """Every filing of a report, kept: who, when, the values, and why it changed."""

    report = models.ForeignKey(DailyReport, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField(_("version"))
    version = models.ForeignKey(FormVersion, on_delete=models.PROTECT, related_name="+")
    values = models.JSONField(_("values"), default=dict)
    is_zero = models.BooleanField(_("zero report"), default=False)
    filed_at = models.DateTimeField(_("filed at"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    reason = models.CharField(_("reason for the correction"), max_length=500, blank=True)
    after_cutoff = models.BooleanField(_("after the cut-off"), default=False)
    warnings = models.JSONField(_("confirmed warnings"), default=list, blank=True)
    comment = models.CharField(_("comment on the warnings"), max_length=500, blank=True)
    idempotency_key = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("report version")
        verbose_name_plural = _("report versions")
        ordering = ["report", "number"]
        constraints = [
            models.UniqueConstraint(fields=["report", "number"], name="revision_unique"),
            models.UniqueConstraint(
                fields=["report", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="revision_idempotency_unique",
            ),
        ]

    def __str__(self):
        return f"{self.report} #{self.number}"


class DailyRollup(models.Model):
    """The reports of one (form, day) below one unit, added up on write (rollup.py).

    `unit` is a strict ancestor of the filing units (a unit's own report is read from its
    row), one row per cut-off (`deadline_at`: "missing" is expected − filed of the rows
    whose cut-off has passed) and per shard (the filing unit's id % SHARDS, so that the
    root's figures are k rows and concurrent filings rarely wait on the same one).
    `totals` and `cutoff_totals` are {field: [sum, number of values]} of the numeric
    values (the count tells a sum of zeros from no value at all).
    """

    form = models.ForeignKey(ReportForm, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    deadline_at = models.DateTimeField()
    shard = models.PositiveSmallIntegerField(default=0)
    expected = models.IntegerField(default=0)
    filed = models.IntegerField(default=0)
    on_time = models.IntegerField(default=0)
    zero = models.IntegerField(default=0)
    corrected = models.IntegerField(default=0)
    corrected_late = models.IntegerField(default=0)
    totals = models.JSONField(default=dict)
    cutoff_totals = models.JSONField(default=dict)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unit", "day", "deadline_at", "shard"], name="daily_rollup_unique"
            ),
        ]

    def __str__(self):
        return f"{self.form_id} {self.unit_id} {self.day} {self.shard}"
