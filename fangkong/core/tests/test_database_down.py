"""A database that does not answer (PostgreSQL restarting, failing over) is a 503 with
Retry-After, for the API and for pages, never a 500 (bench/province.py's fault runs)."""

from unittest import mock

from django.contrib.auth import get_user_model
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, TestCase

from fangkong.core.auth import create_token


def database_down():
    return mock.patch.object(
        CursorWrapper,
        "execute",
        side_effect=OperationalError("server closed the connection unexpectedly"),
    )


class DatabaseDownTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_superuser("root-admin", password="x")
        cls.raw = create_token(cls.user, "t")[1]

    def test_the_api_answers_503_json_with_retry_after(self):
        client = Client(raise_request_exception=False)
        with database_down(), self.assertLogs("django.request", "WARNING") as logs:
            response = client.get(
                "/api/v1/incidents", headers={"Authorization": f"Bearer {self.raw}"}
            )
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertEqual(response.json()["code"], "unavailable")
        self.assertEqual(len(logs.records), 1)
        self.assertIsNone(logs.records[0].exc_info)  # one line, no traceback per request

    def test_a_page_answers_the_503_page_with_retry_after(self):
        client = Client(raise_request_exception=False)
        client.force_login(self.user)
        with database_down(), self.assertLogs("django.request", "WARNING") as logs:
            response = client.get("/workbench/")
        self.assertEqual([r.levelname for r in logs.records], ["WARNING"])
        self.assertIsNone(logs.records[0].exc_info)
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response["Retry-After"], "5")
        self.assertContains(response, "Service unavailable", status_code=503)

    def test_another_error_is_still_the_500_page(self):
        client = Client(raise_request_exception=False)
        client.force_login(self.user)
        with (
            mock.patch.object(CursorWrapper, "execute", side_effect=ZeroDivisionError),
            self.assertLogs("django.request", "ERROR"),
        ):
            response = client.get("/workbench/")
        self.assertEqual(response.status_code, 500)
        self.assertNotIn("Retry-After", response)
