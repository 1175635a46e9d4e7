"""SMS gateways. `FANGKONG_SMS_GATEWAY` names one by its dotted path: a callable
`gateway(phone, text, *, timeout, key)`, or a class whose instances are such callables
(made once per process). It raises `channels.DeliveryError` when the message did not go
out (`permanent=True` when retrying cannot help). `key` is the message's idempotency key:
the same key again means the same message again (after a worker was killed mid-send).

Two ship with Fangkong:
- `ConsoleGateway` (the default, for development): logs the masked number and the length
  of the text, never the text (it may carry health data) nor the whole number;
- `HttpGateway`: POSTs `{"phone", "text", "key"}` as JSON to `FANGKONG_SMS_URL` with
  `Authorization: Bearer FANGKONG_SMS_TOKEN`; any 2xx answer whose JSON carries no
  non-zero `code`/`errcode` is a success. A thin adapter in front of a provider's API.
"""

import logging
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("fangkong.notify.sms")


def mask_phone(phone: str) -> str:
    """ "13800000001" → "138****0001": enough to tell numbers apart in a log."""
    digits = "".join(ch for ch in phone if ch.isdigit() or ch == "+")
    if len(digits) < 8:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


class ConsoleGateway:
    def __call__(self, phone: str, text: str, *, timeout: float, key: str = "") -> None:
        logger.info("SMS to %s: %s characters", mask_phone(phone), len(text))


class HttpGateway:
    def __call__(self, phone: str, text: str, *, timeout: float, key: str = "") -> None:
        from .channels import DeliveryError, check_code, post_json

        if not settings.SMS_URL:
            raise DeliveryError("FANGKONG_SMS_URL is not set", permanent=True)
        headers = {"Idempotency-Key": key} if key else {}
        if settings.SMS_TOKEN:
            headers["Authorization"] = f"Bearer {settings.SMS_TOKEN}"
        answer = post_json(
            settings.SMS_URL,
            {"phone": phone, "text": text, "key": key},
            timeout=timeout,
            headers=headers,
        )
        check_code(answer, "code", "errcode")


@lru_cache(maxsize=8)
def _load(path: str):
    gateway = import_string(path)
    return gateway() if isinstance(gateway, type) else gateway


def get_gateway():
    return _load(settings.SMS_GATEWAY)
