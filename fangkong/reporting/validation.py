"""Checking submitted values against a form version: hard errors block, soft warnings
(a value far outside the unit's last 14 days) need an explicit confirmation."""

import statistics
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from fangkong.core.numbers import parse_decimal

from .choices import RULE_OPERATORS, FieldKind

TRUE_WORDS = {"1", "true", "yes", "y", "是"}
FALSE_WORDS = {"0", "false", "no", "n", "否"}
OPERATORS = {
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
    "==": lambda a, b: a == b,
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
}


@dataclass
class Checked:
    values: dict = field(default_factory=dict)
    errors: dict = field(default_factory=dict)
    warnings: dict = field(default_factory=dict)

    def fail(self, code, message):
        self.errors.setdefault(code, []).append(message)


def _number(value, kind):
    number = parse_decimal(value)  # full-width digits and "。" too; "1,5" is refused
    if kind == FieldKind.COUNT:
        if number != number.to_integral_value():
            raise ValueError
        return int(number)
    return float(number)


def _fmt(number) -> str:
    return f"{number:g}" if isinstance(number, float) else str(number)


def check_values(version, raw: dict, *, history: list[dict] | None = None) -> Checked:
    fields = list(version.fields.all())
    known = {f.code for f in fields}
    checked = Checked()
    if not isinstance(raw, dict):
        checked.fail("values", _("Values are an object of field codes and values."))
        return checked
    for code in raw:
        if code not in known:
            checked.fail(code, _("This form has no field with this code."))
    for f in fields:
        value = raw.get(f.code)
        if value is None or (isinstance(value, str) and not value.strip()):
            if f.required:
                checked.fail(f.code, _("Required."))
            checked.values[f.code] = None
            continue
        if f.kind in (FieldKind.COUNT, FieldKind.DECIMAL):
            try:
                number = _number(value, f.kind)
            except ValueError:
                checked.fail(
                    f.code,
                    _("A whole number is required.")
                    if f.kind == FieldKind.COUNT
                    else _("A number is required."),
                )
                continue
            low = f.min_value if f.min_value is not None else Decimal(0)
            if number < low:
                checked.fail(f.code, _("At least %(min)s.") % {"min": _fmt(float(low))})
            if f.max_value is not None and number > f.max_value:
                checked.fail(f.code, _("At most %(max)s.") % {"max": _fmt(float(f.max_value))})
            checked.values[f.code] = number
        elif f.kind == FieldKind.BOOLEAN:
            word = str(value).strip().lower()
            if isinstance(value, bool):
                checked.values[f.code] = value
            elif word in TRUE_WORDS | FALSE_WORDS:
                checked.values[f.code] = word in TRUE_WORDS
            else:
                checked.fail(f.code, _("Yes or no."))
        else:
            text = str(value).strip()
            if len(text) > 500:
                checked.fail(f.code, _("At most 500 characters."))
            checked.values[f.code] = text
    _check_rules(version, fields, checked)
    if not checked.errors and history:
        _check_history(fields, checked, history)
    return checked


def _check_rules(version, fields, checked: Checked) -> None:
    labels = {f.code: f.label for f in fields}
    for rule in version.rules or []:
        involved = [*rule["left"], rule["right"]]
        if any(checked.values.get(code) is None for code in involved):
            continue  # a missing or invalid value is reported on its own field
        left = sum(checked.values[code] for code in rule["left"])
        right = checked.values[rule["right"]]
        if not OPERATORS[rule["op"]](left, right):
            message = rule.get("message") or _("%(left)s must be %(op)s %(right)s.") % {
                "left": " + ".join(labels[c] for c in rule["left"]),
                "op": RULE_OPERATORS[rule["op"]],
                "right": labels[rule["right"]],
            }
            for code in rule["left"]:
                checked.fail(code, message)


def _check_history(fields, checked: Checked, history: list[dict]) -> None:
    """Flag a value far outside what this unit filed over the last 14 days."""
    for f in fields:
        value = checked.values.get(f.code)
        if not f.is_numeric or value is None:
            continue
        past = [h[f.code] for h in history if isinstance(h.get(f.code), int | float)]
        if len(past) < 3:
            continue
        low, high = min(past), max(past)
        mean, spread = statistics.fmean(past), statistics.pstdev(past)
        if spread > 0 and len(past) >= 5:
            unusual = abs(value - mean) / spread > 4 and abs(value - mean) >= 3
        else:
            margin = max(high - low, abs(high) * 0.5, 3)
            unusual = value > high + margin or value < low - margin
        if unusual:
            checked.warnings[f.code] = [
                _("%(value)s is far outside this unit's last 14 days (%(low)s–%(high)s).")
                % {"value": _fmt(value), "low": _fmt(low), "high": _fmt(high)}
            ]
