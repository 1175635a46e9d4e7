"""Checks of input shared by the funds' entry points (pages, API, demo): amounts of money
and uploaded files."""

import os
import re
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from fangkong.core.errors import InvalidInput
from fangkong.core.numbers import normalize_number

# 10亿 yuan: far above any emergency fund of a group; anything larger is a typing slip.
MAX_AMOUNT_FEN = 100_000_000_000
MAX_FILES = 10
MAX_FILE_BYTES = 20 * 1024 * 1024
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d*)?$")
FILE_TYPES = {".pdf", ".ofd", ".jpg", ".jpeg", ".png", ".xlsx", ".xls", ".docx", ".doc"}


def parse_amount(value, field: str = "amount") -> int:
    """An amount of money in yuan (text such as "12,345.60" or "１２３", a whole int or a
    Decimal) → whole fen. Never a float: 0.1 + 0.2 is not money. Refuses zero, negative,
    more than two decimals and absurd amounts, naming `field`."""
    if isinstance(value, bool) or isinstance(value, float):
        raise InvalidInput({field: _("Give the amount in yuan as text, e.g. 12345.60.")})
    if value is None or (isinstance(value, str) and not value.strip()):
        raise InvalidInput({field: _("Give the amount in yuan.")})
    bad = InvalidInput({field: _("Give the amount in yuan, e.g. 12345.60.")})
    text = normalize_number(value).replace("，", ",").removeprefix("¥").removeprefix("￥")
    if "," in text:
        # Thousands separators only, in threes ("1,5" is not guessed at).
        if not THOUSANDS.match(text):
            raise bad
        text = text.replace(",", "")
    try:
        number = Decimal(text)
    except (InvalidOperation, ValueError, TypeError):
        raise bad from None
    if not number.is_finite():
        raise InvalidInput({field: _("Give the amount in yuan, e.g. 12345.60.")})
    if number <= 0:
        raise InvalidInput({field: _("Give an amount above zero.")})
    fen = number * 100
    if fen != fen.to_integral_value():
        raise InvalidInput({field: _("At most two decimals (fen).")})
    if fen > MAX_AMOUNT_FEN:
        raise InvalidInput(
            {field: _("At most %(max)s yuan.") % {"max": f"{MAX_AMOUNT_FEN // 100:,}"}}
        )
    return int(fen)


def check_files(files, field: str = "files") -> list:
    """Uploaded files: at most MAX_FILES, each under MAX_FILE_BYTES, of a kind a quotation,
    contract or voucher comes as (PDF, OFD, a photo, a sheet, a document)."""
    files = [f for f in (files or ()) if f]
    if len(files) > MAX_FILES:
        raise InvalidInput({field: _("At most %(n)s files.") % {"n": MAX_FILES}})
    for f in files:
        name = os.path.basename(getattr(f, "name", "") or "")
        if not name or len(name) > 200:
            raise InvalidInput({field: _("A file needs a name of at most 200 characters.")})
        if os.path.splitext(name)[1].lower() not in FILE_TYPES:
            raise InvalidInput(
                {
                    field: _("%(name)s: only PDF, OFD, JPG, PNG, Excel or Word files.")
                    % {"name": name}
                }
            )
        if (getattr(f, "size", 0) or 0) > MAX_FILE_BYTES:
            raise InvalidInput({field: _("%(name)s is larger than 20 MB.") % {"name": name}})
    return files
