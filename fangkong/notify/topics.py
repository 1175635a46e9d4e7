"""Message topics: registered by the app that owns them, from its `AppConfig.ready()`.

A topic says what a routing rule can name (`RoutingRule.topic`), whether its messages are
urgent (never held by the quiet hours), whether the people on duty for the message's unit
hear of it too, and, in words, who gets it by default (the recipient policy shown on the
routing-rules page and written in docs/operations.md). `notify.services.queue` refuses a
topic nobody registered.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .choices import ANY_TOPIC


@dataclass(frozen=True)
class Topic:
    code: str
    label: object
    urgent: bool = False  # SMS and mail go at once, even in the quiet hours
    on_duty: bool = False  # the people on duty for the unit: inbox and SMS
    recipients: object = ""  # the default recipients, in words


_topics: dict[str, Topic] = {}


def register_topic(code: str, label, *, urgent=False, on_duty=False, recipients="") -> Topic:
    if code == ANY_TOPIC or not code or len(code) > 40:
        raise ValueError(f"not a topic code: {code!r}")
    topic = Topic(code, label, urgent=urgent, on_duty=on_duty, recipients=recipients)
    _topics[code] = topic
    return topic


def get_topic(code: str) -> Topic:
    try:
        return _topics[code]
    except KeyError:
        raise LookupError(f"no app registered the notify topic {code!r}") from None


def list_topics() -> list[Topic]:
    return list(_topics.values())


def topic_choices() -> list[tuple[str, object]]:
    """What a routing rule may name: every topic ("*") or a registered one."""
    return [(ANY_TOPIC, _("Every topic")), *((t.code, t.label) for t in _topics.values())]


def topic_label(code: str):
    return _("Every topic") if code == ANY_TOPIC else getattr(_topics.get(code), "label", code)
