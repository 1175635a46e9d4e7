"""Idempotency keys for writes that a flaky phone network may send twice.

`run_once(owner=, key=, payload=, fn=)` runs `fn` and stores its JSON result under
(owner, key) in the same transaction. A retry with the same payload gets the stored result
without writing again; the same key with another payload is refused (409), since the
client has mixed up its keys. Two copies racing each other: one commits, the other hits
the unique constraint, rolls back and returns the winner's result.

`idempotent` puts every creating API operation under it in one way (see its docstring).
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja.decorators import decorate_view
from ninja.utils import contribute_operation_callback

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


# --- the API's creating operations ----------------------------------------------------------

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
HEADER_PARAMETER = {
    "in": "header",
    "name": HEADER,
    "required": False,
    "schema": {"type": "string", "maxLength": 100},
    "description": (
        "Any unique text (a UUID) for this write. A retry with the same key and body gets "
        "the first answer, with `Idempotent-Replayed: true`, and writes nothing again; the "
        "same key with another body is 409 `idempotency_key_reused`. Keys are kept 7 days."
    ),
}


class _Refused(Exception):
    """A 4xx/5xx answer: roll the operation's transaction back and send the answer."""

    def __init__(self, response):
        super().__init__(response.status_code)
        self.response = response


def _request_print(request) -> dict:
    """What makes two requests "the same": method, path and body (JSON by value, so a
    client that re-serializes its retry in another key order is still the same)."""
    if request.content_type == "multipart/form-data":
        files = []
        for name, upload in sorted(request.FILES.items()):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            files.append([name, upload.name, upload.size, digest.hexdigest()])
        body: object = {"form": sorted(request.POST.lists()), "files": files}
    else:
        raw = request.body or b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = hashlib.sha256(raw).hexdigest()
    return {"method": request.method, "path": request.get_full_path(), "body": body}


def _answer(stored: dict, replayed: bool) -> HttpResponse:
    body = stored["body"]
    if isinstance(body, dict) and "replayed" in body:  # schemas that say so in the body
        body = {**body, "replayed": replayed}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False),
        status=stored["status"],
        content_type="application/json; charset=utf-8",
    )
    if replayed:
        response[REPLAYED_HEADER] = "true"
    return response


def _run_idempotently(run):
    """Wraps ninja's `Operation.run` (auth, parsing, the view, the response schema)."""
    operation = run.__self__

    @functools.wraps(run)
    def wrapper(request, **kw):
        def attempt():
            # The answer is built inside the transaction, from what it wrote: a failure
            # after the commit can no longer turn a done write into an error (or a retry
            # into a second write).
            response = run(request, **kw)
            if response.status_code >= 400:
                raise _Refused(response)
            return response

        try:
            key = (request.headers.get(HEADER) or "").strip()
            if not key:
                with transaction.atomic():
                    return attempt()
            refused = operation._run_checks(request)  # who owns the key: authenticate first
            if refused is not None:
                return refused

            def once() -> dict:
                response = attempt()
                return {"status": response.status_code, "body": json.loads(response.content)}

            stored, replayed = run_once(
                owner=f"api:user:{request.user.pk}",
                key=key,
                payload=_request_print(request),
                fn=once,
            )
            return _answer(stored, replayed)
        except _Refused as refused:
            return refused.response
        except Exception as exc:
            return operation.api.on_exception(request, exc)

    return wrapper


def _declare_header(operation) -> None:
    extra = dict(operation.openapi_extra or {})
    extra["parameters"] = [*extra.get("parameters", ()), HEADER_PARAMETER]
    operation.openapi_extra = extra
    operation.idempotent = True


def idempotent(view):
    """Put under `@router.post(...)` (or `.put`, `.patch`) of every API operation that
    writes: each one that creates something or files a report, and the changes. It then

    - runs in one transaction, with its answer built (schema and JSON) inside it; a 4xx or
      5xx answer rolls the whole operation back;
    - takes an optional `Idempotency-Key` header (declared in the OpenAPI document): the
      first answer is stored with the write and a retry gets it back (`run_once`), the
      key scoped to the authenticated user.
    """
    contribute_operation_callback(view, _declare_header)
    return decorate_view(_run_idempotently)(view)
