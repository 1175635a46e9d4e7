"""Real local receivers for tests and benchmarks: a webhook server that records what the
robots would get, and a minimal SMTP server. No mock objects: delivery goes over sockets.

    with WebhookReceiver() as robot:
        channel.target = robot.url("/robot/send?access_token=t")
        ...
        robot.requests[0].json
"""

import json
import socketserver
import sys
import threading
import time
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.time)  # wall clock of arrival (benchmarks)

    @property
    def json(self):
        return json.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the sender went away (a timeout, a killed worker): expected here
        super().handle_error(request, client_address)


@dataclass
class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (a free port) in a thread. `mode`: "ok" answers
    {"errcode": 0, "code": 0}; "error" answers HTTP 500; "refuse" answers 200 with a
    robot error code; "hang" keeps the request open until the receiver stops.
    `requests` is appended to from the server's threads (list.append is atomic)."""

    mode: str = "ok"
    delay: float = 0.0  # seconds before answering, to make senders overlap
    requests: list[Received] = field(default_factory=list)

    def __enter__(self):
        receiver = self
        self._release = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                if len(body) < length:
                    return  # the sender died mid-request (a killed worker): never received
                split = urlsplit(self.path)
                receiver.requests.append(
                    Received(
                        split.path,
                        {k: v[0] for k, v in parse_qs(split.query).items()},
                        dict(self.headers.items()),
                        body,
                    )
                )
                if receiver.mode == "hang":
                    receiver._release.wait(30)
                    return
                if receiver.delay:
                    receiver._release.wait(receiver.delay)
                if receiver.mode == "error":
                    self.send_error(500)
                    return
                code = 310000 if receiver.mode == "refuse" else 0
                answer = json.dumps(
                    {
                        "errcode": code,
                        "errmsg": "ok" if not code else "sign not match",
                        "code": code,
                    }
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self._release.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def url(self, path: str = "/") -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}{path}"


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def reply(self, line: str):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        sink = self.server.sink
        self.reply("220 sink ESMTP")
        sender, recipients = "", []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            command = line.decode("utf-8", "replace").strip()
            verb = command[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250 sink")
            elif verb == "MAIL":
                sender, recipients = command.split(":", 1)[1].strip(), []
                self.reply("250 OK")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self.reply("250 OK")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while True:
                    data = self.rfile.readline()
                    if data in (b".\r\n", b".\n", b""):
                        break
                    lines.append(data[1:] if data.startswith(b"..") else data)
                sink.messages.append(
                    (sender, recipients, message_from_bytes(b"".join(lines), policy=policy.default))
                )
                self.reply("250 OK queued")
            elif verb in ("RSET", "NOOP"):
                self.reply("250 OK")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:
                self.reply("502 Command not implemented")


class SmtpSink:
    """An SMTP server on 127.0.0.1 (a free port) in a thread; `messages` holds
    (sender, recipients, email.message.EmailMessage) for each mail received."""

    def __enter__(self):
        self.messages: list = []
        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SmtpHandler)
        self.server.daemon_threads = True
        self.server.sink = self
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def outbox_topic() -> str:
    """A topic of no app, for tests and benchmarks of the outbox itself: urgent (the quiet
    hours hold nothing), no people on duty, no default recipients."""
    from .topics import _topics, register_topic

    if TEST_TOPIC not in _topics:
        register_topic(TEST_TOPIC, "Test messages", urgent=True)
    return TEST_TOPIC


TEST_TOPIC = "notify_test"
