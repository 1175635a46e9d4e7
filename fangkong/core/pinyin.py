"""Pinyin initials of a name, for pickers that find 热力总公司 by typing "rlzgs".

pypinyin segments a run of Chinese characters into words before it reads them, so the
polyphones of common words come out right (重庆 → "cq", not "zq"). Letters and digits are
kept as they are, lowercased ("第12热力站" → "d12rlz"); spaces and punctuation dropped.
"""

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

_HAN = re.compile(r"([\u3400-\u9fff\uf900-\ufaff]+)")
_KEEP = re.compile(r"[0-9a-z]+")


@lru_cache(maxsize=8192)
def _han_initials(run: str) -> str:
    return "".join(s[:1] for s in lazy_pinyin(run, style=Style.FIRST_LETTER)).lower()


def initials(name: str) -> str:
    """The pinyin initials of `name`, lowercase. Runs of Chinese characters are cached: the
    synthetic province's 10,000 names share a few hundred ("第", "热力站" ...)."""
    parts = []
    for i, piece in enumerate(_HAN.split(name or "")):
        if i % 2:
            parts.append(_han_initials(piece))
        else:
            parts.extend(_KEEP.findall(piece.lower()))
    return "".join(parts)
