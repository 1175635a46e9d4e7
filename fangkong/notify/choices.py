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
USER_CHANNELS = [(Channel.INAPP.value, Channel.INAPP.label), (Channel.EMAIL.value, Channel.EMAIL.label),
                 (Channel.SMS.value, Channel.SMS.label)]  # fmt: skip
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


# Topics a routing rule can name. "*" is every topic. Later apps add theirs with
# `register_topic` from their ready(); those below are the topics of the apps that queue
# messages today (reporting, health) and of incidents, which routes by "incident".
ANY_TOPIC = "*"
_topics: dict[str, object] = {
    ANY_TOPIC: _("Every topic"),
    "incident": _("Incidents"),
    "health_case": _("Health cases"),
    "health": _("Health (observation, travel)"),
    "checkin_reminder": _("Check-in reminders"),
    "reminder": _("Report reminders"),
    "missing": _("Missing reports"),
    "mismatch": _("Report figures that differ"),
}


def register_topic(code: str, label) -> None:
    _topics[code] = label


def topic_choices() -> list[tuple[str, object]]:
    return list(_topics.items())
