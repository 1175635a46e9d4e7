from django.db import models
from django.utils.translation import gettext_lazy as _


class Category(models.TextChoices):
    """The kinds of documents of seeds 003 and 004."""

    NINE_RULES = "nine_rules", _("Nine rules (九项规定)")
    SIXTEEN_BANS = "sixteen_bans", _("Sixteen bans (十六不准)")
    MEASURES = "measures", _("Prevention measures (防控措施)")
    CONTINGENCY = "contingency", _("Contingency plan (应急预案)")
    FUNDS = "funds", _("Fund and supplies rules (资金物资制度)")
    OTHER = "other", _("Other rules")


class Confirm(models.TextChoices):
    """Who must confirm having read a version. Cadres: the roster's party members (党员干部,
    `Person.is_party_member`), the nearest flag orgs keeps."""

    NOBODY = "nobody", _("Nobody: the units acknowledge")
    EVERYONE = "everyone", _("Every person of the covered units")
    CADRES = "cadres", _("Party-member cadres (党员干部) of the covered units")
