"""Delivery of one message per channel. No database access here: these run outside any
transaction (and in threads), on rows already claimed by services.deliver_due.

Group robots take JSON over HTTPS, each in its own format, sent with urllib (no extra
dependency) and a short timeout so a hanging robot never stalls the worker:
- DingTalk: {"msgtype": "text", "text": {"content": …}}; with a secret, `timestamp` (ms)
  and `sign` = base64(HMAC-SHA256(key=secret, msg="{timestamp}\\n{secret}")) in the query.
- WeCom:    {"msgtype": "text", "text": {"content": …}}; the key is in the URL, no signing.
- Feishu:   {"msg_type": "text", "content": {"text": …}}; with a secret, `timestamp` (s)
  and `sign` = base64(HMAC-SHA256(key="{timestamp}\\n{secret}", msg="")) in the body.
Each answers HTTP 200 with an error code in the body when it refuses a message.
Every webhook call also carries `X-Fangkong-Message: <delivery key>`, the same on every
attempt of one message, so a receiver that wants exactly-once can drop a repeat (a
worker killed after a send and before recording it sends that message again).

SMS goes to the recipient's phone (their roster entry's) through the gateway of
`sms.py`. Mail, SMS and robot texts end with the message's link made absolute with
FANGKONG_BASE_URL (none when it is not set); the inbox keeps the relative link.
"""

import base64
import hashlib
import hmac
import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import quote_plus, urlsplit

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage, get_connection

from .choices import Channel


class DeliveryError(Exception):
    """The message was not delivered. `permanent`: retrying cannot help (no address…)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


SMS_MAX_CHARS = 500  # a longer body would be cut into many short messages


def absolute_url(url: str) -> str:
    """The link for texts read outside the site: absolute, or "" without a base URL."""
    if not url or urlsplit(url).scheme in ("http", "https"):
        return url
    base = settings.NOTIFY_BASE_URL
    return f"{base}/{url.lstrip('/')}" if base else ""


def text_of(message) -> str:
    lines = [message.subject]
    if message.body:
        lines.append(message.body)
    if link := absolute_url(message.url):
        lines.append(link)
    return "\n".join(lines)


def delivery_key(message) -> str:
    """The same for every attempt of one message, and for no other message."""
    return hashlib.sha256(message.dedupe_key.encode()).hexdigest()[:32]


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


def feishu_sign(secret: str, timestamp_s: int) -> str:
    digest = hmac.new(f"{timestamp_s}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a robot never redirects; following one would re-post elsewhere


_opener = urllib.request.build_opener(_NoRedirects)


def post_json(url: str, payload: dict, *, timeout: float, headers: dict | None = None) -> dict:
    """POST `payload`; return the JSON answer ({} if none). Any failure is DeliveryError."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("not an http(s) URL", permanent=True)
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        method="POST",
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"HTTP {exc.code}") from None
    except urllib.error.URLError as exc:
        raise DeliveryError(str(exc.reason)) from None
    except (OSError, http.client.HTTPException, ValueError) as exc:  # timeouts, resets, junk
        raise DeliveryError(str(exc) or type(exc).__name__) from None
    try:
        answer = json.loads(raw) if raw.strip() else {}
    except ValueError:
        return {}
    return answer if isinstance(answer, dict) else {}


def check_code(answer: dict, *keys: str) -> None:
    """A robot (or gateway) that answers 200 may still refuse: a non-zero code."""
    for key in keys:
        if key in answer:
            if answer[key] not in (0, "0"):
                message = answer.get("errmsg") or answer.get("msg") or answer.get("StatusMessage")
                raise DeliveryError(f"robot refused: {answer[key]} {message or ''}".strip())
            return


def _key_header(message) -> dict:
    return {"X-Fangkong-Message": delivery_key(message)}


def send_dingtalk(message, *, timeout: float) -> None:
    channel = message.endpoint
    url = channel.target
    if channel.secret:
        timestamp = int(time.time() * 1000)
        sign = quote_plus(dingtalk_sign(channel.secret, timestamp))
        url += f"{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"
    payload = {"msgtype": "text", "text": {"content": text_of(message)}}
    check_code(post_json(url, payload, timeout=timeout, headers=_key_header(message)), "errcode")


def send_wecom(message, *, timeout: float) -> None:
    payload = {"msgtype": "text", "text": {"content": text_of(message)}}
    answer = post_json(
        message.endpoint.target, payload, timeout=timeout, headers=_key_header(message)
    )
    check_code(answer, "errcode")


def send_feishu(message, *, timeout: float) -> None:
    channel = message.endpoint
    payload: dict = {"msg_type": "text", "content": {"text": text_of(message)}}
    if channel.secret:
        timestamp = int(time.time())
        payload = {
            "timestamp": str(timestamp),
            "sign": feishu_sign(channel.secret, timestamp),
            **payload,
        }
    answer = post_json(channel.target, payload, timeout=timeout, headers=_key_header(message))
    check_code(answer, "code", "StatusCode")


def send_email(message, *, timeout: float) -> None:
    if message.endpoint_id is not None:
        address = message.endpoint.target
    else:
        address = message.recipient.email if message.recipient_id else ""
    if not address:
        raise DeliveryError("no email address", permanent=True)
    connection = get_connection(timeout=timeout)
    subject = " ".join(message.subject.split())  # a header holds no line breaks
    body = message.body
    if link := absolute_url(message.url):
        body = f"{body}\n\n{link}" if body else link
    try:
        EmailMessage(
            subject, body, settings.DEFAULT_FROM_EMAIL, [address], connection=connection
        ).send()
    except OSError as exc:  # smtplib's errors, refused connections and timeouts
        raise DeliveryError(str(exc) or type(exc).__name__) from None


def phone_of(user) -> str:
    """The phone number of the user's roster entry, or "" (no entry, no number)."""
    try:
        person = user.person
    except ObjectDoesNotExist:
        return ""
    return person.phone.strip() if person is not None else ""


def send_sms(message, *, timeout: float) -> None:
    from .sms import get_gateway

    phone = phone_of(message.recipient) if message.recipient_id else ""
    if not phone:
        raise DeliveryError("no phone number", permanent=True)
    text = text_of(message)
    if len(text) > SMS_MAX_CHARS:
        text = text[: SMS_MAX_CHARS - 1] + "…"
    get_gateway()(phone, text, timeout=timeout, key=delivery_key(message))


def send_inapp(message, *, timeout: float) -> None:
    """The inbox reads the row itself: delivering is marking it sent."""


Sender = Callable[..., None]
_senders: dict[str, Sender] = {
    Channel.INAPP: send_inapp,
    Channel.EMAIL: send_email,
    Channel.SMS: send_sms,
    Channel.DINGTALK: send_dingtalk,
    Channel.WECOM: send_wecom,
    Channel.FEISHU: send_feishu,
}


def send(message, *, timeout: float) -> None:
    sender = _senders.get(message.channel)
    if sender is None:
        raise DeliveryError(f"no sender for channel {message.channel}", permanent=True)
    if message.endpoint_id is not None and not message.endpoint.is_active:
        raise DeliveryError("the unit channel was deactivated", permanent=True)
    sender(message, timeout=timeout)
