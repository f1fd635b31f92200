"""Reading an uploaded accounts file into text tables, whatever program saved it.

The file's type is decided by its content, not its name: people rename files, chat clients
drop extensions, and Excel saves "CSV" that is really UTF-16 text. Workbooks (.xlsx, .xls,
.ods) go through calamine (the engine pandas uses for them); text goes through the :mod:`csv`
module. Every cell comes out as text, rows keep the numbers a person sees (the header is row 1),
and the reader reports what it had to guess (an encoding, a number that used to be text) as
warnings.

An upload is hostile until read, so reading has two guards (limits in :mod:`hub.limits`): how
far each sheet reaches is measured on the file first (:mod:`plugins.csv.extent`), and only then
is it parsed, in a child process under a memory and a time ceiling (:mod:`plugins.csv.confined`)
that hands back just the recognised columns as text. A file over a limit, or one that makes the
reader crash, run out of memory or time, is refused with a message saying which.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import infer_dtype
from python_calamine import CalamineWorkbook, SheetTypeEnum

from hub import limits
from hub.issues import FileIssue
from plugins.csv import extent
from plugins.csv.layout import (
    EMAIL,
    FIRST_NAME,
    INSTRUCTIONS,
    INVISIBLE,
    INVISIBLE_RE,
    LAST_NAME,
    PASSWORD,
    REQUIRED,
    ROLE,
    column_for_header,
    sheet_for_name,
)
from plugins.csv.sniff import (
    CSV,
    ODS,
    XLS,
    XLSX,
    Bounds,
    UnreadableFile,
    cell_text,
    check_extents,
    decode,
    delimiter,
    detect_kind,
    load_source,
    parse_confined,
)

__all__ = [
    "CSV",
    "ODS",
    "XLS",
    "XLSX",
    "Sheet",
    "UnreadableFile",
    "Workbook",
    "detect_kind",
    "load_source",
    "read_workbook",
    "source_name",
]

# How far down a title row or two may push the header.
HEADER_SEARCH_ROWS = 10

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

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled compactly (the parse child sends sheets to its parent): each column as one
        joined string, not 100,000 small ones; about ten times faster both ways."""
        columns = {name: _joined(self.data[name].tolist()) for name in self.data.columns}
        return (
            _unpickle_sheet,
            (self.name, self.role_sheet, self.header_row, self.data.index.to_numpy(), columns),
        )


def _joined(values: list[Any]) -> str | list[Any]:
    """The values as one string, or as they are when one of them is not text or holds the
    separator."""
    try:
        joined = _JOIN.join(values)
    except TypeError:
        return values
    return joined if joined.count(_JOIN) == max(len(values) - 1, 0) else values


def _unpickle_sheet(
    name: str,
    role_sheet: str | None,
    header_row: int,
    index: Any,
    columns: dict[str, str | list[Any]],
) -> Sheet:
    data = pd.DataFrame(
        {
            column: pd.Series(
                (values.split(_JOIN) if len(index) else []) if isinstance(values, str) else values,
                index=index,
                dtype=object,
            )
            for column, values in columns.items()
        },
        index=index,
    )
    return Sheet(name=name, role_sheet=role_sheet, header_row=header_row, data=data)


@dataclass
class Workbook:
    kind: str
    sheets: list[Sheet] = field(default_factory=list)
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)


def source_name(source: str | Path | bytes, filename: str | None = None) -> str:
    """The name a file goes by in messages (and as the "sheet" of a .csv)."""
    if filename:
        return Path(filename).name or "upload"
    return "upload" if isinstance(source, bytes) else Path(source).name


def read_workbook(content: bytes, *, filename: str) -> Workbook:
    """Read every accounts table in ``content``. Raises :class:`UnreadableFile` when the file
    is not a spreadsheet, too big, reaches too far, cannot be parsed within the ceilings, or
    has no table of accounts at all."""
    book: Workbook = parse_confined(parse, content, filename=filename)
    rows = sum(len(sheet.data) for sheet in book.sheets)
    if rows > limits.MAX_ROWS:
        msg = f"the file has {rows:,} rows of accounts; at most {limits.MAX_ROWS:,} can be imported at once, so split it into smaller files"
        raise UnreadableFile(msg)
    return book


