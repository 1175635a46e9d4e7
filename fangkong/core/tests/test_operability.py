"""Operability (docs/operations.md): /healthz, /metrics, the worker's heartbeat, JSON logs."""

import io
import json
import logging
import os
import re
import unittest
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from unittest import mock

import time_machine
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client, TestCase, TransactionTestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from gunicorn.config import Config
from prometheus_client.parser import text_string_to_metric_families

from fangkong.core import healthz, worker
from fangkong.core.gunicorn_logger import RedactingLogger
from fangkong.core.heartbeat import Heartbeat
from fangkong.core.logformat import JsonFormatter
from fangkong.core.models import WorkerBeat
from fangkong.core.redaction import RedactingFilter
from fangkong.core.tests.test_worker import IsolatedSweeps
from fangkong.health.models import CheckInTally
from fangkong.health.services import checkins
from fangkong.incidents import services as incidents
from fangkong.notify.models import Message
from fangkong.orgs.models import Person
from fangkong.orgs.testing import ProvinceMixin

NOW = datetime(2020, 2, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
NAME = "张三丰"
ID_NUMBER = "11010519491231002X"  # p_site_1's, from the test province


def beat(name="host:1", *, at=NOW, sweeps=None, stopped=False, state=None):
    return WorkerBeat.objects.create(
        name=name,
        host=name.split(":")[0],
        pid=int(name.split(":")[1]),
        sweeps=[s.name for s in worker.sweeps()] if sweeps is None else sweeps,
        state=state or {},
        beat_at=at,
        stopped_at=at if stopped else None,
    )


def due_message(user, *, due_at, key="m1"):
    return Message.objects.create(
        channel="inapp",
        recipient=user,
        subject="s",
        body="b",
        dedupe_key=key,
        next_attempt_at=due_at,
    )


def metrics_of(response) -> dict:
    """{sample name: {labels (sorted tuple): value}} of a /metrics answer."""
    samples: dict = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            labels = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[labels] = sample.value
    return samples


@time_machine.travel(NOW, tick=False)
@override_settings(HEALTHZ_WORKER_SECONDS=180, HEALTHZ_OUTBOX_SECONDS=300, HEALTHZ_OPTIONAL=[])
class HealthzTests(ProvinceMixin, TestCase):
    def get(self):
        response = self.client.get("/healthz")
        return response, response.json()

    def test_all_checks_ok_is_200_in_a_few_queries(self):
        beat()
        healthz.check_migrations(NOW)  # the graph is read from disk once per process
        with self.assertNumQueries(4):  # one per check: database, migrations, worker, outbox
            response, answer = self.get()
        self.assertEqual(response.status_code, 200, answer)
        self.assertEqual(answer["status"], "ok")
        self.assertEqual(set(answer["checks"]), {"database", "migrations", "worker", "outbox"})
        self.assertTrue(all(c["ok"] and c["required"] for c in answer["checks"].values()))
        self.assertEqual(answer["checks"]["worker"]["reason"], "1 workers alive, last beat 0 s ago")
        self.assertEqual(
            response["Cache-Control"], "max-age=0, no-cache, no-store, must-revalidate, private"
        )

    def test_no_worker_or_a_stale_or_stopped_one_is_503_with_the_reason(self):
        response, answer = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(answer["status"], "fail")
        self.assertEqual(
            answer["checks"]["worker"],
            {"ok": False, "required": True, "reason": "no worker beat in the last 180 s"},
        )
        beat("old:1", at=NOW - timedelta(minutes=4))
        beat("gone:2", stopped=True)  # stopped cleanly a moment ago
        self.assertEqual(self.get()[0].status_code, 503)
        # Old rows of dead workers do not matter once one worker beats.
        beat("new:3", at=NOW - timedelta(seconds=30))
        response, answer = self.get()
        self.assertEqual(response.status_code, 200, answer)
        self.assertEqual(
            answer["checks"]["worker"]["reason"], "1 workers alive, last beat 30 s ago"
        )

    def test_a_sweep_no_live_worker_runs_is_503(self):
        urgent = [s.name for s in worker.select(["urgent"])]
        beat(sweeps=urgent)  # the routine lane's worker is gone
        response, answer = self.get()
        self.assertEqual(response.status_code, 503)
        reason = answer["checks"]["worker"]["reason"]
        self.assertIn("1 workers alive, but none runs: ", reason)
        self.assertIn("reporting.", reason)
        self.assertNotIn("notify.deliver", reason)

    @override_settings(HEALTHZ_OPTIONAL=["worker"])
    def test_an_optional_check_is_reported_but_never_503(self):
        response, answer = self.get()  # a bare `fangkong serve`, no worker
        self.assertEqual(response.status_code, 200)
        self.assertEqual(answer["status"], "ok")
        self.assertEqual(answer["checks"]["worker"]["ok"], False)
        self.assertEqual(answer["checks"]["worker"]["required"], False)

    def test_a_due_message_older_than_the_limit_is_503(self):
        beat()
        due_message(self.t.bob, due_at=NOW - timedelta(seconds=200))
        due_message(self.t.bob, due_at=NOW + timedelta(hours=8), key="held")  # quiet hours
        response, answer = self.get()
        self.assertEqual(response.status_code, 200, answer)
        self.assertEqual(
            answer["checks"]["outbox"]["reason"], "the oldest due message has waited 200 s"
        )
        due_message(self.t.bob, due_at=NOW - timedelta(seconds=301), key="m2")
        response, answer = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            answer["checks"]["outbox"],
            {
                "ok": False,
                "required": True,
                "reason": "the oldest due message has waited 301 s (limit 300 s)",
            },
        )
        # Sent and given-up messages are not waiting.
        Message.objects.update(state="sent")
        self.assertEqual(self.get()[0].status_code, 200)

    def test_an_unapplied_migration_is_503_naming_it(self):
        beat()
        MigrationRecorder.Migration.objects.filter(app="core", name="0004_workerbeat").delete()
        response, answer = self.get()
        self.assertEqual(response.status_code, 503)
        self.assertEqual(
            answer["checks"]["migrations"]["reason"],
            "1 migrations not applied: core.0004_workerbeat",
        )

    def test_turning_unhealthy_is_one_warning_not_an_error_per_probe(self):
        healthz._healthy = None
        with self.assertLogs(level="INFO") as logs:
            for _ in range(3):
                self.assertEqual(self.get()[0].status_code, 503)
            beat()
            self.assertEqual(self.get()[0].status_code, 200)
            logging.getLogger("fangkong").info("end")
        lines = [(r.name, r.levelname, r.getMessage()) for r in logs.records]
        self.assertEqual(
            lines,
            [
                (
                    "fangkong.healthz",
                    "WARNING",
                    "unhealthy: worker: no worker beat in the last 180 s",
                ),
                ("fangkong.healthz", "INFO", "healthy again"),
                ("fangkong", "INFO", "end"),
            ],
        )


