"""The daily bulletin 《疫情防控工作动态》 of a unit and day, with the snapshot of its figures
as of a stated time (so it reads the same tomorrow), and the external statements (统一口径)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.models import Unit

from .choices import BulletinState

USER = settings.AUTH_USER_MODEL


class Bulletin(models.Model):
    scope_field = "unit_path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="bulletins"
    )
    unit_path = PathField(max_length=255, editable=False)
    day = models.DateField(_("day"))
    as_of = models.DateTimeField(_("as of"))
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField(_("number"))  # 第N期, per unit and year
    state = models.CharField(
        _("state"), max_length=10, choices=BulletinState.choices, default=BulletinState.DRAFT
    )
    # [{"key", "title", "url", "figures": [{"label", "value", "change", "url"}],
    #   "items": [{"text", "url"}], "note"}] as computed at `as_of` (figures.collect).
    sections = models.JSONField(default=list)
    instructions = models.TextField(_("Leaders' instructions"), blank=True)
    deeds = models.TextField(_("Exemplary deeds"), blank=True)
    next_steps = models.TextField(_("Next steps"), blank=True)
    generated_at = models.DateTimeField(default=timezone.now)
    generated_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    edited_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The notice it went out as (up to the superior, down to the units below), with receipts.
    notice = models.ForeignKey(
        "notices.Notice",
        verbose_name=_("notice"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("daily bulletin")
        verbose_name_plural = _("daily bulletins")
        ordering = ["-day", "unit_path"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "day"], name="bulletin_unique_day"),
            models.UniqueConstraint(
                fields=["unit", "year", "number"], name="bulletin_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.unit} {self.day}"


class Statement(models.Model):
    """An item of external information (对外信息统一口径): approved figures and wording the
    office publishes; only published ones are seen beyond the office."""

    scope_field = "unit_path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="statements"
    )
    unit_path = PathField(max_length=255, editable=False)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    bulletin = models.ForeignKey(
        Bulletin, on_delete=models.SET_NULL, null=True, blank=True, related_name="statements"
    )
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        USER, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("external statement")
        verbose_name_plural = _("external statements")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return self.title
