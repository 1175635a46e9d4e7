from django.db import models
from django.utils.translation import gettext_lazy as _


class EntryKind(models.TextChoices):
    """The kinds this app records from the daily report. Later apps add their own with
    `kinds.register_kind` (the column is a plain CharField, so no migration is needed)."""

    LATE_FILING = "late_filing", _("late filing (缓报)")
    MISSING_REPORT = "missing_report", _("missing report (漏报)")
    CORRECTION_AFTER_CUTOFF = (
        "correction_after_cutoff",
        _("correction after the cut-off (截止后更正)"),
    )


class Grade(models.TextChoices):
    """Rises with repetition within 30 days (seed 000: 缓报 → 批评; seed 004: 问责)."""

    CRITICISM = "criticism", _("criticism and education (批评教育)")
    CIRCULATED = "circulated", _("circulated criticism (通报批评)")
    PROPOSAL = "proposal", _("accountability proposal (问责建议)")


GRADE_BADGES = {Grade.CRITICISM: "info", Grade.CIRCULATED: "warning", Grade.PROPOSAL: "danger"}


class AnnotationAction(models.TextChoices):
    ANNOTATE = "annotate", _("note")
    WAIVE = "waive", _("waived")
    UNWAIVE = "unwaive", _("waiver withdrawn")
