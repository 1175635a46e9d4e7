"""Checks on identifiers that arrive by hand, by Excel and by the API."""

import hashlib
import hmac
import re

from django.conf import settings
from django.utils.translation import gettext_lazy as _

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"


def clean_code(value) -> str:
    code = str(value or "").strip()
    if not CODE_RE.match(code):
        raise ValueError(
            _("A code is 1–64 letters, digits, '-', '_' or '.', starting with a letter or digit.")
        )
    return code


def clean_phone(value) -> str:
    phone = re.sub(r"[\s()]", "", str(value or "")).removeprefix("+86")
    if phone and not (MOBILE_RE.match(phone) or LANDLINE_RE.match(phone)):
        raise ValueError(
            _("Not a valid phone number (11-digit mobile or landline with area code).")
        )
    return phone


def id_check_char(first17: str) -> str:
    return ID_CHECK[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def clean_id_number(value) -> str:
    """Validate an 18-character resident ID number (GB 11643, with its check character)."""
    number = str(value or "").strip().upper()
    if not number:
        return ""
    if not re.match(r"^\d{17}[\dX]$", number):
        raise ValueError(_("An ID number has 17 digits and a final digit or X."))
    if id_check_char(number[:17]) != number[17]:
        raise ValueError(_("The ID number's check character is wrong."))
    return number


def hash_id_number(number: str) -> str:
    return hmac.new(settings.ID_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    return f"{number[:4]}{'*' * (len(number) - 8)}{number[-4:]}" if number else ""
