"""Any spreadsheet as plain tables of text, read in the confined parse child.

The accounts reader (:mod:`plugins.csv.reader`) knows the accounts layout; this one knows
none: every worksheet (or the .csv) comes back as rows of text cells, for a service with a
layout of its own (the rooms import) to interpret. It shares everything else with the accounts
reader (:mod:`plugins.csv.sniff`): the type from the bytes, the size and extent limits of
:mod:`hub.limits` checked before any parse, and the parse itself in the child process under
the memory and time ceilings. The hub reaches it through the ``rosterhub_read_tables`` hook.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from python_calamine import CalamineWorkbook, SheetTypeEnum

from hub import limits
from hub.tables import Table, Tables, UnreadableTables
from plugins.csv import extent
from plugins.csv.sniff import (
    CSV,
    Bounds,
    UnreadableFile,
    cell_text,
    check_extents,
    decode,
    delimiter,
    parse_confined,
)

Row = tuple[int, tuple[str, ...]]


def read_tables(content: bytes, *, filename: str) -> Tables:
    """Every sheet of ``content`` as text rows. Raises :class:`hub.tables.UnreadableTables`
    when the file is not a spreadsheet, is over a limit, or cannot be parsed within the
    ceilings (the message names the file and says which)."""
    try:
        # calamine is all the parse needs, and it is loaded here already: a one-shot command
        # forks itself for the child rather than starting a forkserver that imports pandas.
        tables: Tables = parse_confined(
            parse_tables, content, filename=filename, fork_when_alone=True
        )
    except UnreadableFile as exc:
        raise UnreadableTables(str(exc)) from None
    rows = sum(len(sheet.rows) for sheet in tables.sheets)
    if rows > limits.MAX_ROWS:
        msg = f"the file has {rows:,} rows; at most {limits.MAX_ROWS:,} can be imported at once, so split it into smaller files"
        raise UnreadableTables(msg)
    return tables


# -- in the parse child ------------------------------------------------------------------------


def parse_tables(content: bytes, kind: str, filename: str, bounds: Bounds) -> Tables:
    """The file's sheets as text rows (what the parent gets back: plain tuples, cheap to send
    and to receive without a spreadsheet library)."""
    if kind == CSV:
        return _text_tables(content, filename=filename)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(content))
        names = [
            str(sheet.name)
            for sheet in workbook.sheets_metadata
            if sheet.typ == SheetTypeEnum.WorkSheet
        ]
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - calamine raises its own types for any damage
        msg = f"the file could not be read as an .{kind} workbook; it may be damaged or password-protected"
        raise UnreadableFile(msg) from None
    sheets: list[Table] = []
    reached: list[extent.Extent] = []
    for name in names:
        try:
            sheet = workbook.get_sheet_by_name(name)
        except MemoryError:
            raise
        except Exception:  # noqa: BLE001 - one damaged sheet: say which
            msg = f"the sheet '{name}' could not be read; it may be damaged"
            raise UnreadableFile(msg) from None
        end = sheet.end
        reached.append(
            extent.Extent(name, end[0] + 1, end[1] + 1) if end else extent.Extent(name, 0, 0)
        )
        check_extents(reached, limit=bounds)  # before the rows are built
        rows = sheet.to_python(skip_empty_area=False)  # from A1: row numbers as a person sees
        sheets.append(Table(name, _numbered(rows)))
        del rows
    return Tables(kind=kind, sheets=tuple(sheets))


def _text_tables(content: bytes, *, filename: str) -> Tables:
    text, note = decode(content)
    csv.field_size_limit(limits.MAX_FIELD_CHARS)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text)))
    except csv.Error as exc:
        msg = f"the file is not valid CSV: {exc}"
        raise UnreadableFile(msg) from None
    warnings = ((filename, note),) if note else ()
    return Tables(kind=CSV, sheets=(Table(filename, _numbered(rows)),), warnings=warnings)


def _numbered(rows: Sequence[Sequence[Any]]) -> tuple[Row, ...]:
    """Rows with the numbers a person sees (from 1), cells as text, blank rows left out."""
    out: list[Row] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell_text(value).strip() for value in row]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            out.append((number, tuple(cells)))
    return tuple(out)
