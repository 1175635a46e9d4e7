from django.db import models
from django.utils.translation import gettext_lazy as _


class Slot(models.TextChoices):
    MORNING = "morning", _("Morning shift")
    AFTERNOON = "afternoon", _("Afternoon shift")
    NIGHT = "night", _("Night shift")


# Where each shift starts and ends, local time at the checkpoint (the night runs past 24:00).
SLOT_HOURS = {Slot.MORNING: (7, 15), Slot.AFTERNOON: (15, 23), Slot.NIGHT: (23, 31)}


class Passer(models.TextChoices):
    STAFF = "staff", _("Staff member")
    RESIDENT = "resident", _("Resident")
    VISITOR = "visitor", _("Visitor")


class Duty(models.TextChoices):
    STAFF = "staff", _("Staff on duty")
    VOLUNTEER = "volunteer", _("Volunteer")


class Source(models.TextChoices):
    PAGE = "page", _("Checkpoint page")
    BULK = "bulk", _("Bulk entry")
    API = "api", _("API")
    QR = "qr", _("Site QR code")


class Direction(models.TextChoices):
    IN = "in", _("Coming in")
    OUT = "out", _("Going out")
