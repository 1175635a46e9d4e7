"""`fangkong serve` as an operator starts it: real gunicorn processes on free ports."""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from django.test import SimpleTestCase

STATIC = "/static/vendor/htmx/htmx.min.js"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def answers(port: int, within: float = 30.0) -> bool:
    """Whether the server answers before `within` seconds (polling a real process)."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{STATIC}", timeout=2) as r:
                return r.status == 200
        except OSError:
            time.sleep(0.1)
    return False


def start(port: int, env: dict) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "fangkong.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


class ServeTests(SimpleTestCase):
    def test_the_server_does_not_name_gunicorn(self):
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "HOME": home, "FANGKONG_DATA_DIR": str(Path(home) / "data")}
            env.pop("DATABASE_URL", None)
            port = free_port()
            process = start(port, env)
            try:
                self.assertTrue(answers(port), "the server never answered")
                for path in (STATIC, "/favicon.ico"):
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as r:
                        self.assertEqual(r.headers.get_all("Server"), ["fangkong"], path)
            finally:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)
                process.stderr.close()

    def test_two_servers_of_one_user_start_without_collecting_and_share_no_socket(self):
        with tempfile.TemporaryDirectory() as home:
            data = Path(home) / "data"
            env = {**os.environ, "HOME": home, "FANGKONG_DATA_DIR": str(data)}
            env.pop("DATABASE_URL", None)
            servers = []
            try:
                for port in (free_port(), free_port()):
                    servers.append((port, start(port, env)))
                for port, _ in servers:
                    self.assertTrue(answers(port), f"the server on {port} never answered")
                self.assertFalse((data / "static").exists())  # nothing collected at start
                self.assertFalse((Path(home) / ".gunicorn").exists())  # no shared socket
                first, second = servers
                first[1].send_signal(signal.SIGTERM)
                first[1].wait(timeout=30)
                self.assertTrue(answers(second[0], within=5))  # the other one runs on
            finally:
                for _, process in servers:
                    if process.poll() is None:
                        process.send_signal(signal.SIGTERM)
                        process.wait(timeout=30)
                    process.stderr.close()
