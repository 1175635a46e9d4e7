"""Rules and plans (M19; seeds 003 and 004: 九项规定、十六不准, the 12 measures, 应急预案).

A `Rule` of an issuing unit covers `RuleTarget` subtrees (optionally only units of some
kinds), as a notice does. Its text lives in `RuleVersion`s numbered 1, 2, 3…, each created
published and never changed after (`save` refuses it): publishing a version issues a notice
of the issuer (`notices.services.issue_notice`) whose receipts are the units'
acknowledgement (签收) — the version points to it (`notice`), nothing of the receipts is
copied here. Where the rule says so, each person of the covered units confirms reading
the version (`ReadConfirmation`, one per version and person).

A `ContingencyPlan` (应急预案) of a unit names its `PlanRole`s, each linked to a real team
(`teams.Team`) and/or duty room (`duty.DutyRoom`); a `Drill` of it records its findings
(`DrillFinding`), each of which became a rectification item of the inspections app.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.duty.models import DutyRoom
from fangkong.inspections.choices import Severity
from fangkong.inspections.models import Rectification
from fangkong.notices.models import Notice
from fangkong.orgs.models import Person, Unit
from fangkong.teams.models import Team

from .choices import Category, Confirm

USER = settings.AUTH_USER_MODEL


class Rule(models.Model):
    scope_field = "unit_path"

    issuer = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)  # the issuer's
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    confirm = models.CharField(
        _("reading confirmed by"), max_length=10, choices=Confirm.choices, default=Confirm.NOBODY
    )
    unit_kinds = models.JSONField(default=list, blank=True)  # UnitKind values, [] = all
    site_kinds = models.JSONField(default=list, blank=True)  # SiteKind values, [] = all
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("rule")
        verbose_name_plural = _("rules")
        ordering = ["unit_path", "category", "id"]
        indexes = [models.Index(fields=["unit_path", "category"], name="rule_issuer_idx")]

    def __str__(self):
        return self.title


class RuleTarget(models.Model):
    """One subtree a rule covers (a unit up the issuer's line, the superior, only itself)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["rule", "unit"], name="rule_target_unique"),
        ]

    def __str__(self):
        return f"{self.rule_id} → {self.unit_id}"


class ImmutableVersion(Exception):
    """A published version is never changed: publish a new one."""


class RuleVersion(models.Model):
    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text"))  # sanitized HTML (notices.html)
    note = models.CharField(_("what changed"), max_length=200, blank=True)
    published_at = models.DateTimeField(_("published at"), default=timezone.now)
    published_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    # The notice that carried it to the covered units: its receipts are their 签收.
    notice = models.OneToOneField(
        Notice, on_delete=models.PROTECT, null=True, blank=True, related_name="rule_version"
    )

    class Meta:
        verbose_name = _("version")
        verbose_name_plural = _("versions")
        ordering = ["rule", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["rule", "number"], name="rule_version_unique"),
        ]

    def __str__(self):
        return f"{self.rule} v{self.number}"

    def save(self, *args, **kwargs):
        # Written once; afterwards only the link to its notice is set (in the same
        # transaction as the publication).
        if self.pk is not None and set(kwargs.get("update_fields") or ()) - {"notice"}:
            raise ImmutableVersion(self.pk)
        if self.pk is not None and not kwargs.get("update_fields"):
            raise ImmutableVersion(self.pk)
        super().save(*args, **kwargs)


class ReadConfirmation(models.Model):
    """A person confirms having read a version (我已阅读): once per version and person."""

    scope_field = "unit_path"

    version = models.ForeignKey(RuleVersion, on_delete=models.CASCADE, related_name="readings")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    unit_path = PathField(max_length=255)  # the person's unit, when confirmed
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["version", "unit_path", "id"]
        constraints = [
            models.UniqueConstraint(fields=["version", "person"], name="read_confirmation_unique"),
        ]
        indexes = [models.Index(fields=["version", "unit_path"], name="reading_version_path_idx")]

    def __str__(self):
        return f"{self.version_id} {self.person_id}"


class ContingencyPlan(models.Model):
    """A unit's contingency plan (应急预案), optionally the text of a rule of that category."""

    scope_field = "unit_path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="+"
    )
    unit_path = PathField(max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=200)
    rule = models.ForeignKey(
        Rule, verbose_name=_("rule"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="plans",
    )  # fmt: skip
    scenario = models.TextField(_("scenarios covered"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("contingency plan")
        verbose_name_plural = _("contingency plans")
        ordering = ["unit_path", "id"]

    def __str__(self):
        return self.title


class PlanRole(models.Model):
    """A role of the plan (现场处置组…) and who fills it: a real team and/or duty room."""

    plan = models.ForeignKey(ContingencyPlan, on_delete=models.CASCADE, related_name="roles")
    name = models.CharField(_("role"), max_length=60)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    duty_room = models.ForeignKey(
        DutyRoom, verbose_name=_("duty room"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    duties = models.TextField(_("duties"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["plan", "order", "id"]

    def __str__(self):
        return self.name

    @property
    def is_linked(self) -> bool:
        return self.team_id is not None or self.duty_room_id is not None


class Drill(models.Model):
    """One drill (演练) of a plan: the day, the scenario played, how many took part."""

    scope_field = "unit_path"

    plan = models.ForeignKey(ContingencyPlan, on_delete=models.CASCADE, related_name="drills")
    unit_path = PathField(max_length=255, editable=False)  # the plan's unit
    day = models.DateField(_("day"))
    scenario = models.CharField(_("scenario"), max_length=200)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    summary = models.TextField(_("summary"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("drill")
        verbose_name_plural = _("drills")
        ordering = ["plan", "-day", "-id"]

    def __str__(self):
        return f"{self.plan} {self.day}"


class DrillFinding(models.Model):
    """A problem the drill found; it became a rectification item of the unit to fix it."""

    drill = models.ForeignKey(Drill, on_delete=models.CASCADE, related_name="findings")
    title = models.CharField(_("finding"), max_length=200)
    detail = models.CharField(_("what was found"), max_length=500, blank=True)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    rectification = models.OneToOneField(
        Rectification, on_delete=models.PROTECT, related_name="drill_finding"
    )

    class Meta:
        ordering = ["drill", "id"]

    def __str__(self):
        return self.title
