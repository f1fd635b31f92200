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

import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from hub import limits
from hub.issues import FileIssue
from plugins.csv import extent
from plugins.csv.layout import INSTRUCTIONS, sheet_for_name
from plugins.csv.sniff import (
    CSV,
    ODS,
    XLS,
    XLSX,
    Bounds,
    UnreadableFile,
    check_extents,
    decode,
    delimiter,
    detect_kind,
    load_source,
    source_name,
)
from plugins.csv.table import Sheet, Workbook, add_table

__all__ = [
    "CSV",
    "ODS",
    "XLS",
    "XLSX",
    "Sheet",
    "UnreadableFile",
    "Workbook",
    "detect_kind",
    "check_rows",
    "load_source",
    "parse",
    "source_name",
]


def check_rows(book: Workbook, max_rows: int) -> int:
    """How many account rows ``book`` has; :class:`UnreadableFile` when that is over
    ``max_rows`` (the parent's :data:`hub.limits.MAX_ROWS`)."""
    rows = sum(len(sheet.data) for sheet in book.sheets)
    if rows > max_rows:
        msg = f"the file has {rows:,} rows of accounts; at most {max_rows:,} can be imported at once, so split it into smaller files"
        raise UnreadableFile(msg)
    return rows


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
        sheets = [s for s in workbook.sheets_metadata if s.typ == SheetTypeEnum.WorkSheet]
        names = [str(sheet.name) for sheet in sheets]
        hidden = {
            str(sheet.name): sheet.visible
            for sheet in sheets
            if sheet.visible != SheetVisibleEnum.Visible
        }
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
        table = add_table(book, pd.DataFrame(rows, dtype=object), name=name, role_sheet=role_sheet)
        del rows
        if table is not None and name in hidden and len(table.data):
            book.warnings.append(_hidden(table, very=hidden[name] == SheetVisibleEnum.VeryHidden))
    if not book.sheets and not book.errors:
        found = ", ".join(f"'{n}'" for n in names) or "none"
        msg = f"the workbook has no Student, Teacher or Admin sheet (its sheets: {found}); use the template from `rosterhub template`"
        raise UnreadableFile(msg)
    return book


def _hidden(sheet: Sheet, *, very: bool) -> FileIssue:
    """A hidden sheet is read like any other, but whoever checked the workbook on screen never
    saw its rows: say so, naming it."""
    how = (
        "very hidden (only a macro or Excel's VBA editor can show it)"
        if very
        else "hidden (right-click a sheet tab > Unhide to see it)"
    )
    rows = len(sheet.data)
    these = f"its {rows:,} account rows" if rows != 1 else "its 1 account row"
    them, they = ("them", "they") if rows != 1 else ("it", "it")
    return FileIssue(
        sheet.name,
        0,
        None,
        f"the sheet '{sheet.name}' is {how}, and {these} will be imported like the others; check {them}, or delete the sheet if {they} should not be",
    )


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
    add_table(book, raw, name=filename, role_sheet=None, csv_file=True)
    if len(book.sheets) == before and not book.errors:
        msg = "the file has no header row (Email, First Name, Last Name, Role …)"
        raise UnreadableFile(msg)
    return book
