"""Test helpers with no domain in them."""

import threading

from django.db import connection


def run_in_threads(target, count=2):
    """Start `count` threads together on `target(n)` (a barrier lines them up), each with
    its own database connection; re-raise the first error in the test's thread."""
    barrier = threading.Barrier(count)
    errors = []

    def run(n):
        try:
            barrier.wait(10)
            target(n)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    if errors:
        raise errors[0]


def run_followups() -> dict:
    """What the worker's `core.followups` sweep would do now: run every due follow-up (the
    incident of a case, the ledger entry of a late filing, the office's notices)."""
    from .followups import run_all

    return run_all()


def api_document(client) -> dict:
    """The OpenAPI document as a user with API access reads it (core.auth.docs_access)."""
    from django.contrib.auth import get_user_model

    reader, _created = get_user_model().objects.get_or_create(
        username="api-doc-reader", defaults={"is_superuser": True}
    )
    client.force_login(reader)
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200, response.status_code
    return response.json()
