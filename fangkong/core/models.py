import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .fields import PathField
from .scope import ScopedQuerySet


class UserProfile(models.Model):
    """Per-user preferences that are not part of Django's user model."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self):
        return str(self.user)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the raw value is shown once."""

    PREFIX = "fk_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("hint"), max_length=12)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.name} ({self.hint}…)"

    @classmethod
    def new_raw(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """One failed login; recent rows lock an (account, address) pair out and slow the
    account and the address down (see core.auth)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("login failure")
        verbose_name_plural = _("login failures")

    def __str__(self):
        return f"{self.username} {self.at:%Y-%m-%d %H:%M}"


class AccessLog(models.Model):
    """Who viewed or exported whose personal data, when, from where.

    Personal data is sensitive: the log names the record (type and id) and the
    unit path for scoping, never the data itself.
    """

    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        EXPORT = "export", _("exported")
        CHANGE = "change", _("changed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    username = models.CharField(_("user"), max_length=150)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("record type"), max_length=50)
    object_id = models.CharField(_("record"), max_length=50, blank=True)
    unit_path = PathField(max_length=255, blank=True, db_index=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.action} {self.object_type}"

    @property
    def object_type_label(self):
        from .audit import object_type_label

        return object_type_label(self.object_type)

    @property
    def detail_text(self) -> str:
        from .audit import describe_detail

        return describe_detail(self.detail)


class AuditEntry(models.Model):
    """A write made through a service: who changed what, old → new."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(_("action"), max_length=50)
    object_type = models.CharField(_("record type"), max_length=50)
    object_id = models.CharField(_("record"), max_length=50)
    unit_path = PathField(max_length=255, blank=True, db_index=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]

    def __str__(self):
        return f"{self.action} {self.object_type}#{self.object_id}"


class IdempotentRequest(models.Model):
    """A write that carried an `Idempotency-Key`: its result is kept so a retry from a
    flaky network gets the same answer instead of a second write (see core.idempotency)."""

    owner = models.CharField(max_length=64)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    response = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotent request")
        verbose_name_plural = _("idempotent requests")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotent_request_unique"),
        ]

    def __str__(self):
        return f"{self.owner} {self.key}"


class FollowUp(models.Model):
    """Work that must happen because of a fact (open the incident of a suspected case,
    tell the office, record a ledger entry): written in the fact's own transaction by
    `core.followups.emit`, one row per subscribed handler, and carried out by the worker
    (sweep `core.followups`), each row in its own transaction, retried with back-off."""

    class State(models.TextChoices):
        PENDING = "pending", _("to be run")
        FAILED = "failed", _("failed, will retry")
        DONE = "done", _("done")
        DEAD = "dead", _("given up")

    event = models.CharField(_("event"), max_length=100)
    handler = models.CharField(_("handler"), max_length=100)
    key = models.CharField(_("key"), max_length=200)
    payload = models.JSONField(_("payload"), default=dict)
    unit_path = PathField(max_length=255, blank=True, db_index=True)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)

    scope_field = "unit_path"
    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up work item")
        verbose_name_plural = _("Follow-up work")
        constraints = [
            # One row per (handler, fact): emitting twice does the work once.
            models.UniqueConstraint(fields=["handler", "key"], name="followup_once"),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at", "id"],
                name="followup_due",
                condition=models.Q(state__in=["pending", "failed"]),
            ),
        ]

    def __str__(self):
        return f"{self.handler} {self.key}"


class WorkerBeat(models.Model):
    """A `fangkong worker` process saying it is alive: one row per process (host and pid),
    written once per round at most every few seconds (core.heartbeat), with what each of
    its sweeps last did. /healthz reads `beat_at`, /metrics the sweeps. Rows of workers
    that stopped stay until a week old, and count for nothing once their beat is stale."""

    name = models.CharField(max_length=200, unique=True)  # host:pid
    host = models.CharField(max_length=150)
    pid = models.PositiveIntegerField()
    # The sweeps this process runs (its lanes, or its --only/--except choice).
    sweeps = models.JSONField(default=list)
    # Per sweep: last_run, last_success (ISO times), seconds, runs, failures, overruns and
    # the running totals of the counts it returned ({"sent": 12, "dead": 1}).
    state = models.JSONField(default=dict)
    started_at = models.DateTimeField(default=timezone.now)
    beat_at = models.DateTimeField(default=timezone.now, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return self.name