@unittest.skipUnless(connection.vendor == "postgresql", "an unreachable server: PostgreSQL")
class HealthzDatabaseDownTests(TransactionTestCase):
    def test_an_unreachable_database_is_503_and_the_other_checks_skipped(self):
        port = connection.settings_dict["PORT"]
        self.addCleanup(lambda: (connection.close(), connection.settings_dict.update(PORT=port)))
        connection.settings_dict["PORT"] = "1"
        connection.close()
        healthy, answer = healthz.run_checks()
        self.assertFalse(healthy)
        self.assertEqual(
            answer["checks"]["database"]["reason"], "database unreachable (OperationalError)"
        )
        self.assertEqual(
            answer["checks"]["outbox"]["reason"], "skipped: the database is unreachable"
        )


class HeartbeatTests(IsolatedSweeps, TransactionTestCase):
    def test_a_worker_round_writes_its_heartbeat_and_a_log_line_per_sweep(self):
        worker.register_sweep("deliver", lambda: {"sent": 2, "dead": 1, "note": "x"}, every=0)
        worker.register_sweep("boom", lambda: 1 / 0, every=0, lane="urgent")
        worker.register_sweep("plain", lambda: None, every=0)
        rounds = []
        heartbeat = Heartbeat(worker.sweeps(), every=0, name="host-a:101")
        with self.assertLogs("fangkong.worker", "INFO") as logs:
            worker.run_forever(
                tick=0, stop=lambda: len(rounds) >= 2, sleep=rounds.append, beat=heartbeat
            )
        row = WorkerBeat.objects.get()
        self.assertEqual(row.name, "host-a:101")
        self.assertEqual(row.sweeps, ["deliver", "boom", "plain"])
        self.assertIsNotNone(row.stopped_at)  # it stopped: no longer counted as alive
        deliver = row.state["deliver"]
        self.assertEqual((deliver["runs"], deliver["failures"]), (2, 0))
        self.assertEqual(deliver["counts"], {"sent": 4, "dead": 2})
        self.assertEqual(deliver["last_run"], deliver["last_success"])
        boom = row.state["boom"]
        self.assertEqual((boom["runs"], boom["failures"], boom["last_success"]), (2, 2, None))
        self.assertIsNotNone(boom["last_run"])

        runs = [r for r in logs.records if getattr(r, "sweep", None)]
        self.assertEqual([r.sweep for r in runs], ["deliver", "boom", "plain"] * 2)
        first = runs[0]
        self.assertRegex(first.getMessage(), r"^sweep deliver done in \d+\.\d{3} s: sent=2 dead=1$")
        self.assertEqual(
            (first.levelname, first.outcome, first.counts), ("INFO", "done", {"sent": 2, "dead": 1})
        )
        self.assertIsInstance(first.seconds, float)
        self.assertEqual(runs[1].outcome, "failed")
        self.assertRegex(runs[2].getMessage(), r"^sweep plain done in \d+\.\d{3} s$")

    def test_several_workers_keep_a_row_each_and_one_upsert_per_beat(self):
        worker.register_sweep("a", lambda: 1, every=0)
        clock = [0.0]
        one = Heartbeat(worker.sweeps(), name="host-a:1", clock=lambda: clock[0])
        two = Heartbeat(worker.sweeps(), name="host-b:1", clock=lambda: clock[0])
        self.assertTrue(one.beat())
        self.assertTrue(two.beat())
        clock[0] = 5.0
        with CaptureQueriesContext(connection) as queries:
            self.assertTrue(one.beat())
        statements = [
            q["sql"] for q in queries if q["sql"] not in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT")
        ]
        self.assertEqual(len(statements), 1, statements)  # the purge is hourly
        self.assertIn("ON CONFLICT", statements[0])
        clock[0] = 6.0
        with self.assertNumQueries(0):
            self.assertFalse(one.beat())  # not due: at most every 5 s
        self.assertEqual(
            sorted(WorkerBeat.objects.values_list("name", flat=True)), ["host-a:1", "host-b:1"]
        )
        # A week-old row of a dead worker is deleted by the next purge.
        WorkerBeat.objects.filter(name="host-b:1").update(beat_at=NOW)
        clock[0] = 4000.0
        self.assertTrue(one.beat())
        self.assertEqual(list(WorkerBeat.objects.values_list("name", flat=True)), ["host-a:1"])


