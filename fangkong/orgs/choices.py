from django.db import models
from django.utils.translation import gettext_lazy as _


class UnitKind(models.TextChoices):
    SASAC = "sasac", _("SASAC")
    GROUP = "group", _("Group")
    SUBSIDIARY = "subsidiary", _("Subsidiary")
    DEPARTMENT = "department", _("Department")
    SITE = "site", _("Site")


class SiteKind(models.TextChoices):
    OFFICE = "office", _("Office")
    HEAT_STATION = "heat_station", _("Heat station")
    COMMUNITY = "community", _("Residential community")
    VEHICLE = "vehicle", _("Vehicle")
    CHECKPOINT = "checkpoint", _("Checkpoint")
    CANTEEN = "canteen", _("Canteen")
    WAREHOUSE = "warehouse", _("Warehouse")
    DUTY_BRIGADE = "duty_brigade", _("Duty brigade")
    SCENIC_AREA = "scenic_area", _("Scenic area")
    HOTEL = "hotel", _("Hotel")
    OTHER = "other", _("Other site")


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")


class Role(models.TextChoices):
    SYSTEM_ADMIN = "system_admin", _("System admin")
    LEADING_GROUP = "leading_group", _("Leading group")
    OFFICE = "office", _("Epidemic office")
    PARTY_COMMITTEE = "party_committee", _("Party committee")
    UNIT_ADMIN = "unit_admin", _("Unit admin")
    LIAISON = "liaison", _("Liaison")
    INSPECTOR = "inspector", _("Inspector")
    VIEWER = "viewer", _("Viewer")
