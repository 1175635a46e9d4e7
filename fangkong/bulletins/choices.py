from django.db import models
from django.utils.translation import gettext_lazy as _


class BulletinState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")


# The free sections the epidemic office writes (seed 003: 领导批示, 先进事迹, 下一步工作).
FREE_SECTIONS = (
    ("instructions", _("Leaders' instructions")),
    ("deeds", _("Exemplary deeds")),
    ("next_steps", _("Next steps")),
)
