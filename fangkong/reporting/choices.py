from django.db import models
from django.utils.translation import gettext_lazy as _


class FieldKind(models.TextChoices):
    COUNT = "count", _("count")
    DECIMAL = "decimal", _("decimal")
    BOOLEAN = "boolean", _("yes/no")
    TEXT = "text", _("short text")


class Rollup(models.TextChoices):
    """How a field adds up over a subtree."""

    SUM = "sum", _("sum")
    MAX = "max", _("maximum")
    LATEST = "latest", _("latest filed")
    NONE = "none", _("not rolled up")


class ReportState(models.TextChoices):
    """The state of one (unit, form, day). Corrections are a flag beside it."""

    PENDING = "pending", _("expected, not filed yet")
    ON_TIME = "on_time", _("filed on time")
    LATE = "late", _("filed late (缓报)")
    MISSING = "missing", _("missing after cut-off (漏报)")


RULE_OPERATORS = {"<=": "≤", "<": "<", "==": "=", ">=": "≥", ">": ">"}
