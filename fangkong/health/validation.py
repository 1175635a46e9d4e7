"""Checks shared by every way health data comes in (phone page, liaison grid, Excel, API):
one message for one mistake, wherever it was typed."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from fangkong.core.numbers import parse_decimal

from .choices import Symptom

# A living person's body temperature; outside this band it is a typing mistake.
MIN_TEMPERATURE = Decimal("34.0")
MAX_TEMPERATURE = Decimal("42.5")
# What 93–108 would be in °F: a thermometer set to Fahrenheit (98.6 °F = 37.0 °C).
FAHRENHEIT = (Decimal("93"), Decimal("108"))


def fever_threshold() -> Decimal:
    return Decimal(str(settings.HEALTH_FEVER_THRESHOLD))


def red_flag_symptoms() -> frozenset[str]:
    return frozenset(settings.HEALTH_RED_FLAG_SYMPTOMS)


def parse_temperature(value) -> Decimal:
    """A body temperature in °C with one decimal, or ValueError with a message for people."""
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(_("Enter the body temperature."))
    try:  # "38,1" and the IME's "３８．１" too (core.numbers)
        number = parse_decimal(value, decimal_comma=True)
    except ValueError:
        raise ValueError(_("Enter the temperature as a number, such as 36.5.")) from None
    if FAHRENHEIT[0] <= number <= FAHRENHEIT[1]:
        celsius = ((number - 32) * 5 / 9).quantize(Decimal("0.1"))
        raise ValueError(
            _(
                "%(value)s looks like degrees Fahrenheit (that is %(celsius)s °C). "
                "Enter degrees Celsius."
            )
            % {"value": number, "celsius": celsius}
        )
    if not MIN_TEMPERATURE <= number <= MAX_TEMPERATURE:
        raise ValueError(
            _("A body temperature lies between %(low)s and %(high)s °C.")
            % {"low": MIN_TEMPERATURE, "high": MAX_TEMPERATURE}
        )
    return number.quantize(Decimal("0.1"))


SYMPTOM_CODES = tuple(c.value for c in Symptom)


def _symptom_labels() -> dict[str, str]:
    """Labels in both languages → code (a sheet made in Chinese, read in English). Built
    only when a label, not a code, came in: it costs more than the rest of a row."""
    known = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            known |= {str(c.label): c.value for c in Symptom}
    return known


def parse_symptoms(values) -> list[str]:
    """Symptom codes, in a stable order; "none" or empty means no symptom."""
    if not values:
        return []
    if isinstance(values, str):
        values = [v for v in values.replace("，", ",").replace("、", ",").split(",")]
    chosen, labels = set(), None
    for raw in values:
        item = str(raw).strip()
        if not item or item.lower() in ("none", "无", "没有"):
            continue
        if item in SYMPTOM_CODES:
            chosen.add(item)
            continue
        if labels is None:
            labels = _symptom_labels()
        if item not in labels:
            raise ValueError(_("Unknown symptom: %(value)s.") % {"value": item})
        chosen.add(labels[item])
    return [c for c in SYMPTOM_CODES if c in chosen]


def is_alarming(temperature: Decimal | None, symptoms) -> bool:
    """A fever at or above the threshold, or a red-flag symptom (早发现)."""
    if temperature is not None and temperature >= fever_threshold():
        return True
    return bool(red_flag_symptoms().intersection(symptoms or ()))


def check_day(day: date, today: date) -> None:
    if day > today:
        raise ValueError(_("The day cannot be in the future."))


def parse_reading(temperature, symptoms, errors: dict, *, optional: bool = False):
    """A temperature and symptoms as typed, parsed: (temperature, symptoms), with a message
    per bad field added to `errors`. `optional`: an empty temperature is None."""
    parsed_temperature, parsed_symptoms = None, []
    if not (optional and temperature in (None, "")):
        try:
            parsed_temperature = parse_temperature(temperature)
        except ValueError as exc:
            errors["temperature"] = [str(exc)]
    try:
        parsed_symptoms = parse_symptoms(symptoms)
    except ValueError as exc:
        errors["symptoms"] = [str(exc)]
    return parsed_temperature, parsed_symptoms
