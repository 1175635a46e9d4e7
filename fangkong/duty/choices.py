from django.db import models
from django.utils.translation import gettext_lazy as _


class DutyRole(models.TextChoices):
    """The three posts of the 24-hour duty system (值班人员、值班经理和带班领导24小时在岗)."""

    STAFF = "staff", _("Duty staff")
    MANAGER = "manager", _("Duty manager")
    LEADER = "leader", _("Leading cadre on duty")


class LogKind(models.TextChoices):
    # 上情下达、下情上报: instructions go down, reports go up.
    CALL_IN = "call_in", _("Call received")
    INSTRUCTION_DOWN = "instruction_down", _("Instruction passed down")
    REPORT_UP = "report_up", _("Report passed up")
    OTHER = "other", _("Other")


class SwapState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
