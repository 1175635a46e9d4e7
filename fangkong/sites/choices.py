from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Work(models.TextChoices):
    """What a slot's log says was done."""

    DISINFECTION = "disinfection", _("Disinfection")
    VENTILATION = "ventilation", _("Ventilation")


class Covers(models.TextChoices):
    """What a slot of a schedule covers."""

    DISINFECTION = "disinfection", _("Disinfection")
    VENTILATION = "ventilation", _("Ventilation")
    BOTH = "both", _("Disinfection and ventilation")

    @classmethod
    def work(cls, value: str) -> set[str]:
        if value == cls.BOTH:
            return {Work.DISINFECTION, Work.VENTILATION}
        return {value}


class SlotState(models.TextChoices):
    EXPECTED = "expected", pgettext_lazy("slot state", "Expected")
    DONE = "done", pgettext_lazy("slot state", "Done")
    LATE = "late", _("Done late")
    MISSED = "missed", _("Missed")


class Via(models.TextChoices):
    QR = "qr", _("Site QR code")
    PAGE = "page", _("Liaison's page")
    API = "api", _("API")
    DEMO = "demo", _("Demo data")
