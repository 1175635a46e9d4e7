"""Access and audit logging, called by services and queries (never by templates).

Reads of personal or health data log themselves: the scoped query that returns the data
(`get_person_for`, `list_checkins`, …) calls `log_read`, so no page, API endpoint or
export can forget it. The request being served is bound by `AccessContextMiddleware`
(for the client address, and so one request logs one row per record it read, however
many times a view fetches it).
"""

import json
from collections.abc import Mapping
from contextvars import ContextVar

from django.conf import settings
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import AccessLog, AuditEntry

# Labels of the record types named in the access log; apps register their own.
_object_labels: dict[str, object] = {}


def register_object_type(key: str, label) -> None:
    _object_labels[key] = label


def object_type_label(key: str):
    return _object_labels.get(key, key)


# What a read or an export was filtered by is kept in `detail` as a JSON object of machine
# values ({"day": "2020-02-03", "checkin_list": "missing"}) and put into words when shown,
# in the reader's language: a key and its values are registered by the app that logs them,
# so the access log never shows a code or a query string. The unit is the row's unit_path;
# no name, number or file name of a person goes in (the log names records, never data).
_detail_keys: dict[str, tuple[object, dict[str, object]]] = {}


def register_detail_key(key: str, label, values=()) -> None:
    """`values`: (value, label) pairs, e.g. a TextChoices' `.choices`; others are shown as
    they are (a day, a number)."""
    _detail_keys[key] = (label, {str(v): lbl for v, lbl in values})


register_detail_key("day", _("day"))
register_detail_key("from", _("first day"))
register_detail_key("until", _("last day"))
register_detail_key("days", _("days"))
register_detail_key("format", _("format"), [("excel", _("Excel file"))])
register_detail_key("via", _("through"), [("admin", _("the admin site"))])
register_detail_key("attachment", _("attachment no."))


def describe_detail(detail: str) -> str:
    """The access log's detail in words; free text (older rows) as it is."""
    try:
        data = json.loads(detail) if detail.startswith("{") else None
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return detail
    parts = []
    for key, value in data.items():
        label, values = _detail_keys.get(key, (key, {}))
        parts.append(
            gettext("%(label)s: %(value)s")
            % {"label": label, "value": values.get(str(value), value)}
        )
    return gettext("; ").join(parts)


def _detail_text(detail) -> str:
    if isinstance(detail, Mapping):
        unknown = set(detail) - set(_detail_keys)
        if unknown:
            raise ValueError(f"unregistered access log detail keys: {sorted(unknown)}")
        detail = json.dumps(
            {k: str(v) for k, v in detail.items() if v not in (None, "")},
            ensure_ascii=False,
            separators=(",", ":"),
        )
    return detail[:255]


def client_ip(request) -> str | None:
    # Only a trusted reverse proxy may name the client (FANGKONG_BEHIND_PROXY): anyone
    # else could forge X-Forwarded-For to dodge the lockout or falsify the access log.
    if settings.BEHIND_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


_request: ContextVar = ContextVar("fangkong_request", default=None)


def bind_request(request):
    """Make `request` the one reads are logged for (a token for `unbind_request`)."""
    return _request.set(request)


def unbind_request(token) -> None:
    _request.reset(token)


def log_read(user, action: str, object_type: str, object_id="", unit_path="", detail="") -> None:
    """Record that `user` read personal or health data (once per request and record).
    Called by the scoped queries; the address comes from the request being served.
    `action` is one of AccessLog.Action; `detail` the filter, as {registered key: value}."""
    request = _request.get()
    if request is not None:
        seen = request.__dict__.setdefault("_fangkong_reads", set())
        key = (action, object_type, str(object_id), unit_path)  # not the detail
        if key in seen:
            return
        seen.add(key)
    user = user if user is not None and user.is_authenticated else None
    _write(
        user,
        action,
        object_type,
        object_id,
        unit_path,
        detail,
        client_ip(request) if request is not None else None,
    )


def log_access(request, action: str, object_type: str, object_id="", unit_path="", detail=""):
    """An access row for what a view hands out itself (an export, a download)."""
    user = request.user if request.user.is_authenticated else None
    _write(user, action, object_type, object_id, unit_path, detail, client_ip(request))


def record_change(actor, action: str, obj, unit_path: str = "", changes=None) -> None:
    AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        object_type=obj._meta.model_name,
        object_id=str(obj.pk),
        unit_path=unit_path,
        changes=changes or {},
    )


def _write(user, action, object_type, object_id, unit_path, detail, ip) -> None:
    if action not in AccessLog.Action.values:
        raise ValueError(f"unknown access log action {action!r}")
    AccessLog.objects.create(
        user=user,
        username=user.get_username() if user else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        unit_path=unit_path,
        detail=_detail_text(detail),
        ip=ip,
    )
