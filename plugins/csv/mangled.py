"""Passwords a spreadsheet rewrote before they reached us.

A spreadsheet stores what is typed into a cell formatted General as a number or a date when it
looks like one, and a CSV holds what the cell *shows*: ``00123456`` arrives as ``123456``,
``123456789012345`` as ``1.23457E+14``, ``3/4/24`` as ``03/04/24`` or ``2024-03-04``. In a
workbook the reader sees that a cell is a number and warns; in a CSV every cell is text, so
these shapes are what is left to go on:

- scientific notation (``1.00E+05``, ``1,23E+14``): the digits are gone for good, and nobody
  chooses such a password, so it is an error (:func:`scientific`);
- only digits, not starting with 0 (a leading 0 proves the cell was text), and dates or times
  as spreadsheets show them: the password may be what was typed, or a rewrite of it, so a
  warning naming the rows (:func:`rewritten`).
"""

from __future__ import annotations

import re

import pandas as pd

SCIENTIFIC_MESSAGE = (
    "Password is a number the spreadsheet rewrote in scientific notation (like 1.23E+14), so "
    "its digits are lost; format the Password column as Text (select the column, then Format "
    "Cells > Text), type the passwords again and save the file again"
)

_SCIENTIFIC = r"[+-]?\d+(?:[.,]\d+)?[Ee][+-]?\d{1,3}"
_DIGITS = r"[1-9]\d*"
# Month names in either case, spelled out rather than by re.IGNORECASE, which makes the scan
# of a whole column several times slower.
_MONTH_NAMES = "|".join(
    "".join(f"[{c.upper()}{c}]" for c in name)
    for name in ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
)
_MONTHS = rf"(?:{_MONTH_NAMES})[A-Za-z]{{0,6}}\.?"
_CLOCK = r"\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp]\.?[Mm]\.?)?"
_DATE = (
    r"(?:\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\.?"  # 03/04/24, 2024-03-04, 04.03.2024
    rf"|\d{{1,2}}[-\s]{_MONTHS}(?:[-\s]\d{{2,4}})?"  # 4-Mar, 04-Mar-24
    rf"|{_MONTHS}[-\s]\d{{2,4}})"  # Mar-24
    rf"(?:[\sT]{_CLOCK})?"
)
_DATE_OR_TIME = rf"(?:{_DATE}|{_CLOCK})"

_SCIENTIFIC_RE = re.compile(_SCIENTIFIC)
_SHAPE_RE = re.compile(rf"(?P<digits>{_DIGITS})|{_DATE_OR_TIME}")
# The column is searched as one string, each cell between NULs: one pass of the regex engine
# over the text instead of one call per cell, cheap for a column where no cell matches (the
# usual case). Each pattern starts with the NUL, a fast literal to scan for, then looks at the
# cell's first character before trying the alternatives.
_SEPARATOR = "\x00"
_SCIENTIFIC_CELL = re.compile(rf"\x00(?=[+\-\d])(?:{_SCIENTIFIC})(?=\x00)")
_SHAPE_CELL = re.compile(rf"\x00(?=[\dADFJMNOSadfjmnos])(?:{_SHAPE_RE.pattern})(?=\x00)")
_LISTED_ROWS = 5


def scientific(passwords: list[str]) -> list[bool]:
    """Which passwords are a number in scientific notation (``1.00E+05``)."""
    flags = [False] * len(passwords)
    for position, _ in _matching(passwords, _SCIENTIFIC_CELL, _SCIENTIFIC_RE):
        flags[position] = True
    return flags


def rewritten(passwords: pd.Series) -> list[tuple[int, str]]:
    """Warnings, as ``(first row, message)``, for the Password cells of a CSV (indexed by row
    number) that are only digits or look like dates or times."""
    digit_rows: list[int] = []
    date_rows: list[int] = []
    index = passwords.index
    for position, match in _matching(passwords.tolist(), _SHAPE_CELL, _SHAPE_RE):
        (digit_rows if match.group("digits") else date_rows).append(int(index[position]))
    found: list[tuple[int, str]] = []
    if digit_rows:
        rows = digit_rows
        cells, are, _, them = _cells(rows)
        numbers = "numbers" if len(rows) > 1 else "a number"
        found.append(
            (
                rows[0],
                f"{cells} {are} only digits ({_listing(rows)}): if the spreadsheet this CSV was saved from held {them} as {numbers}, any leading zeros were dropped; check {them}, and format the Password column as Text before saving (the template does)",
            )
        )
    if date_rows:
        rows = date_rows
        cells, _, look, them = _cells(rows)
        found.append(
            (
                rows[0],
                f"{cells} {look} like dates or times ({_listing(rows)}): a spreadsheet turns what looks like a date into one and saves it in its own format, so 3/4/24 may have become 03/04/24 or 2024-03-04; check {them}, and format the Password column as Text before saving (the template does)",
            )
        )
    return found


def _matching(
    values: list[str], cell: re.Pattern[str], whole: re.Pattern[str]
) -> list[tuple[int, re.Match[str]]]:
    """The positions of the values that ``cell`` (``whole`` between NULs) matches, with the
    match."""
    joined = f"{_SEPARATOR}{_SEPARATOR.join(values)}{_SEPARATOR}"
    if joined.count(_SEPARATOR) != len(values) + 1:  # a NUL inside a cell: one at a time
        found = ((n, whole.fullmatch(value)) for n, value in enumerate(values))
        return [(n, match) for n, match in found if match is not None]
    matched: list[tuple[int, re.Match[str]]] = []
    position = seen = 0
    for match in cell.finditer(joined):
        position += joined.count(_SEPARATOR, seen, match.start())
        seen = match.start()
        matched.append((position, match))
    return matched


def _cells(rows: list[int]) -> tuple[str, str, str, str]:
    """How many cells, and the words that agree with the number."""
    if len(rows) == 1:
        return "1 Password cell", "is", "looks", "it"
    return f"{len(rows):,} Password cells", "are", "look", "them"


def _listing(rows: list[int]) -> str:
    """``row 3``, ``rows 3, 5 and 9``, ``rows 3, 5, 9, 12, 14 and 40 more``."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(map(str, rows[:_LISTED_ROWS]))
    more = len(rows) - _LISTED_ROWS
    if more > 0:
        return f"rows {shown} and {more:,} more"
    head, _, last = shown.rpartition(", ")
    return f"rows {head} and {last}"
