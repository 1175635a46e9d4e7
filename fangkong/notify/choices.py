from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app inbox")
    EMAIL = "email", _("Email")
    DINGTALK = "dingtalk", _("DingTalk robot")
    WECOM = "wecom", _("WeCom robot")
    FEISHU = "feishu", _("Feishu robot")


# What a unit may configure: every channel but the inbox, which every user has.
ENDPOINT_KINDS = [(value, label) for value, label in Channel.choices if value != Channel.INAPP]
WEBHOOK_KINDS = frozenset({Channel.DINGTALK, Channel.WECOM, Channel.FEISHU})


class State(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("given up")


# States a sweep may claim: waiting ones, and `sending` ones whose lease ran out
# (the worker that claimed them died); `next_attempt_at` says when for all three.
CLAIMABLE = (State.QUEUED, State.FAILED, State.SENDING)
