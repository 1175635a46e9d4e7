from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    INAPP = "inapp", _("In-app inbox")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    DINGTALK = "dingtalk", _("DingTalk robot")
    WECOM = "wecom", _("WeCom robot")
    FEISHU = "feishu", _("Feishu robot")


# What a unit may configure: robots and mailboxes. The inbox every user has; SMS goes to a
# person's own phone, so it is a channel of users only.
ENDPOINT_KINDS = [
    (value, label) for value, label in Channel.choices if value not in (Channel.INAPP, Channel.SMS)
]
WEBHOOK_KINDS = frozenset({Channel.DINGTALK, Channel.WECOM, Channel.FEISHU})
# What a routing rule may ask for a user.
USER_CHANNELS = [
    (Channel.INAPP.value, Channel.INAPP.label),
    (Channel.EMAIL.value, Channel.EMAIL.label),
    (Channel.SMS.value, Channel.SMS.label),
]
# Held during quiet hours unless urgent: what rings a phone or fills a mailbox at night.
QUIET_CHANNELS = frozenset({Channel.EMAIL, Channel.SMS})


class State(models.TextChoices):
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed, will retry")
    DEAD = "dead", _("given up")


# States a sweep may claim: waiting ones, and `sending` ones whose lease ran out
# (the worker that claimed them died); `next_attempt_at` says when for all three.
CLAIMABLE = (State.QUEUED, State.FAILED, State.SENDING)


# A routing rule for every topic; the topics themselves are registered by their apps
# (notify.topics.register_topic).
ANY_TOPIC = "*"
