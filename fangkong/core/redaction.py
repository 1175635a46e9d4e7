"""No secret and no personal data in any log line (error, access, SQL, worker).

`RedactingFilter` is installed on every handler: Django's (settings.LOGGING: the root, the
`django` loggers, `django.server`) and gunicorn's (core/gunicorn_logger.py). It rewrites
each record once, before any formatter sees it:
- the token of a personal check-in link is cut from every path (`/health/c/…`): the token
  is a credential, and a token copied from a log opened the person's page;
- query strings are cut (`/orgs/people/?…`): they carry searched names;
- PostgreSQL's `DETAIL:` lines are cut: "Failing row contains (…)" quotes the whole row
  (names, temperatures), "Key (…)=(…)" the values;
- exception messages are cut to their type (`ValueError: …`) in every traceback, except
  those of database errors (connection refused, deadlock: what an operator needs), which
  keep their text with the cuts above (and PostgreSQL's `LINE n:` context and the value
  in "invalid input syntax for type …: "…"" cut). An exception's text may carry anything
  (a template that includes `person.name`, a value that failed to parse); the frames of
  the traceback, which are code, stay.
- control characters and lone surrogates (a path or a value sent with BEL, NUL, ESC or a
  line break) are escaped (`\x07`): a log line is one line, and no terminal or log viewer
  obeys what a client sent; tracebacks keep their line breaks;
- SQL (`django.db.backends`, held at WARNING but a debug run may lower it) loses its
  parameters and string literals.
"""

import logging
import re
import traceback

from django.db import Error as DjangoDatabaseError

TOKEN_PATH = re.compile(r"(/health/c/)[^/\s\"'?]+/?")
QUERY = re.compile(r"(/[^\s?\"']*)\?[^\s\"']+")
# PostgreSQL's context lines quote rows and SQL; "invalid input syntax for type numeric:
# "38,5"" quotes the value.
DETAIL = re.compile(r"^(\s*)(DETAIL|LINE \d+):.*$", re.MULTILINE)
TYPED_VALUE = re.compile(r'(for type [\w ]+): ".*?"')
SQL_LITERAL = re.compile(r"'(?:[^']|'')*'|(?<![\w.$])\d+(?:\.\d+)?(?![\w.])")
CUT = "…"
CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\ud800-\udfff]")
CONTROL_BUT_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text: str) -> str:
    return CONTROL.sub(_escape, text)


def redact(text: str) -> str:
    text = TOKEN_PATH.sub(r"\1…/", text)
    text = QUERY.sub(r"\1?…", text)
    text = TYPED_VALUE.sub(r'\1: "…"', text)
    text = CONTROL_BUT_LINES.sub(_escape, text)
    return DETAIL.sub(r"\1\2: …", text)


def _is_database_error(exc: BaseException) -> bool:
    if isinstance(exc, DjangoDatabaseError):
        return True
    # The driver's own errors (DB-API: psycopg.Error, sqlite3.Error) under Django's.
    return any(
        cls.__name__ == "DatabaseError"
        and cls.__module__.split(".")[0] in {"psycopg", "psycopg2", "sqlite3"}
        for cls in type(exc).__mro__
    )


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def format_exception(exc_info) -> str:
    """The traceback as logging prints it, with each non-database exception's message cut."""
    text = "".join(traceback.format_exception(*exc_info)).rstrip("\n")
    for exc in _chain(exc_info[1]):
        if _is_database_error(exc) or not str(exc):
            continue
        shown = "".join(traceback.format_exception_only(type(exc), exc)).rstrip("\n")
        name = type(exc).__qualname__
        if type(exc).__module__ not in ("builtins", "__main__"):
            name = f"{type(exc).__module__}.{name}"
        text = text.replace(shown, f"{name}: {CUT}")
    return redact(text)


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except Exception:  # bad arguments: logging would print them in its own error
        return str(record.msg)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_redacted", False):  # one record, several handlers
            return True
        if record.name.startswith("django.db.backends"):
            record.msg, record.args = self._sql(record), None
        else:
            record.msg, record.args = one_line(redact(_message(record))), None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_exception(record.exc_info)
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        record._redacted = True
        return True

    @staticmethod
    def _sql(record: logging.LogRecord) -> str:
        sql = getattr(record, "sql", None)
        if sql is None:
            return redact(SQL_LITERAL.sub("…", _message(record)))
        record.params = None
        duration = getattr(record, "duration", None)
        prefix = f"({duration:.3f}) " if isinstance(duration, float) else ""
        return prefix + SQL_LITERAL.sub("…", str(sql)) + "; args=…"
