from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignState(models.TextChoices):
    OPEN = "open", _("In progress")
    CLOSED = "closed", _("Ended")


class GiftSource(models.TextChoices):
    FORM = "form", _("Entry form")
    EXCEL = "excel", _("Excel upload")
    API = "api", _("API")


class GoodsDirection(models.TextChoices):
    RECEIVED = "received", _("Donation received")
    GIVEN = "given", _("Donation given")
