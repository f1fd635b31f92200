"""Cells the hub writes into files people open in a spreadsheet program.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a formula
by Excel, LibreOffice and Google Sheets (OWASP "CSV injection"); names, emails, sheet names and
file names all come from people, so every CSV the hub writes goes through :func:`csv_bytes`,
and every .xlsx cell is checked with :func:`looks_like_formula`. One rule, in one place, for the
core, the plugins and the chat bots alike.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value: str) -> bool:
    """Whether a spreadsheet program would run ``value`` as a formula."""
    return value.startswith(FORMULA_START)


def escape_formula(value: str) -> str:
    """Text that a spreadsheet program will show as text, never run as a formula (a leading
    apostrophe; the value itself is stored unchanged, this is for the file only)."""
    return "'" + value if looks_like_formula(value) else value


def csv_bytes(
    header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = False
) -> bytes:
    """``header`` and ``rows`` as UTF-8 CSV (CRLF line ends, ``bom`` for Excel), every cell
    escaped. ``None`` is an empty cell; other values are written as their text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(name) for name in header])
    writer.writerows(
        [escape_formula("" if cell is None else str(cell)) for cell in row] for row in rows
    )
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")
