from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    ORDER = "order", _("Order (令)")
    NOTICE = "notice", _("Notice (通知)")
    FORWARDED = "forwarded", _("Forwarded document (转发)")
    INSTRUCTION = "instruction", _("Instruction (批示)")


# The word of the number for each kind: 产投防控发〔2020〕3号 (seed 000's style).
NUMBER_WORD: dict[str, str] = {
    NoticeKind.ORDER: "防控令",
    NoticeKind.NOTICE: "防控发",
    NoticeKind.FORWARDED: "防控转",
    NoticeKind.INSTRUCTION: "防控批",
}


class NoticeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Waiting for approval")
    ISSUED = "issued", _("Issued")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Approval(models.TextChoices):
    ONE_STEP = "one", _("One step: a leading-group member approves")
    NONE = "none", _("None: issued at once")