@time_machine.travel(NOW, tick=False)
@override_settings(METRICS_TOKEN="s3cret-token", METRICS_ALLOW=["127.0.0.1", "10.9.0.0/16"])
class MetricsTests(ProvinceMixin, TestCase):
    def scrape(self, **headers):
        return Client().get("/metrics", **{"REMOTE_ADDR": "127.0.0.1", **headers})

    def test_only_the_token_or_an_allowed_address_sees_it_others_get_404(self):
        outside = {"REMOTE_ADDR": "203.0.113.7"}
        self.assertEqual(self.scrape(**outside).status_code, 404)
        ok = self.scrape(**outside, HTTP_AUTHORIZATION="Bearer s3cret-token")
        self.assertEqual(ok.status_code, 200)
        self.assertEqual(ok["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        self.assertEqual(self.scrape(**outside, HTTP_AUTHORIZATION="Bearer wrong").status_code, 404)
        self.assertEqual(self.scrape(**outside, HTTP_AUTHORIZATION="s3cret-token").status_code, 404)
        self.assertEqual(self.scrape().status_code, 200)  # 127.0.0.1
        self.assertEqual(self.scrape(REMOTE_ADDR="10.9.3.4").status_code, 200)  # a network
        # Through a proxy on 127.0.0.1 the client's address decides too.
        forwarded = self.scrape(HTTP_X_FORWARDED_FOR="203.0.113.7")
        self.assertEqual(forwarded.status_code, 404)
        with self.settings(BEHIND_PROXY=True):
            self.assertEqual(self.scrape(HTTP_X_FORWARDED_FOR="203.0.113.7").status_code, 404)
            self.assertEqual(self.scrape(HTTP_X_FORWARDED_FOR="10.9.0.5").status_code, 200)
        with self.settings(METRICS_TOKEN=""):  # no token set: a bearer of "" is nobody
            self.assertEqual(self.scrape(**outside, HTTP_AUTHORIZATION="Bearer ").status_code, 404)
        # The 404 is the one of a page that does not exist.
        missing = Client().get("/no-such-page", REMOTE_ADDR="203.0.113.7")
        nonce = re.compile(rb'"[\w-]{32,}"')
        self.assertEqual(
            nonce.sub(b"", self.scrape(**outside).content), nonce.sub(b"", missing.content)
        )

    def test_the_figures_parse_and_come_from_the_database(self):
        now = NOW.isoformat()
        state = {
            "notify.deliver": {
                "seconds": 0.25,
                "runs": 7,
                "failures": 1,
                "overruns": 0,
                "last_run": now,
                "last_success": (NOW - timedelta(seconds=2)).isoformat(),
                "counts": {"sent": 12, "dead": 1},
            }
        }
        beat("host-a:7", state=state)
        beat("host-b:8", at=NOW - timedelta(days=1), state=state, stopped=True)
        incidents.file_incident(
            actor=self.t.bob,
            unit=self.t.a_site_1,
            kind="suspected",
            title="t",
            discovered_at=NOW - timedelta(minutes=20),
            now=NOW - timedelta(minutes=19),
        )
        Message.objects.update(state="sent")  # the incident's alerts went out
        due_message(self.t.bob, due_at=NOW - timedelta(seconds=40))
        due_message(self.t.bob, due_at=NOW + timedelta(hours=1), key="later")
        CheckInTally.objects.create(
            unit=self.t.a_site_1,
            day=date(2020, 2, 3),
            category="on_post",
            checked_in=5,
            fever=1,
        )
        CheckInTally.objects.create(
            unit=self.t.a_site_2,
            day=date(2020, 2, 2),
            category="on_post",
            checked_in=9,
        )
        route = (("method", "GET"), ("status", "200"), ("view", "login"))
        # The histogram lives in the process: other tests of this process count too.
        before = metrics_of(self.scrape()).get("fangkong_http_request_duration_seconds_count", {})
        self.client.get(reverse("login"))  # one request timed, by its route name
        with self.assertNumQueries(5):  # workers, follow-ups, outbox, check-ins, clocks
            response = self.scrape()
        m = metrics_of(response)
        self.assertEqual(m["fangkong_workers_alive"][()], 1)
        self.assertEqual(m["fangkong_worker_heartbeat_age_seconds"][()], 0)
        key = (("sweep", "notify.deliver"), ("worker", "host-a:7"))
        self.assertEqual(m["fangkong_sweep_duration_seconds"][key], 0.25)
        self.assertEqual(m["fangkong_sweep_runs_total"][key], 7)
        self.assertEqual(m["fangkong_sweep_failures_total"][key], 1)
        self.assertEqual(m["fangkong_sweep_items_total"][(("outcome", "sent"), *key)], 12)
        self.assertEqual(m["fangkong_sweep_items_total"][(("outcome", "dead"), *key)], 1)
        self.assertEqual(
            m["fangkong_sweep_last_success_timestamp_seconds"][(("sweep", "notify.deliver"),)],
            (NOW - timedelta(seconds=2)).timestamp(),
        )
        self.assertEqual(m["fangkong_outbox_messages"][(("state", "due"),)], 1)
        self.assertEqual(m["fangkong_outbox_messages"][(("state", "waiting"),)], 2)
        self.assertEqual(m["fangkong_outbox_oldest_due_age_seconds"][()], 40)
        clocks = {k[0][1]: v for k, v in m["fangkong_incident_clocks"].items()}
        self.assertEqual(clocks["overdue_unescalated"], clocks["overdue"])
        self.assertGreaterEqual(clocks["overdue"], 2)  # the phone report (15 min), acknowledgements
        self.assertGreater(clocks["open"], clocks["overdue"])  # the written report (30 min)
        self.assertEqual(m["fangkong_checkins_today"][(("category", "on_post"),)], 5)
        self.assertEqual(m["fangkong_checkins_fever_today"][(("category", "on_post"),)], 1)
        self.assertEqual(m["fangkong_followups"][(("state", "dead"),)], 0)
        latency = m["fangkong_http_request_duration_seconds_count"]
        self.assertEqual(latency[route] - before.get(route, 0), 1)
        self.assertEqual(set(m["fangkong_metrics_errors"].values()), {0})

    def test_request_latency_is_labelled_by_route_never_by_path(self):
        link = checkins.issue_links(actor=self.t.root, people=[self.t.p_site_1])[0]
        token = checkins.link_token(link)
        self.client.get(reverse("health:self_checkin", args=[token]) + "?name=" + NAME)
        self.client.get(f"/orgs/people/{self.t.p_site_1.pk}/no-such-page/")
        self.client.generic("BREW", reverse("login"))  # any method a client makes up
        text = self.scrape().content.decode()
        self.assertIn('view="health:self_checkin"', text)
        self.assertIn('view="<unmatched>"', text)
        self.assertNotIn(token, text)
        self.assertNotIn(token.split(".")[-1], text)
        self.assertNotIn(NAME, text)
        self.assertNotIn(f"/{self.t.p_site_1.pk}/", text)
        self.assertIn('method="other"', text)
        self.assertNotIn("BREW", text)


@contextmanager
def json_log_output():
    """What the configured handlers print with FANGKONG_LOG_FORMAT=json: their redacting
    filter, and the JSON formatter in place of the plain one."""
    loggers = [logging.getLogger(n) for n in ("", "django", "django.request", "django.server")]
    handlers = {
        h
        for lg in loggers
        for h in lg.handlers
        if any(isinstance(f, RedactingFilter) for f in h.filters)
    }
    assert handlers, "no redacting handler configured"
    out = io.StringIO()
    saved = [(h, h.setStream(out), h.formatter) for h in handlers]
    for handler in handlers:
        handler.setFormatter(JsonFormatter())
    try:
        yield out
    finally:
        for handler, stream, formatter in saved:
            handler.setStream(stream)
            handler.setFormatter(formatter)


def lines_of(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines() if line.strip()]


@override_settings(LANGUAGE_CODE="en")
@time_machine.travel(NOW, tick=False)
class JsonLogTests(ProvinceMixin, TestCase):
    @classmethod
    def setUpTestData(cls):
        super().setUpTestData()
        Person.objects.filter(pk=cls.t.p_site_1.pk).update(name=NAME)
        link = checkins.issue_links(actor=cls.t.root, people=[cls.t.p_site_1])[0]
        cls.token = checkins.link_token(link)
        cls.url = reverse("health:self_checkin", args=[cls.token])

    def assert_clean(self, output: str):
        self.assertNotIn(self.token, output)
        self.assertNotIn(self.token.split(".")[-1], output)
        self.assertNotIn(NAME, output)
        self.assertNotIn(ID_NUMBER, output)
        self.assertNotIn("38.6", output)

    def test_a_check_in_through_its_link_leaks_no_name_id_number_or_token(self):
        client = Client(raise_request_exception=False)
        query = f"?name={NAME}&id_number={ID_NUMBER}&token={self.token}"
        with json_log_output() as out:
            response = client.post(
                self.url + query,
                {
                    "temperature": "38.6",
                    "whereabouts": "at_post",
                    "category": "on_post",
                    "key": "k",
                },
            )
            self.assertIn(response.status_code, (200, 302))
            client.put(self.url + query)  # 405: logged with its path
            client.get(f"/health/c/{self.token}x/" + query)  # a broken link
            # Django's request logger passes the request as an extra: never written.
            logging.getLogger("fangkong.test").warning(
                "checked in %s", self.url + query, extra={"request": object(), "path": self.url}
            )
            worker.run_due(only=["core.followups", "notify.deliver"])  # the fever's messages
        output = out.getvalue()
        self.assert_clean(output)
        lines = lines_of(out)
        self.assertTrue(lines)
        for line in lines:
            self.assertEqual(list(line)[:4], ["time", "level", "logger", "message"])
            self.assertRegex(line["time"], r"^2020-02-03T10:00:00\.000\+08:00$")
        by_message = {line["message"]: line for line in lines}
        refused = by_message["Method Not Allowed (PUT): /health/c/…/"]
        self.assertEqual((refused["logger"], refused["status_code"]), ("django.request", 405))
        self.assertNotIn("request", refused)
        mine = by_message["checked in /health/c/…/?…"]
        self.assertEqual((mine["level"], mine["path"]), ("WARNING", "/health/c/…/"))
        self.assertNotIn("request", mine)
        (sweep,) = [line for line in lines if line.get("sweep") == "notify.deliver"]
        self.assertEqual((sweep["logger"], sweep["outcome"]), ("fangkong.worker", "done"))
        self.assertIsInstance(sweep["seconds"], float)
        self.assertGreaterEqual(sweep["counts"]["sent"], 1)  # the fever's messages
        self.assertRegex(sweep["message"], r"^sweep notify.deliver done in [\d.]+ s: claimed=")

    def test_an_error_with_the_name_in_its_exception_is_one_json_line_without_it(self):
        with json_log_output() as out:
            try:
                raise ValueError(f"bad row for {NAME} {ID_NUMBER}")
            except ValueError:
                logging.getLogger("fangkong.test").exception("import failed at %s", self.url)
        (line,) = lines_of(out)
        self.assertEqual(line["message"], "import failed at /health/c/…/")
        self.assertIn("ValueError: …", line["exception"])
        self.assert_clean(out.getvalue())

    def test_gunicorn_writes_json_lines_without_the_token(self):
        for name in ("gunicorn.error", "gunicorn.access"):  # as the other tests found them
            logger = logging.getLogger(name)
            self.addCleanup(setattr, logger, "handlers", logger.handlers[:])
            self.addCleanup(setattr, logger, "propagate", logger.propagate)
        with mock.patch.dict(os.environ, {"FANGKONG_LOG_FORMAT": "json"}):
            log = RedactingLogger(Config())
        out = io.StringIO()
        for handler in log.error_log.handlers + log.access_log.handlers:
            handler.setStream(out)
        log.error("Error handling request %s", self.url + "?name=" + NAME)
        (line,) = lines_of(out)
        self.assertEqual(line["logger"], "gunicorn.error")
        self.assertEqual(line["message"], "Error handling request /health/c/…/?…")
        self.assert_clean(out.getvalue())
