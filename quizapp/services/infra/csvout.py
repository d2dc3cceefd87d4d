"""CSV documents that are safe to open in a spreadsheet (text only: quizapp/web/downloads.py
turns them into download responses).

A cell that starts with = + - @, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets ("CSV injection"); a trainee's typed answer or an imported title
could carry one. Such text cells get a leading apostrophe, which spreadsheets show as text.
Numbers stay numbers (a negative deviation is data, not a formula).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, Final

FORMULA_STARTS: Final = ("=", "+", "-", "@", "\t", "\r")
# Excel reads UTF-8 only with a byte-order mark; other tools ignore it.
BOM: Final = "\ufeff"


def safe_cell(value: Any) -> Any:
    """A value ready for csv.writer: text that could start a formula gets an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return round(value, 2)  # a spreadsheet cell, not a measurement log
    if isinstance(value, int):
        return value
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """The CSV document (with a BOM) for a header and rows, every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return BOM + buffer.getvalue()


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], rows_per_chunk: int = 500
) -> Iterator[str]:
    """The same document as csv_text, in pieces of `rows_per_chunk` rows (the first starts with
    the BOM and the header), so a big export never sits in memory whole."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write(BOM)
    writer.writerow([safe_cell(h) for h in header])
    for count, row in enumerate(rows, start=1):
        writer.writerow([safe_cell(cell) for cell in row])
        if count % rows_per_chunk == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
