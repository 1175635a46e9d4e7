from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class AnswerKind(models.TextChoices):
    PASS_FAIL = "pass_fail", _("Pass or fail")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Text")


class Result(models.TextChoices):
    PASS = "pass", _("Pass")
    FAIL = "fail", _("Fail")
    NOT_APPLICABLE = "na", _("Not applicable")


class Severity(models.TextChoices):
    SERIOUS = "serious", _("Serious")
    NORMAL = "normal", _("Normal")
    MINOR = "minor", _("Minor")


class VisitState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", pgettext_lazy("inspection", "Done")


class RectState(models.TextChoices):
    OPEN = "open", _("To fix")
    FIXED = "fixed", _("Fixed, to verify")
    CLOSED = "closed", pgettext_lazy("inspection", "Closed")


class RectAction(models.TextChoices):
    CREATED = "created", _("Found")
    FIXED = "fixed", _("Fix reported")
    VERIFIED = "verified", _("Verified and closed")
    REOPENED = "reopened", _("Verification failed, reopened")
    SUPPLY_REQUEST = "supply_request", _("Supplies requested")
    OVERDUE_OWNER = "overdue_owner", _("Overdue: the owner told")
    OVERDUE_ABOVE = "overdue_above", _("Overdue one day: the unit above told")
    OVERDUE_OFFICE = "overdue_office", _("Overdue three days: the office told")


# The overdue ladder: (action, days after the due time).
LADDER = (
    (RectAction.OVERDUE_OWNER, 0),
    (RectAction.OVERDUE_ABOVE, 1),
    (RectAction.OVERDUE_OFFICE, 3),
)