# -- parsing (in the child) ------------------------------------------------------------------


def parse(content: bytes, kind: str, filename: str, bounds: Bounds) -> Workbook:
    """The file's accounts tables, the recognised columns as text (what the parent gets back).
    Runs in the parse child; ``bounds`` are the parent's extent limits."""
    if kind == CSV:
        return _read_text(content, filename=filename)
    return _read_workbook(content, kind=kind, bounds=bounds)


def _read_workbook(content: bytes, *, kind: str, bounds: Bounds) -> Workbook:
    book = Workbook(kind=kind)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = [
            str(sheet.name)
            for sheet in workbook.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        ]
    except MemoryError:
        raise  # the memory ceiling: the child reports it as such
    except Exception:  # noqa: BLE001 - calamine raises its own types for any damage
        msg = f"the file could not be read as an .{kind} workbook; it may be damaged or password-protected"
        raise UnreadableFile(msg) from None
    reached: list[extent.Extent] = []
    for name in names:
        role_sheet = sheet_for_name(name)
        if role_sheet is None and name.strip().lower() == INSTRUCTIONS.lower():
            continue
        try:
            sheet = workbook.get_sheet_by_name(name)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - one unreadable sheet must not hide the others
            book.errors.append(
                FileIssue(name, 0, None, f"the sheet '{name}' could not be read; it may be damaged")
            )
            continue
        # What .xls and .xlsb (never measured before) and anything the measuring missed
        # reach, checked before their rows are built.
        end = sheet.end
        reached.append(
            extent.Extent(name, end[0] + 1, end[1] + 1) if end else extent.Extent(name, 0, 0)
        )
        check_extents(reached, limit=bounds)
        rows = sheet.to_python(skip_empty_area=False)
        _add_table(book, pd.DataFrame(rows, dtype=object), name=name, role_sheet=role_sheet)
        del rows
    if not book.sheets and not book.errors:
        found = ", ".join(f"'{n}'" for n in names) or "none"
        msg = f"the workbook has no Student, Teacher or Admin sheet (its sheets: {found}); use the template from `rosterhub template`"
        raise UnreadableFile(msg)
    return book


# -- text (.csv, tab-separated "Unicode text") -------------------------------------------------


def _read_text(content: bytes, *, filename: str) -> Workbook:
    book = Workbook(kind=CSV)
    text, encoding_note = decode(content)
    if encoding_note:
        book.warnings.append(FileIssue(filename, 0, None, encoding_note))
    separator = delimiter(text)
    csv.field_size_limit(limits.MAX_FIELD_CHARS)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        msg = f"the file is not valid CSV: {exc}"
        raise UnreadableFile(msg) from None
    raw = pd.DataFrame(rows, dtype=object).fillna("")
    before = len(book.sheets)
    _add_table(book, raw, name=filename, role_sheet=None, csv_file=True)
    if len(book.sheets) == before and not book.errors:
        msg = "the file has no header row (Email, First Name, Last Name, Role …)"
        raise UnreadableFile(msg)
    return book


# -- one table ---------------------------------------------------------------------------------


def _add_table(
    book: Workbook,
    raw: pd.DataFrame,
    *,
    name: str,
    role_sheet: str | None,
    csv_file: bool = False,
) -> None:
    """Find the header, map the columns, clean the cells, and add the sheet to ``book``.
    A sheet that is not a table of accounts is ignored with a warning."""
    if raw.empty:
        return
    raw.columns = pd.RangeIndex(raw.shape[1])
    nonblank = _nonblank_rows(raw)
    if not nonblank:
        return
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
        return

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
        book.errors.append(
            FileIssue(
                name,
                header_row,
                column,
                f"the required column {column} is missing from row {header_row}",
            )
        )

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
        data[column] = _clean(values, column)
    data = data[(data != "").any(axis=1)] if len(data.columns) else data.iloc[0:0]
    book.sheets.append(Sheet(name=name, role_sheet=role_sheet, header_row=header_row, data=data))


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
    converted = column.map(lambda v: not isinstance(v, str))
    return column.map(cell_text), converted


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
