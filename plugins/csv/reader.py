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

import codecs
import csv
import io
import logging
from pathlib import Path

import pandas as pd
from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

from hub import limits
from hub.errors import HubError
from hub.issues import FileIssue
from plugins.csv import confined, encoding, extent
from plugins.csv.layout import INSTRUCTIONS, sheet_for_name
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
    "load_source",
    "parse",
    "read_workbook",
    "source_name",
]

log = logging.getLogger(__name__)

XLSX = "xlsx"
XLS = "xls"
ODS = "ods"
CSV = "csv"

_OLE2 = bytes.fromhex("d0cf11e0a1b11ae1")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_NAMES_OF_FORMATS: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"{\\rtf", "an RTF document"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
)


class UnreadableFile(HubError):
    """The upload cannot be read as an accounts spreadsheet at all; the message says why."""


def source_name(source: str | Path | bytes, filename: str | None = None) -> str:
    """The name a file goes by in messages (and as the "sheet" of a .csv)."""
    if filename:
        return Path(filename).name or "upload"
    return "upload" if isinstance(source, bytes) else Path(source).name


def load_source(source: str | Path | bytes) -> bytes:
    """The file's bytes; a file on disk over the size limit is not read at all."""
    if isinstance(source, bytes):
        return source
    path = Path(source)
    size = path.stat().st_size
    if size > limits.MAX_FILE_BYTES:
        raise UnreadableFile(_too_big(size))
    return path.read_bytes()


def read_workbook(content: bytes, *, filename: str) -> Workbook:
    """Read every accounts table in ``content``. Raises :class:`UnreadableFile` when the file
    is not a spreadsheet, too big, reaches too far, cannot be parsed within the ceilings, or
    has no table of accounts at all."""
    if len(content) > limits.MAX_FILE_BYTES:
        raise UnreadableFile(_too_big(len(content)))
    if not content.strip():
        msg = "the file is empty"
        raise UnreadableFile(msg)
    confined.warm_up()  # a first upload's forkserver starts while the file is measured
    kind = detect_kind(content)
    try:
        with confined.turn():
            _check_extents(_measure(content, kind=kind, filename=filename), csv_file=kind == CSV)
            book = confined.run(parse, content, kind, filename, _bounds())
    except confined.Failed as exc:
        raise UnreadableFile(_failure(exc, filename)) from None
    except UnreadableFile:
        raise
    except Exception as exc:  # a reader bug, raised in the child: a refusal, not a 500
        log.warning("reading %s failed: %s: %s", filename, type(exc).__name__, exc)
        failed = confined.Failed(confined.CRASH, type(exc).__name__)
        raise UnreadableFile(_failure(failed, filename)) from None
    rows = sum(len(sheet.data) for sheet in book.sheets)
    if rows > limits.MAX_ROWS:
        msg = f"the file has {rows:,} rows of accounts; at most {limits.MAX_ROWS:,} can be imported at once, so split it into smaller files"
        raise UnreadableFile(msg)
    return book


def detect_kind(content: bytes) -> str:
    """``xlsx``, ``xls``, ``ods`` or ``csv`` from the bytes themselves (magic numbers)."""
    head = content[:8]
    if head.startswith(b"PK\x03\x04"):
        return _zip_kind(content)
    if head == _OLE2:
        # Encrypted .xlsx files are OLE2 containers holding an "EncryptedPackage" stream.
        if "EncryptedPackage".encode("utf-16-le") in content[:65536]:
            msg = "the workbook is protected with a password; save a copy without the password and send that"
            raise UnreadableFile(msg)
        return XLS
    for magic, what in _NAMES_OF_FORMATS:
        if head.startswith(magic):
            msg = f"the file is {what}, not a spreadsheet (send .xlsx, .xls, .ods or .csv)"
            raise UnreadableFile(msg)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return CSV
    if b"\x00" in content[:8192]:
        msg = "the file is not a spreadsheet or text (send .xlsx, .xls, .ods or .csv)"
        raise UnreadableFile(msg)
    start = content[:512].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if start.startswith((b"<!doctype html", b"<html", b"<?xml", b"<table")):
        msg = "the file is a web page or XML, not a spreadsheet; open it in Excel and save it as .xlsx"
        raise UnreadableFile(msg)
    return CSV


