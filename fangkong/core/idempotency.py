"""Idempotency keys for writes that a flaky phone network may send twice.

`run_once(owner=, key=, payload=, fn=)` runs `fn` and stores its JSON result under
(owner, key) in the same transaction. A retry with the same payload gets the stored result
without writing again; the same key with another payload is refused (409), since the
client has mixed up its keys. Two copies racing each other: one commits, the other hits
the unique constraint, rolls back and returns the winner's result.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import Conflict
from .models import IdempotentRequest

KEEP = timedelta(days=7)


def fingerprint(payload) -> str:
    text = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _earlier(owner: str, key: str, print_: str):
    earlier = IdempotentRequest.objects.filter(owner=owner, key=key).first()
    if earlier is not None and earlier.fingerprint != print_:
        raise Conflict(
            "idempotency_key_reused",
            _("This Idempotency-Key was already used for a different request."),
        )
    return earlier


def run_once(*, owner: str, key: str, payload, fn: Callable[[], dict]) -> tuple[dict, bool]:
    """Returns (result, replayed)."""
    owner, key = owner[:64], key[:100]
    print_ = fingerprint(payload)
    for attempt in range(2):
        earlier = _earlier(owner, key, print_)
        if earlier is not None:
            return earlier.response, True
        try:
            with transaction.atomic():
                result = fn()
                IdempotentRequest.objects.create(
                    owner=owner, key=key, fingerprint=print_, response=result
                )
            return result, False
        except IntegrityError:
            if attempt:  # a second clash is not a race that retrying resolves
                raise
    raise AssertionError("unreachable")


def purge(now=None) -> dict:
    """Forget keys older than a week (sweep)."""
    cutoff = (now or timezone.now()) - KEEP
    deleted, _counts = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return {"deleted": deleted}
