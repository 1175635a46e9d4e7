"""FANGKONG_LOG_FORMAT=json: one JSON object per line, for the app, the worker and
gunicorn's error and access logs alike.

    {"time": "2020-02-03T08:30:00.123+08:00", "level": "INFO", "logger": "fangkong.worker",
     "message": "sweep notify.deliver done in 0.012 s: sent=3", "sweep": "notify.deliver",
     "seconds": 0.012, "outcome": "done", "counts": {"sent": 3}}

The redacting filter (core/redaction.py) has rewritten the message and the traceback
before this formatter sees the record. Extra fields are written only when they are plain
values (text, numbers, lists and dicts of them), their text redacted the same way; any
other object is left out — Django's `request` above all, whose text is the full path with
its query string and a check-in link's token.
"""

import json
import logging
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from .redaction import one_line, redact

# What every record has: not an extra field.
STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_PLAIN = (str, int, float, bool, type(None))
_OMIT = object()


def _clean(value, depth: int = 0):
    if isinstance(value, str):
        return one_line(redact(value))
    if isinstance(value, _PLAIN):
        return value
    if depth < 3 and isinstance(value, dict):
        items = {str(k): _clean(v, depth + 1) for k, v in value.items() if isinstance(k, str)}
        return {k: v for k, v in items.items() if v is not _OMIT}
    if depth < 3 and isinstance(value, list | tuple):
        return [v for v in (_clean(v, depth + 1) for v in value) if v is not _OMIT]
    return _OMIT


def _zone():
    try:
        from django.conf import settings

        return ZoneInfo(settings.TIME_ZONE) if settings.configured else UTC
    except Exception:  # before settings (gunicorn's master): UTC, still with its offset
        return UTC


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        moment = datetime.fromtimestamp(record.created, tz=_zone())
        entry = {
            "time": moment.isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key in STANDARD or key.startswith("_") or key in entry:
                continue
            cleaned = _clean(value)
            if cleaned is not _OMIT:
                entry[key] = cleaned
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        return json.dumps(entry, ensure_ascii=False, default=str)
