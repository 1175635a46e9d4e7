"""The API under faults: every creating operation takes an Idempotency-Key, an unhandled
error is the JSON error format, and a connection the database server closed (a restart)
costs no request a 500."""

import json
from unittest import mock, skipIf

from django.core.handlers.wsgi import WSGIHandler
from django.db import connection, connections
from django.test import TestCase, TransactionTestCase
from django.test.client import FakePayload, RequestFactory

from fangkong.core.auth import create_token
from fangkong.core.testing import api_document
from fangkong.orgs import api as orgs_api
from fangkong.orgs.models import Unit
from fangkong.orgs.testing import ProvinceMixin, make_province

# Operations that write without creating anything a retry could duplicate, each with why.
NOT_CREATING = {
    ("post", "/api/v1/auth/token"): "no user yet to own a key; a second token is harmless",
}


class IdempotencyKeyDeclaredTests(TestCase):
    def test_every_writing_operation_declares_the_header(self):
        schema = api_document(self.client)
        missing, seen = [], 0
        for path, operations in schema["paths"].items():
            for method, operation in operations.items():
                if method not in ("post", "put", "patch") or (method, path) in NOT_CREATING:
                    continue
                seen += 1
                headers = {
                    p["name"] for p in operation.get("parameters", ()) if p["in"] == "header"
                }
                if "Idempotency-Key" not in headers:
                    missing.append(f"{method.upper()} {path}")
        self.assertGreater(seen, 20)
        self.assertEqual(missing, [])


class ServerErrorTests(ProvinceMixin, TestCase):
    def test_an_unhandled_error_answers_the_json_error_format_and_saves_nothing(self):
        self.client.force_login(self.t.root)
        # Forced after the unit is written, while its answer is read back.
        with (
            mock.patch.object(orgs_api, "Unit") as model,
            self.assertLogs("django.request", "ERROR") as logs,
        ):
            model.objects.select_related.side_effect = RuntimeError("forced")
            response = self.client.post(
                "/api/v1/units",
                data=json.dumps(
                    {"parent": "a-sub", "code": "a-new", "name": "New", "kind": "site"}
                ),
                content_type="application/json",
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response["Content-Type"], "application/json; charset=utf-8")
        self.assertEqual(response.json()["code"], "server_error")
        self.assertIn("RuntimeError: forced", logs.output[0])
        # The answer is part of the write: no unit was created behind the 500.
        self.assertFalse(Unit.objects.filter(code="a-new").exists())


@skipIf(connection.vendor != "postgresql", "a server-side disconnect needs PostgreSQL")
class DatabaseRestartTests(TransactionTestCase):
    def request(self, token):
        """A request as gunicorn makes one: through Django's WSGI handler, whose request
        start checks kept connections (the test client skips that)."""
        environ = RequestFactory()._base_environ(
            PATH_INFO="/api/v1/units",
            REQUEST_METHOD="GET",
            HTTP_AUTHORIZATION=f"Bearer {token}",
            **{"wsgi.input": FakePayload(b"")},
        )
        status = []
        body = b"".join(WSGIHandler()(environ, lambda s, h, *a: status.append(s)))
        return int(status[0].split()[0]), body

    def test_a_connection_closed_by_the_server_is_replaced_not_a_500(self):
        t = make_province()
        _token, raw = create_token(t.alice, "test")
        self.assertEqual(self.request(raw)[0], 200)
        self.assertIsNotNone(connection.connection)  # kept (CONN_MAX_AGE)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        other = connections.create_connection("default")
        try:
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            other.close()
        status, body = self.request(raw)
        self.assertEqual(status, 200, body[:500])
        self.assertIn(b"group-a", body)
