from django.db import models
from django.utils.translation import gettext_lazy as _


class CampaignState(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class GiftSource(models.TextChoices):
    FORM = "form", _("Entry form")
    EXCEL = "excel", _("Excel upload")
    API = "api", _("API")


class GoodsDirection(models.TextChoices):
    RECEIVED = "received", _("Received")
    GIVEN = "given", _("Given")