def _zip_kind(content: bytes) -> str:
    try:
        with extent.open_zip(content) as archive:
            names = set(archive.namelist())
            mimetype = (
                extent.read_part(archive, "mimetype", limit=256).strip()
                if "mimetype" in names
                else b""
            )
    except extent.Refused as exc:
        raise UnreadableFile(str(exc)) from None
    if mimetype == _ODS_MIMETYPE:
        return ODS
    if "[Content_Types].xml" in names and (
        "xl/workbook.xml" in names or "xl/workbook.bin" in names
    ):
        return XLSX
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        msg = "the file is an OpenDocument text or presentation, not a spreadsheet"
        raise UnreadableFile(msg)
    if "word/document.xml" in names:
        msg = "the file is a Word document, not a spreadsheet"
        raise UnreadableFile(msg)
    if "ppt/presentation.xml" in names:
        msg = "the file is a PowerPoint presentation, not a spreadsheet"
        raise UnreadableFile(msg)
    msg = "the file is a zip archive, not a spreadsheet (send the .xlsx itself)"
    raise UnreadableFile(msg)


# Rows, columns and cells a sheet may reach: passed to the child, whose limits module is its own.
Bounds = tuple[int, int, int]


# -- guards --------------------------------------------------------------------------------------


def _measure(content: bytes, *, kind: str, filename: str) -> list[extent.Extent]:
    """How far each sheet reaches, from the file itself (.xls: measured in the child)."""
    try:
        if kind == CSV:
            text = _decode(content)[0]
            return [extent.text_extent(text, delimiter=_delimiter(text), name=filename)]
        if kind == XLS:
            return []
        with extent.open_zip(content) as archive:
            if kind == ODS:
                return extent.ods_extents(archive)
            return extent.xlsx_extents(archive)
    except extent.Refused as exc:
        raise UnreadableFile(str(exc)) from None


def _check_extents(
    extents: list[extent.Extent], *, csv_file: bool = False, bounds: Bounds | None = None
) -> None:
    rows, columns, cells = bounds or _bounds()
    for reach in extents:
        if reach.rows > rows or reach.columns > columns:
            where = "the file" if csv_file else f"sheet {reach.sheet}"
            further = " or further" if reach.partial else ""
            says = f" (its dimension says {reach.declared})" if reach.declared else ""
            msg = f"{where} reaches row {reach.rows:,} / column {extent.column_letters(reach.columns)}{further}{says}; the limit is {rows:,} rows and {columns:,} columns, so delete what lies beyond the accounts or split the file into smaller ones"
            raise UnreadableFile(msg)
    total = sum(reach.cells for reach in extents)
    if total > cells:
        sizes = ", ".join(
            f"{r.sheet} {r.rows:,} x {r.columns:,}" for r in extents if r.cells and not csv_file
        )
        shape = f" ({sizes})" if sizes else ""
        msg = f"the file reaches {total:,} cells{shape}; the limit is {cells:,} cells (rows x columns from A1, every sheet added up), so delete unused columns or split the file into smaller ones"
        raise UnreadableFile(msg)


def _bounds() -> Bounds:
    return limits.MAX_SHEET_ROWS, limits.MAX_COLUMNS, limits.MAX_CELLS


def _failure(exc: confined.Failed, filename: str) -> str:
    """Why the parse child gave no rows, for a person, naming the file."""
    if exc.reason == confined.MEMORY:
        return f"reading '{filename}' needed more than the {limits.PARSE_MEMORY_BYTES // limits.MB:,} MB of memory a file may use, so it was stopped; the file is damaged or built to exhaust memory (save it again as .xlsx from Excel or LibreOffice, or split it)"
    if exc.reason == confined.TIME:
        return f"reading '{filename}' took longer than {limits.PARSE_SECONDS:g} s, so it was stopped; split it into smaller files, or save it again as .xlsx"
    if exc.reason == confined.BUSY:
        return f"the server is busy reading other files; send '{filename}' again in a minute"
    return f"the spreadsheet reader stopped while reading '{filename}' ({exc.detail}); the file may be damaged, so save it again as .xlsx and send that"


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
        _check_extents(reached, bounds=bounds)
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
    text, encoding_note = _decode(content)
    if encoding_note:
        book.warnings.append(FileIssue(filename, 0, None, encoding_note))
    delimiter = _delimiter(text)
    csv.field_size_limit(limits.MAX_FIELD_CHARS)
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
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


def _decode(content: bytes) -> tuple[str, str | None]:
    """The text and, when its character set was a judgement, a warning saying which."""
    try:
        text, note, _ = encoding.decode(content)
    except encoding.Undecodable as exc:
        raise UnreadableFile(str(exc)) from None
    return text, note


def _delimiter(text: str) -> str:
    """Comma, semicolon (Excel in much of Europe) or tab (Excel's "Unicode text"), whichever
    the header line uses most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=first.count) if first else ","


def _too_big(size: int) -> str:
    return f"the file is {size / limits.MB:.1f} MB; the limit is {limits.MAX_FILE_BYTES // limits.MB} MB, so split it into smaller files"
