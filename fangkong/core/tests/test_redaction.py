import io
import logging
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import time_machine
from django.conf import settings
from django.db import connection
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from gunicorn.config import Config

from fangkong.core.gunicorn_logger import RedactingLogger
from fangkong.core.redaction import RedactingFilter
from fangkong.health.services import checkins as services
from fangkong.orgs.models import Person
from fangkong.orgs.testing import ProvinceMixin

MORNING = datetime(2020, 2, 3, 0, 30, tzinfo=UTC)
NAME = "张三丰"


@contextmanager
def configured_log_output():
    """What the handlers of settings.LOGGING print (not assertLogs, whose handler would
    bypass the redaction under test)."""
    loggers = [logging.getLogger(n) for n in ("", "django", "django.request", "django.server")]
    handlers = {
        h
        for lg in loggers
        for h in lg.handlers
        if any(isinstance(f, RedactingFilter) for f in h.filters)
    }
    assert handlers, "no redacting handler configured"
    out = io.StringIO()
    saved = [(h, h.setStream(out)) for h in handlers]
    try:
        yield out
    finally:
        for handler, stream in saved:
            handler.setStream(stream)


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(MORNING, tick=False)
class CheckInPathLogTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Person.objects.filter(pk=cls.t.p_site_1.pk).update(name=NAME)
        link = services.issue_links(actor=cls.t.root, people=[cls.t.p_site_1])[0]
        cls.token = services.link_token(link)
        cls.url = reverse("health:self_checkin", args=[cls.token])

    def setUp(self):
        self.client = Client(raise_request_exception=False)

    def assert_clean(self, output: str):
        self.assertNotIn(self.token, output)
        self.assertNotIn(self.token.split(".")[-1], output)  # not even its signature
        self.assertNotIn(NAME, output)
        self.assertNotIn("38.6", output)

    def test_a_server_error_on_the_phone_page_logs_neither_token_nor_name(self):
        # A template that fails with the person's name in the exception's message.
        with tempfile.TemporaryDirectory() as folder:
            page = Path(folder) / "health" / "self_checkin.html"
            page.parent.mkdir()
            page.write_text("{% include person.name %}")
            templates = [{**settings.TEMPLATES[0], "DIRS": [folder]}]
            with override_settings(TEMPLATES=templates), configured_log_output() as out:
                response = self.client.get(self.url + "?name=" + NAME)
        self.assertEqual(response.status_code, 500)
        output = out.getvalue()
        self.assertIn("ERROR django.request Internal Server Error: /health/c/…/", output)
        self.assertIn("TemplateDoesNotExist: …", output)  # the type and frames, not the text
        self.assert_clean(output)

    def test_a_database_error_while_checking_in_logs_no_row(self):
        # The database refuses the row; PostgreSQL quotes it ("Failing row contains (…)").
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute(
                    "ALTER TABLE health_checkin ADD CONSTRAINT refuse_all "
                    "CHECK (temperature < 0) NOT VALID"
                )
            else:
                cursor.execute(
                    "CREATE TRIGGER refuse_all BEFORE INSERT ON health_checkin "
                    "BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
        with configured_log_output() as out:
            response = self.client.post(
                self.url,
                {
                    "temperature": "38.6",
                    "whereabouts": "at_post",
                    "category": "on_post",
                    "key": "k",
                },
            )
        self.assertEqual(response.status_code, 500)
        output = out.getvalue()
        self.assertIn("IntegrityError", output)  # a database error keeps its message…
        self.assertIn("refuse", output)
        self.assert_clean(output)  # …but not the row

    def test_other_methods_of_a_valid_link_are_refused_without_logging_the_token(self):
        with configured_log_output() as out:
            for method in ("head", "put", "delete", "options"):
                self.assertEqual(getattr(self.client, method)(self.url).status_code, 405)
        output = out.getvalue()
        self.assertEqual(output.count("Method Not Allowed"), 4)
        self.assertIn("/health/c/…/", output)
        self.assert_clean(output)

    def test_sql_logged_at_debug_carries_no_values(self):
        logger = logging.getLogger("django.db.backends")
        level = logger.level
        logger.setLevel(logging.DEBUG)
        try:
            with configured_log_output() as out, self.settings(DEBUG=True):
                connection.force_debug_cursor = True
                try:
                    list(Person.objects.filter(name=NAME))
                finally:
                    connection.force_debug_cursor = False
        finally:
            logger.setLevel(level)
        self.assertIn("orgs_person", out.getvalue())
        self.assertNotIn(NAME, out.getvalue())


class GunicornLogTests(TestCase):
    def test_gunicorn_error_and_access_lines_carry_no_token(self):
        log = RedactingLogger(Config())
        out = io.StringIO()
        for handler in log.error_log.handlers + log.access_log.handlers:
            handler.setStream(out)
        log.error("Error handling request %s", "/health/c/12.abc:sig/?name=x")
        self.assertIn("Error handling request /health/c/…/?…", out.getvalue())
        self.assertNotIn("abc:sig", out.getvalue())


class ControlCharacterLogTests(ProvinceMixin, TestCase):
    def test_a_path_with_control_characters_is_logged_escaped_on_one_line(self):
        # Before: "\x07" and "\x1b[2J" went raw into the server log (a bell, a cleared
        # terminal), and a "%0A" could start a forged line.
        self.client.force_login(self.t.root)
        with configured_log_output() as out:
            response = self.client.get("/api/v1/units/a%07b%1B%5B2J%0Afake%20line")
        self.assertEqual(response.status_code, 422)
        output = out.getvalue()
        self.assertIn("/api/v1/units/a\\x07b\\x1b[2J", output)
        self.assertNotIn("\x07", output)
        self.assertNotIn("\x1b", output)
        self.assertEqual(output.count("\n"), 1)

    def test_any_record_with_control_characters_is_escaped(self):
        # Whoever logs a value a client sent (the worker, gunicorn, a service's warning).
        record = logging.LogRecord("fangkong", logging.WARNING, __file__, 1, "got %s", None, None)
        record.args = ("a\x00b\x07c\x1b[31m\r\nforged \ud800",)
        RedactingFilter().filter(record)
        self.assertEqual(record.getMessage(), "got a\\x00b\\x07c\\x1b[31m\\x0d\\x0aforged \\ud800")
