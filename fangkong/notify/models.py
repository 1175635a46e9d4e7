"""The notification outbox, the in-app inbox, and where each unit wants its messages.

A message is a row first and a delivery second: services queue rows inside the caller's
transaction, and `fangkong worker` delivers them (services.deliver_due). So a crash
loses nothing, and the unique `dedupe_key` makes queueing the same message twice a no-op.
"""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from fangkong.core.fields import PathField
from fangkong.core.scope import ScopedQuerySet
from fangkong.orgs.choices import Role
from fangkong.orgs.models import Unit

from .choices import CLAIMABLE, ENDPOINT_KINDS, USER_CHANNELS, WEBHOOK_KINDS, Channel, State


class UnitChannel(models.Model):
    """A group robot or a mailbox of a unit. Messages about a unit go to the channels of
    the nearest unit, itself or an ancestor, that has any active one."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="notify_channels"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=ENDPOINT_KINDS)
    target = models.CharField(
        _("webhook URL or email address"),
        max_length=500,
        help_text=_("The robot's full webhook URL (with its access token), or an email address."),
    )
    secret = models.CharField(
        _("signing secret"),
        max_length=200,
        blank=True,
        help_text=_("DingTalk and Feishu robots with signature verification: the robot's secret."),
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("notification channel")
        verbose_name_plural = _("notification channels")
        ordering = ["unit", "kind", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.name or self.display_target}"

    @property
    def display_target(self) -> str:
        """The target without its credentials: a webhook URL carries the robot's token."""
        if self.kind in WEBHOOK_KINDS:
            return urlsplit(self.target).netloc
        return self.target

    def clean(self):
        url = urlsplit(self.target)
        if self.kind == Channel.EMAIL:
            try:
                validate_email(self.target)
            except ValidationError:
                raise ValidationError({"target": _("Enter a valid email address.")}) from None
        elif url.scheme not in ("http", "https") or not url.netloc:
            raise ValidationError({"target": _("Enter the robot's http(s) webhook URL.")})
        if self.secret and self.kind not in (Channel.DINGTALK, Channel.FEISHU):
            raise ValidationError({"secret": _("Only DingTalk and Feishu robots sign messages.")})


class Chase(models.Model):
    """A reminder (催办) sent to a unit about `what` it has not done ("report:daily:2020-02-03",
    "ack:17"); its messages (`Message.chase`) say who has read it. See services.chase."""

    what = models.CharField(_("about"), max_length=100)
    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="+"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("chased by"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    at = models.DateTimeField(_("chased at"), default=timezone.now)

    class Meta:
        verbose_name = _("reminder to act")
        verbose_name_plural = _("reminders to act")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["what", "unit", "at"], name="notify_chase_idx")]

    def __str__(self):
        return f"{self.what} → {self.unit_id}"


class Message(models.Model):
    """One message to one target (a user's inbox, a user's mailbox or a unit's channel)."""

    scope_field = "unit_path"

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notify_messages",
        db_index=False,  # the inbox indexes below lead with it
    )
    # PROTECT: the log keeps where each message went; retire a channel by deactivating it.
    endpoint = models.ForeignKey(
        UnitChannel,
        verbose_name=_("unit channel"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="messages",
    )
    # The unit the message is about: the delivery log is scoped by it.
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    unit_path = PathField(max_length=255, blank=True, editable=False)
    topic = models.CharField(_("topic"), max_length=40, blank=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("text"))
    url = models.CharField(_("link"), max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=255, unique=True)
    # The chase (催办) this message carries: its read receipts are the in-app rows' read_at.
    chase = models.ForeignKey(
        Chase, on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When a sweep may take it next: for `queued` and `failed` the (back-off) time of the
    # next attempt; for `sending` the end of the claiming worker's lease.
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # Urgent (an incident): never held by quiet hours, claimed first, and under a short
    # lease, so a worker that died holding it delays it seconds, not a minute.
    urgent = models.BooleanField(default=False, editable=False)
    claim_token = models.CharField(max_length=32, blank=True, editable=False)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=1000, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=State.values), name="notify_state_valid"),
            models.CheckConstraint(
                condition=Q(channel=Channel.INAPP, recipient__isnull=False)
                | (
                    ~Q(channel=Channel.INAPP)
                    & (Q(recipient__isnull=False) | Q(endpoint__isnull=False))
                ),
                name="notify_message_has_target",
            ),
        ]
        indexes = [
            # The claim: a small partial index, sent messages (nearly all) are not in it.
            models.Index(
                fields=["next_attempt_at"], condition=Q(state__in=CLAIMABLE), name="notify_due_idx"
            ),
            models.Index(fields=["recipient", "channel", "-created_at"], name="notify_inbox_idx"),
            models.Index(
                fields=["recipient"],
                condition=Q(channel=Channel.INAPP, read_at__isnull=True),
                name="notify_unread_idx",
            ),
            models.Index(fields=["unit_path", "-created_at"], name="notify_log_idx"),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} #{self.pk} {self.get_state_display()}"

    @property
    def target_label(self) -> str:
        if self.endpoint_id is not None:
            return str(self.endpoint)
        if not self.recipient_id:
            return ""
        return self.recipient.get_full_name() or self.recipient.get_username()  # a name


class RoutingRule(models.Model):
    """Who of a unit's line hears about a topic, and how: the holders of `role`, on
    `channels`. See queries.route for how rules are chosen."""

    scope_field = "unit__path"

    unit = models.ForeignKey(
        Unit, verbose_name=_("unit"), on_delete=models.CASCADE, related_name="routing_rules"
    )
    topic = models.CharField(_("topic"), max_length=40, help_text=_('"*" for every topic.'))
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    channels = models.JSONField(_("channels"), default=list)
    applies_to_subtree = models.BooleanField(
        _("applies to the units below"),
        default=True,
        help_text=_("Otherwise only messages about this unit itself follow the rule."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["unit", "topic", "role", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "topic", "role"],
                condition=Q(is_active=True),
                name="notify_rule_unique_active",
            ),
        ]

    def __str__(self):
        return f"{self.unit} · {self.topic} · {self.get_role_display()}"

    @property
    def channel_labels(self) -> list[str]:
        labels = dict(USER_CHANNELS)
        return [str(labels.get(c, c)) for c in self.channels]
