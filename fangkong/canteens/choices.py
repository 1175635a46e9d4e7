from django.db import models
from django.utils.translation import gettext_lazy as _


class Meal(models.TextChoices):
    BREAKFAST = "breakfast", _("Breakfast")
    LUNCH = "lunch", _("Lunch")
    DINNER = "dinner", _("Dinner")


class Mode(models.TextChoices):
    """How a department eats (分开): in the hall in its slot, takeaway, or at the desks."""

    HALL = "hall", _("In the canteen")
    TAKEAWAY = "takeaway", _("Takeaway")
    DESK = "desk", _("At the desks")


class PlanState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


class PlanReason(models.TextChoices):
    PROPOSED = "proposed", _("Proposed by the planner")
    ADJUSTED = "adjusted", _("Adjusted by the office")
    REPLANNED = "replanned", _("Replanned: head counts changed")
