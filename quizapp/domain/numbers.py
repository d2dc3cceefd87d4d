"""Reading numbers that people typed: one strict reader for every form, query and file.

str.isdigit() accepts "²", which int() refuses, and int() reads "٣" as 3 and refuses more than
4,300 digits: only the ASCII digits 0-9 count here, and never more than a column can hold.
"""

from __future__ import annotations

import re
from decimal import Decimal

# PostgreSQL's `integer`, the narrowest id and count column of the databases quizapp runs on: a
# larger number names no row, and PostgreSQL raises on it instead of finding nothing.
INT_MAX = 2**31 - 1

_WHOLE = re.compile(r"-?[0-9]{1,18}")
_DECIMAL = re.compile(r"[0-9]{1,12}(?:[.,][0-9]{1,6})?")


def parse_int(raw: object, *, minimum: int = 0, maximum: int = INT_MAX) -> int | None:
    """The whole number in `raw` (spaces around and a leading minus allowed), or None when it is
    not one, lies outside the bounds, or is not text at all (a list, a file, None)."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _WHOLE.fullmatch(text):
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


def parse_decimal(
    raw: object, *, minimum: Decimal = Decimal(0), maximum: Decimal = Decimal(10**9)
) -> Decimal | None:
    """A non-negative decimal with a point or a comma ("1.5", "1,5"), or None: never NaN,
    infinity, an exponent or a 100 KB string."""
    if not isinstance(raw, str):
        return None
    text = raw.strip()
    if not _DECIMAL.fullmatch(text):
        return None
    value = Decimal(text.replace(",", "."))
    return value if minimum <= value <= maximum else None
