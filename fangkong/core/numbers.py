"""Numbers as people type them: a Chinese IME gives full-width digits and signs
("３８．１", "－２") and the ideographic full stop ("38。1"). Every parser of a typed number
(temperatures, report figures, counts and settings) reads it through `normalize_number`,
so "３８．１", "38。1" and "38.1" are one value wherever they are entered.

The full-width comma becomes an ASCII comma and no more: whether a comma is a decimal
separator is the caller's choice. A temperature takes "38,1" as 38.1 (nobody writes a
thousands separator in a temperature); a count or amount refuses "1,5", which could mean
1.5 or 15 (or 1,500 cut short), rather than guess.
"""

from decimal import Decimal, InvalidOperation

# U+FF10–U+FF19 full-width digits; ．。｡ (full-width, ideographic and half-width
# ideographic full stops); full-width and typographic minus signs; full-width plus,
# comma and the ideographic space.
_TABLE = str.maketrans(
    {
        **{chr(0xFF10 + i): str(i) for i in range(10)},
        "．": ".",
        "。": ".",
        "｡": ".",
        "－": "-",
        "−": "-",
        "＋": "+",
        "，": ",",
        "\u3000": " ",
    }
)


def normalize_number(value) -> str:
    """The text of a typed number in ASCII digits, "." and "-", stripped."""
    return str(value).translate(_TABLE).strip()


def parse_decimal(value, *, decimal_comma: bool = False) -> Decimal:
    """A finite Decimal from typed text (or a number), else ValueError. `decimal_comma`:
    "38,1" means 38.1."""
    if isinstance(value, bool):
        raise ValueError(value)
    text = normalize_number(value)
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise ValueError(value) from None
    if not number.is_finite():
        raise ValueError(value)
    return number


def parse_int(value) -> int:
    """A whole number from typed text (or a number), else ValueError."""
    number = parse_decimal(value)
    if number != number.to_integral_value():
        raise ValueError(value)
    return int(number)
