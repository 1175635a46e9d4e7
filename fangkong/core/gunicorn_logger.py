"""gunicorn's logs without secrets: its error and access handlers get the same redacting
filter as Django's (core/redaction.py), so a personal check-in link's token (its
credential, in the path: /health/c/<token>/) and query strings never reach a log line;
with FANGKONG_LOG_FORMAT=json they write the same JSON lines as Django (core/logformat.py)."""

import os

from gunicorn.glogging import Logger

from fangkong.core.logformat import JsonFormatter
from fangkong.core.redaction import RedactingFilter, redact

__all__ = ["RedactingLogger", "redact"]


class RedactingLogger(Logger):
    def setup(self, cfg):
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                if not any(isinstance(f, RedactingFilter) for f in handler.filters):
                    handler.addFilter(RedactingFilter())
                # Read from the environment: the master sets up its logs before Django's settings.
                if os.environ.get("FANGKONG_LOG_FORMAT", "").lower() == "json":
                    handler.setFormatter(JsonFormatter())

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("U", "r", "q"):  # the path, the request line, the query string
            if name in atoms:
                atoms[name] = redact(atoms[name])
        if "q" in atoms and atoms["q"]:
            atoms["q"] = "…"
        return atoms
