"""One table of accounts: finding its header, mapping its columns and cleaning its cells.

Both readers end here (:mod:`plugins.csv.reader` turns a workbook's sheets and a text file into
raw grids of cells; this module turns each grid into a :class:`Sheet`), so a header, a cell or a
role means the same whatever program saved the file. Runs in the parse child.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd
from pandas.api.types import infer_dtype

from hub.issues import FileIssue
from plugins.csv import mangled
from plugins.csv.layout import (
    EMAIL,
    FIRST_NAME,
    INVISIBLE,
    INVISIBLE_RE,
    LAST_NAME,
    PASSWORD,
    REQUIRED,
    ROLE,
    column_for_header,
    sheets_in_filename,
)
from plugins.csv.sniff import cell_text

# How far down a title row or two may push the header.
HEADER_SEARCH_ROWS = 10
# What a row of each role sheet becomes, for messages.
_ROLE_WORDS = {
    "Student": "a student",
    "Teacher": "a teacher",
    "Admin": "an admin (admin and teacher)",
}

_WHITESPACE_RUN = r"\s+"
# Cells are joined with this separator so a few substring searches of one string tell whether a
# column needs cleaning at all (most do not); a separator inside a cell only costs a needless clean.
_JOIN = "\x00"
_SPACES = tuple(c for c in map(chr, range(0x3001)) if c.isspace())  # what str.strip() strips
# A cell starting with a space (a cell ending with one, in the joined text reversed): one
# search instead of one per kind of space (``\s`` is exactly ``_SPACES``).
_PADDED = re.compile(rf"{_JOIN}\s")
_ODD_SPACES = tuple(c for c in _SPACES if c != " ") + ("  ",)


@dataclass
class Sheet:
    """One table of accounts. ``data`` holds the recognised columns as cleaned text, indexed by
    the row number a person sees, blank rows dropped. ``role_sheet`` is ``Student``/``Teacher``/
    ``Admin`` when the sheet's name decides the role, None when a ``Role`` column does."""

    name: str
    role_sheet: str | None
    header_row: int
    data: pd.DataFrame


@dataclass
class Workbook:
    kind: str
    sheets: list[Sheet] = field(default_factory=list)
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)


# -- one table ---------------------------------------------------------------------------------


def add_table(
    book: Workbook,
    raw: pd.DataFrame,
    *,
    name: str,
    role_sheet: str | None,
    csv_file: bool = False,
) -> Sheet | None:
    """Find the header, map the columns, clean the cells, and add the sheet to ``book`` (and
    return it). A sheet that is not a table of accounts is ignored with a warning. A CSV is
    named ``name`` and has no sheet name; without a Role column, its file name may say the role
    (:func:`_role_from_filename`)."""
    if raw.empty:
        return None
    raw.columns = pd.RangeIndex(raw.shape[1])
    nonblank = _nonblank_rows(raw)
    if not nonblank:
        return None
    header_at = _header_position(raw, nonblank)
    header_row = header_at + 1
    header = [cell_text(value).strip() for value in raw.iloc[header_at]]
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for position, text in enumerate(header):
        column = column_for_header(text) if text else None
        if column is None or (column == ROLE and role_sheet is not None):
            if text:
                unknown.append(text)
            continue
        if column in columns:
            first = _letter(columns[column])
            book.errors.append(
                FileIssue(
                    name,
                    header_row,
                    column,
                    f"the column {column} appears twice (columns {first} and {_letter(position)}); keep one",
                )
            )
            continue
        columns[column] = position

    if role_sheet is None and not csv_file and not (EMAIL in columns and ROLE in columns):
        book.warnings.append(
            FileIssue(
                name,
                0,
                None,
                f"the sheet '{name}' was ignored: it is not named Student, Teacher or Admin and has no Role column",
            )
        )
        return None
    if csv_file and ROLE not in columns:
        role_sheet = _role_from_filename(book, name, header_row)

    for text in unknown:
        if role_sheet is not None and column_for_header(text) == ROLE:
            message = (
                f"the Role column is ignored on the {role_sheet} sheet: the sheet decides the role"
            )
        else:
            message = f"the column '{text}' is not one rosterhub reads; it was ignored"
        book.warnings.append(FileIssue(name, header_row, text, message))
    missing = [c for c in (*REQUIRED, *(() if role_sheet else (ROLE,))) if c not in columns]
    for column in missing:
        message = f"the required column {column} is missing from row {header_row}"
        if column == ROLE:
            message += f": {_why_role(name)}"
        book.errors.append(FileIssue(name, header_row, column, message))

    body = raw.iloc[header_at + 1 :]
    data = pd.DataFrame(index=body.index + 1)
    for column, position in columns.items():
        values, converted = _column_text(body[position])
        values.index = data.index
        if converted is not None and column == PASSWORD:
            rows = [int(r) + 1 for r in converted[converted].index]
            book.warnings.append(
                FileIssue(
                    name,
                    rows[0],
                    column,
                    f"{len(rows)} Password cell(s) (first on row {rows[0]}) are numbers or dates in the spreadsheet, so leading zeros may have been lost; format the column as Text (the template does) and type them again",
                )
            )
        elif csv_file and column == PASSWORD:
            for row, message in mangled.rewritten(values):
                book.warnings.append(FileIssue(name, row, column, message))
        data[column] = _clean(values, column)
    data = data[(data != "").any(axis=1)] if len(data.columns) else data.iloc[0:0]
    sheet = Sheet(name=name, role_sheet=role_sheet, header_row=header_row, data=data)
    book.sheets.append(sheet)
    return sheet


