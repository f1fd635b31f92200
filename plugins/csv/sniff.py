"""What an uploaded spreadsheet is and how far it reaches, decided before any parse.

Everything a reader does in the server process before it hands a file to the confined parse
child (:mod:`plugins.csv.confined`): the file's type from its bytes, the extent checks against
:mod:`hub.limits`, text decoding, and the messages a person reads when a file is refused. No
spreadsheet library is imported here, so a command that only sends a file to the child (the
rooms import) starts without loading pandas; the accounts reader (:mod:`plugins.csv.reader`)
and the general table reader (:mod:`plugins.csv.tables`) share it.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, TypeVar

from hub import limits
from hub.errors import HubError
from plugins.csv import confined, encoding, extent

log = logging.getLogger(__name__)

T = TypeVar("T")

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
        raise UnreadableFile(too_big(size))
    return path.read_bytes()


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


def parse_confined(
    parse: Callable[..., T],
    content: bytes,
    *,
    filename: str,
    fork_when_alone: bool = False,
    answers: confined.Answers | None = None,
) -> T:
    """``parse(content, kind, filename, bounds)`` in the confined parse child, after the size,
    type and extent checks: the one way a spreadsheet is read. Raises :class:`UnreadableFile`
    with a person's reason for anything that is not a result (``parse`` raises it too).
    ``fork_when_alone``: a single-threaded process forks itself for the child
    (:func:`plugins.csv.confined.run`), for a ``parse`` that needs no library it lacks.
    ``answers``: ``parse`` is also given ``asked=`` (:func:`plugins.csv.confined.run`)."""
    if len(content) > limits.MAX_FILE_BYTES:
        raise UnreadableFile(too_big(len(content)))
    if not content.strip():
        msg = "the file is empty"
        raise UnreadableFile(msg)
    if not fork_when_alone:
        confined.warm_up()  # a first upload's forkserver starts while the file is measured
    kind = detect_kind(content)
    try:
        with confined.turn():
            check_extents(measure(content, kind=kind, filename=filename), csv_file=kind == CSV)
            return confined.run(
                parse,
                content,
                kind,
                filename,
                bounds(),
                fork_when_alone=fork_when_alone,
                answers=answers,
            )
    except confined.Failed as exc:
        raise UnreadableFile(failure(exc, filename)) from None
    except UnreadableFile:
        raise
    except Exception as exc:  # a reader bug, raised in the child: a refusal, not a 500
        log.warning("reading %s failed: %s: %s", filename, type(exc).__name__, exc)
        failed = confined.Failed(confined.CRASH, type(exc).__name__)
        raise UnreadableFile(failure(failed, filename)) from None


def begin_confined(parse: Callable[..., T], content: bytes, *, filename: str) -> confined.Begun[T]:
    """:func:`parse_confined` begun now, in a thread (:func:`plugins.csv.confined.begin`):
    the checks, then ``parse(content, kind, filename, bounds, asked=...)`` in the child, which
    asks for what the caller tells later (:meth:`plugins.csv.confined.Begun.tell`). The
    forkserver starts at once, from the thread (:func:`parse_confined` warms it up first)."""
    return confined.begin(
        lambda answers: parse_confined(parse, content, filename=filename, answers=answers)
    )


# Rows, columns and cells a sheet may reach: passed to the child, whose limits module is its own.
Bounds = tuple[int, int, int]


# -- guards --------------------------------------------------------------------------------------


def measure(content: bytes, *, kind: str, filename: str) -> list[extent.Extent]:
    """How far each sheet reaches, from the file itself (.xls: measured in the child)."""
    try:
        if kind == CSV:
            text, _ = decode(content)
            return [extent.text_extent(text, delimiter=delimiter(text), name=filename)]
        if kind == XLS:
            return []
        with extent.open_zip(content) as archive:
            if kind == ODS:
                return extent.ods_extents(archive)
            return extent.xlsx_extents(archive)
    except extent.Refused as exc:
        raise UnreadableFile(str(exc)) from None


def check_extents(
    extents: list[extent.Extent], *, csv_file: bool = False, limit: Bounds | None = None
) -> None:
    rows, columns, cells = limit or bounds()
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


def bounds() -> Bounds:
    return limits.MAX_SHEET_ROWS, limits.MAX_COLUMNS, limits.MAX_CELLS


def failure(exc: confined.Failed, filename: str) -> str:
    """Why the parse child gave no rows, for a person, naming the file."""
    if exc.reason == confined.MEMORY:
        return f"reading '{filename}' needed more than the {limits.PARSE_MEMORY_BYTES // limits.MB:,} MB of memory a file may use, so it was stopped; the file is damaged or built to exhaust memory (save it again as .xlsx from Excel or LibreOffice, or split it)"
    if exc.reason == confined.TIME:
        return f"reading '{filename}' took longer than {limits.PARSE_SECONDS:g} s, so it was stopped; split it into smaller files, or save it again as .xlsx"
    if exc.reason == confined.BUSY:
        return f"the server is busy reading other files; send '{filename}' again in a minute"
    return f"the spreadsheet reader stopped while reading '{filename}' ({exc.detail}); the file may be damaged, so save it again as .xlsx and send that"


def decode(content: bytes) -> tuple[str, str | None]:
    """The text and, when its character set was a judgement (Windows-1252 or Mac Roman:
    :mod:`plugins.csv.encoding`), a warning saying which."""
    try:
        text, note, _ = encoding.decode(content)
    except encoding.Undecodable as exc:
        raise UnreadableFile(str(exc)) from None
    return text, note


def delimiter(text: str) -> str:
    """Comma, semicolon (Excel in much of Europe) or tab (Excel's "Unicode text"), whichever
    the header line uses most."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max((",", ";", "\t"), key=first.count) if first else ","


def cell_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


def too_big(size: int) -> str:
    return f"the file is {size / limits.MB:.1f} MB; the limit is {limits.MAX_FILE_BYTES // limits.MB} MB, so split it into smaller files"
