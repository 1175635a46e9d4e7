"""The input types of every API schema: what a client may send, checked at the edge.

Every field of a request schema, query and path parameter uses one of these, so that
what the database or an Excel export cannot hold is refused with a 422 naming the field,
never stored, cut or answered with a 500 (`core/tests/test_input_types.py` walks the
OpenAPI document and fails on a field that does not):

- `Line(n)` one line of text, `Text(n)` several lines: at most `n` characters (the
  column's length: longer is refused, not cut), no control characters (NUL, BEL, ESC…;
  `Text` allows tab and line breaks) and no lone surrogates (PostgreSQL, SQLite's UTF-8
  and openpyxl refuse them).
- `Int(ge, le)` and `Id`: integers within a 32-bit column (a larger one overflows
  PostgreSQL's integer and SQLite's driver).
- `Day`, `Moment`, `AwareMoment`, `Clock`: an ISO date, date-time or time of day, given
  as text (never a number: `0` is not 1970-01-01), within 2000–2099.

The body itself is checked before any schema by `BodyParser`: a JSON object, at most
`MAX_DEPTH` levels deep, with no lone surrogate or NUL in any key or string.
"""

import json
import re
import unicodedata
from datetime import date, datetime, time
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja.parser import Parser
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    StringConstraints,
)
from pydantic import ValidationError as SchemaError

from .errors import InvalidInput, ServiceError

FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
INT_MAX = 2**31 - 1
MAX_DEPTH = 16
_WINDOW = {"formatMinimum": FIRST_DAY.isoformat(), "formatMaximum": LAST_DAY.isoformat()}
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
_ISO_TIME = re.compile(r"\d{2}:\d{2}")
_LINE_BREAKS = frozenset("\t\n\r")


def bad_character(text: str, *, multiline: bool = True) -> str | None:
    """The first character no text field may hold, or None."""
    for ch in text:
        if ("\ud800" <= ch <= "\udfff") or (
            unicodedata.category(ch) == "Cc" and not (multiline and ch in _LINE_BREAKS)
        ):
            return ch
    return None


def _no_bad_characters(multiline: bool):
    def check(value: str) -> str:
        ch = bad_character(value, multiline=multiline)
        if ch is not None:
            raise ValueError(
                _("Contains a character that is not allowed (U+%(code)04X).") % {"code": ord(ch)}
            )
        return value

    return check


def Line(max_length: int) -> Any:  # noqa: N802 (a type, spelt like one)
    return Annotated[
        str, StringConstraints(max_length=max_length), AfterValidator(_no_bad_characters(False))
    ]


def Text(max_length: int) -> Any:  # noqa: N802
    return Annotated[
        str, StringConstraints(max_length=max_length), AfterValidator(_no_bad_characters(True))
    ]


Code = Line(64)  # a unit, form or room code (orgs.validation.CODE_RE says which)


def Int(ge: int = -INT_MAX - 1, le: int = INT_MAX) -> Any:  # noqa: N802
    return Annotated[int, Field(ge=ge, le=le)]


Id = Int(1)


def Items(item: Any, max_items: int) -> Any:  # noqa: N802
    """A list of at most `max_items` of `item` (for a list inside a union)."""
    return Annotated[list[item], Field(max_length=max_items)]


def _as_text(pattern: re.Pattern, kind: type):
    def check(value):
        if isinstance(value, kind):
            return value
        if not isinstance(value, str) or not pattern.match(value):
            raise ValueError(_("Give it as text, for example %(example)s.") % _EXAMPLES[kind])
        return value

    return check


_EXAMPLES = {
    date: {"example": "2026-01-31"},
    datetime: {"example": "2026-01-31T09:30:00+08:00"},
    time: {"example": "08:30"},
}