def _role_from_filename(book: Workbook, name: str, header_row: int) -> str | None:
    """A CSV saved from one sheet of the template has no Role column (saving one sheet as CSV
    drops the sheet's name); when its file name names exactly one role (``students.csv``,
    ``Accounts - Teacher.csv``), that role, with a warning saying so. None otherwise: the
    missing column is then an error (:func:`_why_role`)."""
    named = sheets_in_filename(name)
    if len(named) != 1:
        return None
    [sheet] = named
    book.warnings.append(
        FileIssue(
            name,
            header_row,
            ROLE,
            f"there is no Role column, so every row is imported as {_ROLE_WORDS[sheet]}, as the file name '{name}' says; if some rows are not, add a Role column (student, teacher or admin on each row)",
        )
    )
    return sheet


def _why_role(name: str) -> str:
    named = sheets_in_filename(name)
    because = (
        f"the file name '{name}' names more than one role ({', '.join(named)}), so it cannot say which"
        if len(named) > 1
        else "a .csv holds one sheet and not its name, so each row needs its role"
    )
    return f"{because}; add a Role column with student, teacher or admin on each row, or, when every row has the same role, name the file after it (students.csv, teachers.csv or admins.csv)"


def _nonblank_rows(raw: pd.DataFrame) -> list[int]:
    """Positions of the first rows with any content (enough to find the header)."""
    found: list[int] = []
    for position in range(len(raw)):
        if any(cell_text(v).strip() for v in raw.iloc[position]):
            found.append(position)
            if len(found) >= HEADER_SEARCH_ROWS:
                break
    return found


def _header_position(raw: pd.DataFrame, candidates: list[int]) -> int:
    """The first row naming an Email column (a title row above it is allowed), else the first
    non-blank row."""
    for position in candidates:
        if any(column_for_header(cell_text(v)) == EMAIL for v in raw.iloc[position]):
            return position
    return candidates[0]


def _column_text(column: pd.Series) -> tuple[pd.Series, pd.Series | None]:
    """The column as text, and which cells were not text in the workbook (None if all were).

    Pandas' calamine reader already turns whole-number floats back into ints ("1234", not
    "1234.0"); dates, times and booleans are rendered as a person would type them.
    """
    if infer_dtype(column, skipna=False) in ("string", "empty"):
        return column, None
    values = column.tolist()
    converted = [not isinstance(value, str) for value in values]
    text = [cell_text(v) if other else v for v, other in zip(values, converted, strict=True)]
    index = column.index
    return pd.Series(text, index=index, dtype=object), pd.Series(converted, index=index)


def _clean(text: pd.Series, column: str) -> pd.Series:
    """Stray spaces, non-breaking spaces and zero-width characters out; a password is kept
    exactly as typed (its rules say what is wrong with it)."""
    if column == PASSWORD or text.empty:
        return text
    joined = f"{_JOIN}{_JOIN.join(text.tolist())}{_JOIN}"
    if _contains_any(joined, INVISIBLE):
        text = text.str.replace(INVISIBLE_RE, "", regex=True)
    if column in (FIRST_NAME, LAST_NAME) and _contains_any(joined, _ODD_SPACES):
        text = text.str.replace(_WHITESPACE_RUN, " ", regex=True)
    elif not (_PADDED.search(joined) or _PADDED.search(joined[::-1])):
        return text
    return text.str.strip()


def _contains_any(text: str, needles: Iterable[str]) -> bool:
    return any(needle in text for needle in needles)


def _letter(position: int) -> str:
    """Spreadsheet column letters: 0 -> A, 26 -> AA."""
    letters = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
