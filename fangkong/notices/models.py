"""Orders and notices (命令、通知, M15; seeds 000 and 003: 上情下达, 集团疫情防控领导小组令).

A `Notice` of an issuing unit goes to `NoticeTarget` subtrees, optionally only to units of
some kinds or to the holders of a role there. Issuing writes one `Receipt` per recipient
unit (or per person, for a role-addressed notice) in bulk. A forwarded notice (转发) points
to its `original` and carries the chain's `root`, copied onto each of its receipts: the
root's issuer counts, from one index over (root, unit_path), how far down it reached.
Receipts are kept as long as the notice (no expiry).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Unit

from .choices import Approval, NoticeKind, NoticeState

USER = settings.AUTH_USER_MODEL


class IssuerSetting(models.Model):
    """A unit's numbering prefix (产投) and whether its notices need approval; the nearest
    setting up the unit's line applies, else FANGKONG_NOTICE_APPROVAL."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, related_name="notice_setting")
    prefix = models.CharField(_("number prefix"), max_length=20, blank=True)
    approval = models.CharField(_("approval"), max_length=8, choices=Approval.choices, blank=True)

    def __str__(self):
        return f"{self.unit_id}: {self.prefix}"


class NumberCounter(models.Model):
    """The last number of an issuer in a year; its row is locked while a number is taken."""

    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="notice_counter_unique"),
        ]

    def __str__(self):
        return f"{self.unit_id}/{self.year}: {self.last}"


class Notice(models.Model):
    scope_field = "unit_path"

    kind = models.CharField(_("kind"), max_length=12, choices=NoticeKind.choices)
    issuer = models.ForeignKey(
        Unit, verbose_name=_("issuing unit"), on_delete=models.PROTECT, related_name="notices"
    )
    unit_path = PathField(max_length=255, editable=False)  # the issuer's
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    seq = models.PositiveIntegerField(null=True, blank=True)
    number = models.CharField(_("number"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)  # sanitized HTML (notices.html)
    cover_note = models.TextField(_("cover note"), blank=True)  # a forward's own words
    signer = models.ForeignKey(
        USER, verbose_name=_("signer"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    signer_name = models.CharField(_("signer"), max_length=50, blank=True)
    state = models.CharField(
        _("state"), max_length=10, choices=NoticeState.choices, default=NoticeState.DRAFT
    )
    original = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="forwards"
    )
    root = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )  # the first notice of the chain; itself for an original (set on save)
    unit_kinds = models.JSONField(default=list, blank=True)  # UnitKind values, [] = all
    site_kinds = models.JSONField(default=list, blank=True)  # SiteKind values, [] = all
    role = models.CharField(_("addressed to the role"), max_length=20, blank=True)
    reply_required = models.BooleanField(_("written reply required"), default=False)
    reply_by = models.DateTimeField(_("reply by"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    issued_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    receipt_count = models.PositiveIntegerField(default=0)
    remind_level = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    overdue_swept_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "seq"],
                condition=Q(seq__isnull=False),
                name="notice_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["unit_path", "state"], name="notice_issuer_idx")]

    def __str__(self):
        return f"{self.number} {self.title}".strip()

    @property
    def is_root(self) -> bool:
        return self.original_id is None


class NoticeTarget(models.Model):
    """One subtree a notice is sent to."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="targets")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["notice", "unit"], name="notice_target_unique"),
        ]

    def __str__(self):
        return f"{self.notice_id} → {self.unit_id}"


class Receipt(models.Model):
    """One recipient of a notice: a unit, or a person of it for a role-addressed notice.
    Delivered when issued; read when a person of the unit opens it; acknowledged (签收)
    with an optional reply or 已落实 report."""

    scope_field = "unit_path"

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="receipts")
    root = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="+")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    unit_path = PathField(max_length=255)
    person = models.ForeignKey(
        USER, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    delivered_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)
    read_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    acked_at = models.DateTimeField(null=True, blank=True)
    acked_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reply = models.TextField(_("reply"), blank=True)
    done = models.BooleanField(_("carried out (已落实)"), default=False)
    replied_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["unit_path", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["notice", "unit"],
                condition=Q(person__isnull=True),
                name="receipt_unit_unique",
            ),
            models.UniqueConstraint(
                fields=["notice", "unit", "person"],
                condition=Q(person__isnull=False),
                name="receipt_person_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["notice", "unit_path"], name="receipt_notice_path_idx"),
            models.Index(fields=["root", "unit_path"], name="receipt_root_path_idx"),
            models.Index(fields=["unit_path", "notice"], name="receipt_path_idx"),
        ]

    def __str__(self):
        return f"{self.notice_id} @ {self.unit_id}"


class Attachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    receipt = models.ForeignKey(
        Receipt, on_delete=models.CASCADE, null=True, blank=True, related_name="attachments"
    )
    file = models.FileField(upload_to="notices/%Y/%m/")
    name = models.CharField(max_length=200)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["at", "id"]

    def __str__(self):
        return self.name


class Reminder(models.Model):
    """One click of 再次提醒 on a notice: at most one every 5 minutes (DING's rule)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="reminders")
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(USER, on_delete=models.SET_NULL, null=True, related_name="+")
    level = models.PositiveSmallIntegerField()  # 1 in-app, 2 + SMS, 3 + the unit's robot
    units = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.notice_id} {self.at}"
