from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    # Seed 003: 20人的疫情防控应急队伍, 各自的应急处置分队, 50名青年党团员的先锋突击队.
    EMERGENCY = "emergency", _("Emergency team")
    SQUAD = "squad", _("Response squad")
    VANGUARD = "vanguard", _("Youth vanguard")


class MemberRole(models.TextChoices):
    LEADER = "leader", _("Team leader")
    MEMBER = "member", _("Team member")


class Task(models.TextChoices):
    TEMPERATURE = "temperature", _("Temperature checks")
    DISINFECTION = "disinfection", _("Disinfection")
    DUTY = "duty", _("Duty support")
    OTHER = "other", _("Other support")
