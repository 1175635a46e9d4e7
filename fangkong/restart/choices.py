from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Filed, awaiting approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for changes")
    WAIT = "wait", _("Told to wait")


class Industry(models.TextChoices):
    OFFICE = "office", _("Offices and services")
    UTILITIES = "utilities", _("Heating, gas and water")
    PROPERTY = "property", _("Property management")
    SECURITY = "security", _("Security services")
    MANUFACTURING = "manufacturing", _("Manufacturing and mining")
    CONSTRUCTION = "construction", _("Construction")
    LOGISTICS = "logistics", _("Logistics")
    TOURISM = "tourism", _("Tourism and hotels")
    FINANCE = "finance", _("Finance")
    OTHER = "other", _("Other")


class Item(models.TextChoices):
    """The readiness checklist: computed from the data, or confirmed by hand."""

    SCREENED = "screened", _("Staff screened (check-ins of the last 14 days)")
    ISOLATED = "isolated", _("People under observation or in risk areas")
    SUPPLIES = "supplies", _("Supplies with enough days of cover")
    DISINFECTION = "disinfection", _("Disinfection compliance of the last 7 days")
    DUTY = "duty", _("Duty room covered")
    CONTINGENCY = "contingency", _("Contingency plan acknowledged (应急预案已签收)")
    COMMITMENT = "commitment", _("Commitment letter (承诺书)")
    PREVENTION_PLAN = "prevention_plan", _("Prevention plan (防控方案)")


MANUAL_ITEMS = (Item.COMMITMENT, Item.PREVENTION_PLAN)


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    RETURN = "return", _("Return for changes")
    WAIT = "wait", _("Tell to wait")


class EventKind(models.TextChoices):
    CREATED = "created", _("Drafted")
    CHANGED = "changed", _("Changed")
    CONFIRMED = "confirmed", _("Confirmed with evidence")
    FILED = "filed", _("Filed with the parent")
    APPROVE = "approve", _("Approved")
    RETURN = "return", _("Returned for changes")
    WAIT = "wait", _("Told to wait")