def _in_window(value):
    day = value.date() if isinstance(value, datetime) else value
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(
            _("Give a date between %(first)s and %(last)s.")
            % {"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()}
        )
    return value


Day = Annotated[
    date,
    BeforeValidator(_as_text(_ISO_DAY, date)),
    AfterValidator(_in_window),
    Field(json_schema_extra=_WINDOW),
]
Moment = Annotated[
    datetime,
    BeforeValidator(_as_text(_ISO_DAY, datetime)),
    AfterValidator(_in_window),
    Field(json_schema_extra=_WINDOW),
]
AwareMoment = Annotated[
    AwareDatetime,
    BeforeValidator(_as_text(_ISO_DAY, datetime)),
    AfterValidator(_in_window),
    Field(json_schema_extra=_WINDOW),
]
Clock = Annotated[time, BeforeValidator(_as_text(_ISO_TIME, time))]


# --- the body, before any schema ------------------------------------------------------------


class BodyRefused(ServiceError):
    """A body refused before any schema saw it (400 not JSON, 422 not an object…)."""

    def __init__(self, status: int, code: str, message, fields: dict | None = None):
        super().__init__(code, message, fields)
        self.status = status


def _walk(value, path: str, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise BodyRefused(
            422,
            "invalid",
            _("Some fields are not valid."),
            {path or "body": [_("Nested too deeply.")]},
        )
    if isinstance(value, str):
        ch = bad_character(value)
        if ch is not None:
            message = _("Contains a character that is not allowed (U+%(code)04X).")
            raise BodyRefused(
                422,
                "invalid",
                _("Some fields are not valid."),
                {path or "body": [message % {"code": ord(ch)}]},
            )
    elif isinstance(value, dict):
        for key, item in value.items():
            _walk(key, path, depth + 1)
            _walk(item, f"{path}.{key}" if path else str(key), depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _walk(item, f"{path}.{i}" if path else str(i), depth + 1)


def parse_json_body(raw: bytes) -> dict:
    """A request body as a dict, or BodyRefused naming what is wrong with it."""
    try:
        data = json.loads(raw)
    except RecursionError as exc:
        raise BodyRefused(400, "bad_json", _("The body is nested too deeply.")) from exc
    except ValueError as exc:
        raise BodyRefused(400, "bad_json", _("The body is not valid JSON.")) from exc
    if not isinstance(data, dict):
        raise BodyRefused(
            422,
            "invalid",
            _("Some fields are not valid."),
            {"body": [_("Send a JSON object: {…}.")]},
        )
    _walk(data, "", 0)
    return data


class BodyParser(Parser):
    def parse_body(self, request):
        return parse_json_body(request.body)


# --- pydantic's messages, in the user's language -------------------------------------------

_MESSAGES = {
    "missing": lambda c: _("This field is required."),
    "string_type": lambda c: _("Give text."),
    "string_too_long": lambda c: _("At most %(n)s characters.") % {"n": c.get("max_length")},
    "string_too_short": lambda c: _("At least %(n)s characters.") % {"n": c.get("min_length")},
    "int_parsing": lambda c: _("Give a whole number."),
    "int_type": lambda c: _("Give a whole number."),
    "int_from_float": lambda c: _("Give a whole number."),
    "float_parsing": lambda c: _("Give a number."),
    "float_type": lambda c: _("Give a number."),
    "decimal_parsing": lambda c: _("Give a number."),
    "decimal_type": lambda c: _("Give a number."),
    "greater_than_equal": lambda c: _("At least %(n)s.") % {"n": c.get("ge")},
    "greater_than": lambda c: _("More than %(n)s.") % {"n": c.get("gt")},
    "less_than_equal": lambda c: _("At most %(n)s.") % {"n": c.get("le")},
    "less_than": lambda c: _("Less than %(n)s.") % {"n": c.get("lt")},
    "bool_parsing": lambda c: _("Give true or false."),
    "bool_type": lambda c: _("Give true or false."),
    "date_parsing": lambda c: _("Not a date (for example 2026-01-31)."),
    "date_from_datetime_parsing": lambda c: _("Not a date (for example 2026-01-31)."),
    "date_from_datetime_inexact": lambda c: _("Not a date (for example 2026-01-31)."),
    "date_type": lambda c: _("Not a date (for example 2026-01-31)."),
    "datetime_parsing": lambda c: _("Not a date and time (for example 2026-01-31T09:30:00+08:00)."),
    "datetime_from_date_parsing": lambda c: _(
        "Not a date and time (for example 2026-01-31T09:30:00+08:00)."
    ),
    "datetime_type": lambda c: _("Not a date and time (for example 2026-01-31T09:30:00+08:00)."),
    "timezone_aware": lambda c: _("Give the time with its offset (for example +08:00)."),
    "time_parsing": lambda c: _("Not a time of day (for example 08:30)."),
    "time_type": lambda c: _("Not a time of day (for example 08:30)."),
    "literal_error": lambda c: _("Must be one of: %(choices)s.") % {"choices": c.get("expected")},
    "enum": lambda c: _("Must be one of: %(choices)s.") % {"choices": c.get("expected")},
    "list_type": lambda c: _("Give a list."),
    "too_long": lambda c: _("At most %(n)s items.") % {"n": c.get("max_length")},
    "dict_type": lambda c: _("Give an object {…}."),
    "model_type": lambda c: _("Give an object {…}."),
    "model_attributes_type": lambda c: _("Give an object {…}."),
    "extra_forbidden": lambda c: _("Unknown field."),
}


def field_message(item: dict) -> str:
    """One pydantic error as a sentence for the user (our own ValueErrors as they are)."""
    ctx = item.get("ctx") or {}
    if item.get("type") == "value_error" and "error" in ctx:
        return str(ctx["error"])
    message = _MESSAGES.get(item.get("type", ""))
    return str(message(ctx)) if message else str(item.get("msg", ""))


def validated(schema, data):
    """`schema` filled from `data` (a body read by hand, a multipart form), or
    InvalidInput with the same messages as the API's 422."""
    try:
        return schema.model_validate(data)
    except SchemaError as exc:
        fields: dict[str, list[str]] = {}
        for item in exc.errors(include_url=False):
            path = ".".join(str(p) for p in item.get("loc", ())) or "body"
            fields.setdefault(path, []).append(field_message(item))
        refused = InvalidInput(fields)
        refused.status = 422  # as the API's own schema errors
        raise refused from None
