"""Spreadsheets as plain tables: what the spreadsheet reader hands the hub for files that are
not accounts (the rooms import), through the ``rosterhub_read_tables`` hook.

Every cell is text as a person sees it; rows keep the numbers a person sees (the first row of
a sheet is row 1) and blank rows are left out. A leaf: the reader plugin builds these, the
services read them, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from hub.errors import HubError


class UnreadableTables(HubError):
    """The file cannot be read as a spreadsheet at all; the message says why (a person's words)."""

    exit_code = 4


@dataclass(frozen=True, slots=True)
class Table:
    """One sheet (or the whole of a .csv, named after the file): ``rows`` are
    ``(row number, cells)`` pairs, trailing empty cells trimmed, blank rows left out."""

    name: str
    rows: tuple[tuple[int, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Tables:
    """Every sheet of a file, in the workbook's order. ``kind`` is ``xlsx``/``xls``/``ods``/
    ``csv``; ``warnings`` are what the reader had to guess (an encoding), as ``(sheet,
    message)`` pairs."""

    kind: str
    sheets: tuple[Table, ...]
    warnings: tuple[tuple[str, str], ...] = field(default=())
