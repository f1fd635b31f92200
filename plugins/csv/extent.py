"""How far each sheet of an upload reaches, measured on the file itself, before any spreadsheet
library reads it.

Readers build a sheet's whole extent in memory (every row and column from A1 to its last cell,
empty ones too), and calamine asks for it all at once: a 5 KB .xlsx with cells at A1 and
XFD1048576 makes it ask for 512 GB and abort the process. So the extent is measured first,
streaming, in bounded memory: the zip directory (how many parts, how big unpacked, how much each
grows), then each sheet's XML read in 1 MB chunks.

An .xlsx sheet is measured against its declared ``<dimension>`` with a few literal searches
(fast: the writers people use put ``r="A1"`` first in every cell and row). Anything else (no
dimension, a reference beyond it, cells or rows without a reference, prefixed tags) is measured
exactly by walking every row and cell tag as calamine would place them. An .ods is walked with
expat, counting repeated rows and columns as readers expand them. Cells that hold nothing count
for neither (no reader builds them); a measurement stops as soon as it is over a limit.

.xls (BIFF) and .xlsb are binary; their extent is checked in the parsing child before its rows
are built (:mod:`plugins.csv.reader`), under the parse ceilings.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import posixpath
import re
import struct
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from xml.parsers import expat

from hub import limits

CHUNK = 1024 * 1024
# A run without markup (one tag, or text: a cell holds at most 32,767 characters) longer than
# this is not from a spreadsheet program.
MAX_TAG = 1024 * 1024
# Parts small enough to read whole when listing sheets (workbook.xml, its relationships).
MAX_INDEX_PART = 16 * limits.MB
# Parts over this size must not grow more than MAX_ZIP_RATIO-fold.
RATIO_FROM = limits.MB

_EOCD = b"PK\x05\x06"
_SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_ODS_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_ODS_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

# The fast path: every cell and row tag starts ``<c r="`` / ``<row r="`` with a plain reference.
_LOOSE_TAGS = (
    re.compile(rb'<c(?=[\s/>])(?! r=")'),
    re.compile(rb'<row(?=[\s/>])(?! r=")'),
    # A prefixed tag (<x:c ...>, <x:row ...>), or text that looks like one: ':' is rare in a
    # sheet, so one search for both costs what one for either does.
    re.compile(rb":(?:c|row)(?=[\s/>])"),
)
_DIMENSION = re.compile(rb'<(?:[A-Za-z_][\w.-]*:)?dimension\s[^>]*?\bref\s*=\s*["\']([^"\']*)["\']')
_SHEET_DATA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?sheetData[\s/>]")
# The exact walk: every row and cell tag, its reference when that comes first (as it almost
# always does), and the rest of its attributes (ending in "/" when the tag is empty).
_TAG = re.compile(
    rb'<(?:[A-Za-z_][\w.-]*:)?(c|row)(?=[\s/>])(?: r="([A-Z]{0,3})([0-9]{1,7})")?([^>]*)>'
)
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*(["\'])(.*?)\1', re.DOTALL)
_CELL_REF = re.compile(rb"\$?([A-Za-z]{1,4})\$?([0-9]{1,9})")
_ROW_REF = re.compile(rb"[0-9]{1,9}")


class Refused(Exception):
    """The file is refused unread: damaged, over a limit, or built to mislead its reader.
    ``str()`` says why, for a person."""


@dataclass(frozen=True, slots=True)
class Extent:
    """How far a sheet reaches: its last row and column (1-based; 0 when it is empty).
    ``partial``: measuring stopped once past a limit, so the sheet reaches at least this far."""

    sheet: str
    rows: int
    columns: int
    partial: bool = False
    declared: str = ""  # the sheet's own <dimension>, when it has one

    @property
    def cells(self) -> int:
        """What a reader builds for it: every cell from A1 to the far corner."""
        return self.rows * self.columns

    def over(self) -> bool:
        return self.rows > limits.MAX_SHEET_ROWS or self.columns > limits.MAX_COLUMNS


# -- the zip directory -----------------------------------------------------------------------------


def open_zip(content: bytes) -> zipfile.ZipFile:
    """The archive, once its directory shows nothing a spreadsheet never has: too many parts,
    too much unpacked, or a part that grows like a zip bomb."""
    _check_member_count(content)
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        msg = "the file looks like a workbook but is damaged (not a complete .xlsx or .ods)"
        raise Refused(msg) from None
    if len(infos) > limits.MAX_ZIP_MEMBERS:
        raise Refused(_too_many_parts(len(infos)))
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.MAX_UNPACKED_BYTES:
        msg = f"the workbook unpacks to {unpacked / limits.MB:,.0f} MB; the limit is {limits.MAX_UNPACKED_BYTES // limits.MB} MB, so split it into smaller files"
        raise Refused(msg)
    for info in infos:
        if info.file_size > RATIO_FROM and info.file_size > limits.MAX_ZIP_RATIO * max(
            info.compress_size, 1
        ):
            msg = f"the workbook's part {info.filename} grows {info.file_size // max(info.compress_size, 1):,}-fold when unpacked (a zip bomb); spreadsheets never do that"
            raise Refused(msg)
    return archive


def _check_member_count(content: bytes) -> None:
    """The part count from the end-of-directory record, before the directory itself is read."""
    at = content.rfind(_EOCD, max(0, len(content) - 65_557))
    if at < 0 or at + 22 > len(content):
        return  # zipfile says what is wrong with it
    (entries,) = struct.unpack_from("<H", content, at + 10)
    if entries != 0xFFFF and entries > limits.MAX_ZIP_MEMBERS:
        raise Refused(_too_many_parts(entries))


def _too_many_parts(count: int) -> str:
    return f"the workbook has {count:,} parts; a spreadsheet has a few dozen (the limit is {limits.MAX_ZIP_MEMBERS:,})"


@contextmanager
def _damage_named(name: str) -> Iterator[None]:
    """What goes wrong unpacking a part, as a refusal that names it."""
    try:
        yield
    except Refused:
        raise
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, RuntimeError):
        msg = f"the workbook's part {name} is damaged"
        raise Refused(msg) from None
    except Exception as exc:  # noqa: BLE001 - zlib.error and friends
        msg = f"the workbook's part {name} is damaged ({type(exc).__name__})"
        raise Refused(msg) from None


def read_part(archive: zipfile.ZipFile, name: str, *, limit: int) -> bytes:
    """A small part, whole (at most ``limit`` bytes however big it claims to be)."""
    with _damage_named(name), archive.open(name) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        size = f"{limit // limits.MB} MB" if limit >= limits.MB else f"{limit:,} bytes"
        msg = f"the workbook's part {name} is over {size}, far more than a spreadsheet's"
        raise Refused(msg)
    return data


def _chunks(archive: zipfile.ZipFile, name: str) -> Iterator[bytes]:
    """A part's bytes in chunks of about 1 MB, each ending just before a ``<``, so that no
    tag is ever cut in two."""
    with _damage_named(name), archive.open(name) as stream:
        carry = b""
        while chunk := stream.read(CHUNK):
            buffer = carry + chunk if carry else chunk
            cut = buffer.rfind(b"<")  # '<' is never inside a tag, '>' may be
            if cut < 0:
                cut = len(buffer)
            buffer, carry = buffer[:cut], buffer[cut:]
            if len(carry) > MAX_TAG:
                msg = f"the workbook's part {name} has over 1 MB without markup; spreadsheets never do"
                raise Refused(msg)
            yield buffer
        if carry:
            yield carry


# -- small XML parts, with expat ---------------------------------------------------------------------


def _walk_xml(
    stream: Iterator[bytes],
    *,
    part: str,
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None] | None = None,
) -> None:
    """Feed a part to expat (namespaces resolved to ``uri name``). A DTD is refused: no
    spreadsheet has one, and entities are how XML bombs work."""
    parser = expat.ParserCreate(namespace_separator=" ")

    def no_dtd(*_: Any) -> None:
        msg = f"the workbook's part {part} declares a DTD; spreadsheets never do"
        raise Refused(msg)

    parser.StartDoctypeDeclHandler = no_dtd
    parser.EntityDeclHandler = no_dtd
    parser.StartElementHandler = start
    if end is not None:
        parser.EndElementHandler = end
    try:
        for chunk in stream:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        msg = f"the workbook's part {part} is not valid XML ({expat.ErrorString(exc.code)}, line {exc.lineno})"
        raise Refused(msg) from None


# -- .xlsx ---------------------------------------------------------------------------------------------


def xlsx_extents(archive: zipfile.ZipFile) -> list[Extent]:
    """Every worksheet's extent, in workbook order; stops at the first one over a limit."""
    names = set(archive.namelist())
    if "xl/workbook.xml" not in names:
        return []  # .xlsb: binary, measured in the parsing child
    found: list[Extent] = []
    for sheet, parts in _xlsx_sheets(archive, names):
        measured = [_xlsx_part(archive, part, sheet) for part in parts] or [Extent(sheet, 0, 0)]
        found.append(
            Extent(
                sheet,
                max(e.rows for e in measured),
                max(e.columns for e in measured),
                any(e.partial for e in measured),
                measured[0].declared,
            )
        )
        if found[-1].over() or sum(e.cells for e in found) > limits.MAX_CELLS:
            break
    return found


def _xlsx_sheets(archive: zipfile.ZipFile, names: set[str]) -> list[tuple[str, list[str]]]:
    """(sheet name, the parts a reader may take for it) from workbook.xml and its relationships."""
    sheets: list[tuple[str, str]] = []

    def on_sheet(tag: str, attrs: dict[str, str]) -> None:
        if tag == f"{_SPREADSHEETML} sheet":
            sheets.append((attrs.get("name", ""), attrs.get(f"{_RELATIONSHIPS} id", "")))

    _walk_xml(
        iter([read_part(archive, "xl/workbook.xml", limit=MAX_INDEX_PART)]),
        part="xl/workbook.xml",
        start=on_sheet,
    )
    targets: dict[str, str] = {}
    rels = "xl/_rels/workbook.xml.rels"
    if rels in names:

        def on_relationship(tag: str, attrs: dict[str, str]) -> None:
            if tag.endswith(" Relationship") and "Id" in attrs:
                targets[attrs["Id"]] = attrs.get("Target", "")

        _walk_xml(
            iter([read_part(archive, rels, limit=MAX_INDEX_PART)]),
            part=rels,
            start=on_relationship,
        )
    return [(name, _part_names(targets.get(rid, ""), names)) for name, rid in sheets]


def _part_names(target: str, names: set[str]) -> list[str]:
    """Every part a relationship target may mean (readers resolve them differently)."""
    target = target.replace("\\", "/")
    if not target:
        return []
    absolute = target.lstrip("/")
    candidates = {
        absolute,
        posixpath.normpath(absolute),
        f"xl/{target}",
        posixpath.normpath(f"xl/{target}"),
    }
    return sorted(candidate for candidate in candidates if candidate in names)


def _xlsx_part(archive: zipfile.ZipFile, part: str, sheet: str) -> Extent:
    """The declared dimension when it bounds every reference and is within the row and column
    limits (cells are the reader's to add up); otherwise the cells as walked."""
    declared = _quick_extent(archive, part, sheet)
    if declared is not None and not declared.over():
        return declared
    measured = (
        _cell_beyond_limits(archive, part, sheet) if declared is not None else None
    ) or _walked_extent(archive, part, sheet)
    if declared is None:
        return measured
    return dataclasses.replace(measured, declared=declared.declared)


def _quick_extent(archive: zipfile.ZipFile, part: str, sheet: str) -> Extent | None:
    """The declared dimension, if every reference in the part is plain and within it (or at
    once, if it is past the limits); None when only walking the cells can tell."""
    bound: re.Pattern[bytes] | None = None
    declared: Extent | None = None
    for chunk in _chunks(archive, part):
        if bound is None:
            match = _DIMENSION.search(chunk)
            data = _SHEET_DATA.search(chunk)
            if match is None or (data is not None and data.start() < match.start()):
                return None  # no dimension before the cells: walk them
            corner = _corner(match.group(1))
            if corner is None:
                return None
            declared = Extent(sheet, *corner, declared=match.group(1).decode("ascii", "replace"))
            if declared.over():
                return declared  # past the limits: what the cells reach decides, not this
            bound = _beyond(*corner)
        if any(pattern.search(chunk) for pattern in _LOOSE_TAGS) or bound.search(chunk):
            return None
    return declared or Extent(sheet, 0, 0)


def _cell_beyond_limits(archive: zipfile.ZipFile, part: str, sheet: str) -> Extent | None:
    """The first cell with a value whose plain reference is past the limits (one literal
    search a chunk: a sheet that claims to reach row 1,048,576 usually does)."""
    beyond = re.compile(
        rb'<c r="('
        + _beyond_pattern(limits.MAX_SHEET_ROWS, limits.MAX_COLUMNS)
        + rb')"(?=[^>]*(?<!/)>)'
    )
    for chunk in _chunks(archive, part):
        match = beyond.search(chunk)
        if match is not None:
            place = _CELL_REF.fullmatch(match.group(1))
            if place is not None:
                row, column = int(place.group(2)), column_number(place.group(1).decode())
                return Extent(sheet, row, column, partial=True)
    return None


def _corner(ref: bytes) -> tuple[int, int] | None:
    """The far corner (row, column) of a dimension like ``A1:E85001`` (or ``A1``)."""
    match = _CELL_REF.fullmatch(ref.split(b":")[-1].strip())
    if match is None:
        return None
    return int(match.group(2)), column_number(match.group(1).decode().upper())


def _beyond(rows: int, columns: int) -> re.Pattern[bytes]:
    """A reference that is not plain (``A1``, upper case, no ``$``), or past row ``rows`` or
    column ``columns``: one search finds both. It is written as "not a plain reference within
    them", so the common reference fails it on its first alternatives instead of trying each
    way of being beyond (a 100,000-row sheet has half a million references). ``columns`` is
    within the column limit (three letters at most), as it is wherever the dimension is trusted."""
    return re.compile(
        rb' r="(?!'
        + _not_greater(column_letters(columns), "A", "Z").encode()
        + rb'(?=[0-9]{1,7}")0*'
        + _not_greater(str(rows), "0", "9").encode()
        + rb'")'
    )


def _beyond_pattern(rows: int, columns: int) -> bytes:
    letters = column_letters(columns)
    return (
        _greater(letters, "A", "Z").encode()
        + rb"[0-9]*|[A-Z]{0,3}0*"
        + _greater(str(rows), "0", "9").encode()
    )


def _greater(value: str, low: str, high: str) -> str:
    """A regex for the strings of ``low``..``high`` characters (without leading ``low`` for
    digits) that come after ``value`` when shorter sorts first: numbers or column letters."""
    span = f"[{low}-{high}]"
    first = f"[{chr(ord(low) + 1)}-{high}]" if low == "0" else span
    options = [f"{first}{span}{{{len(value)},}}"]
    for at, char in enumerate(value):
        if char < high:
            rest = len(value) - at - 1
            options.append(f"{value[:at]}[{chr(ord(char) + 1)}-{high}]{span}{{{rest}}}")
    return "(?:" + "|".join(options) + ")"


def _not_greater(value: str, low: str, high: str) -> str:
    """A regex for the strings :func:`_greater` does not match: ``value`` itself, the ones of
    its length before it, the shorter ones, and (digits) the empty string, the number 0 once
    leading zeros are taken off."""
    span = f"[{low}-{high}]"
    first = f"[{chr(ord(low) + 1)}-{high}]" if low == "0" else span
    options = [value]
    for at, char in enumerate(value):
        floor = first[1] if at == 0 else low
        if char > floor:
            rest = len(value) - at - 1
            options.append(f"{value[:at]}[{floor}-{chr(ord(char) - 1)}]{span}{{{rest}}}")
    if len(value) > 1:
        options.append(f"{first}{span}{{0,{len(value) - 2}}}")
    options.append("")
    return "(?:" + "|".join(options) + ")"


def _walked_extent(archive: zipfile.ZipFile, part: str, sheet: str) -> Extent:
    """Place every cell as calamine does: a cell or row without a reference follows the one
    before it. Empty cells (``<c .../>``) are not built by readers and do not count. Stops past
    a limit, and refuses a part with more tags than any sheet within the limits has."""
    row = 0  # 1-based row of the current row tag
    column = 0  # 1-based column of the last cell in it
    rows = columns = cells = tags = 0
    most_tags = 4 * limits.MAX_CELLS
    numbers: dict[bytes, int] = {}
    for chunk in _chunks(archive, part):
        found = _TAG.findall(chunk)
        tags += len(found)
        if tags > most_tags:
            msg = f"sheet {sheet} has over {most_tags:,} cells and rows in its XML; a sheet within the limits has far fewer"
            raise Refused(msg)
        for name, letters, digits, rest in found:
            if name == b"row":
                if digits and not letters:
                    row = int(digits)
                else:
                    row = _row_attr(rest, row)
                column = 0
                continue
            if digits and letters:
                row = int(digits)
                column = numbers.get(letters) or numbers.setdefault(
                    letters, column_number(letters.decode())
                )
            else:
                row, column = _cell_attr(rest, max(row, 1), column)
            if rest.endswith(b"/"):
                continue
            cells += 1
            if row > rows:
                rows = row
            if column > columns:
                columns = column
            if rows > limits.MAX_SHEET_ROWS or columns > limits.MAX_COLUMNS:
                return Extent(sheet, rows, columns, partial=True)
            if cells > limits.MAX_CELLS:
                msg = f"sheet {sheet} has more than {limits.MAX_CELLS:,} cells; the limit is {limits.MAX_CELLS:,} cells in all, so split it into smaller files"
                raise Refused(msg)
    return Extent(sheet, rows, columns)


def _row_attr(attrs: bytes, row: int) -> int:
    """A row tag's number from an ``r`` anywhere in it, else the one after ``row``."""
    ref = _R_ATTR.search(attrs)
    number = _ROW_REF.fullmatch(ref.group(2).strip()) if ref else None
    return int(number.group(0)) if number else row + 1


def _cell_attr(attrs: bytes, row: int, column: int) -> tuple[int, int]:
    """A cell's (row, column) from an ``r`` anywhere in it, else the next column along."""
    ref = _R_ATTR.search(attrs)
    place = _CELL_REF.fullmatch(ref.group(2).strip()) if ref else None
    if place is None:
        return row, column + 1
    return int(place.group(2)), column_number(place.group(1).decode().upper())


# -- .ods ------------------------------------------------------------------------------------------------


class _Stop(Exception):
    """A table is over a limit: no need to read further."""


def ods_extents(archive: zipfile.ZipFile) -> list[Extent]:
    """Every table's extent in content.xml, counting repeated rows and cells that hold
    something as readers expand them (empty repeats, which LibreOffice writes out to row
    1,048,576, build nothing)."""
    if "content.xml" not in set(archive.namelist()):
        return []
    walk = _OdsWalk()
    try:
        _walk_xml(
            _chunks(archive, "content.xml"), part="content.xml", start=walk.start, end=walk.end
        )
    except _Stop:
        pass
    return walk.found


class _OdsWalk:
    _TABLE = f"{_ODS_TABLE} table"
    _ROW = f"{_ODS_TABLE} table-row"
    _CELLS = (f"{_ODS_TABLE} table-cell", f"{_ODS_TABLE} covered-table-cell")
    _ROWS_REPEATED = f"{_ODS_TABLE} number-rows-repeated"
    _COLUMNS_REPEATED = f"{_ODS_TABLE} number-columns-repeated"
    _NAME = f"{_ODS_TABLE} name"
    _VALUE_TYPE = f"{_ODS_OFFICE} value-type"

    def __init__(self) -> None:
        self.found: list[Extent] = []
        self.name: str | None = None
        self.row = self.rows = self.columns = 0  # rows done; the extent so far
        self.repeat = 1
        self.column = self.reach = 0  # columns done in this row; its last one with content
        self.cell_span = 1
        self.in_cell = 0  # depth inside a cell (its content)
        self.cell_full = False
        self.elements = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        self.elements += 1
        if self.elements > 4 * limits.MAX_CELLS:
            msg = f"content.xml has over {4 * limits.MAX_CELLS:,} elements; a workbook within the limits has far fewer"
            raise Refused(msg)
        if self.in_cell:
            self.in_cell += 1
            self.cell_full = True  # any element inside a cell is content (text, a note ...)
        elif tag == self._TABLE and self.name is None:
            self.name = attrs.get(self._NAME, f"Sheet{len(self.found) + 1}")
            self.row = self.rows = self.columns = 0
        elif tag == self._ROW:
            self.repeat = _count(attrs.get(self._ROWS_REPEATED))
            self.column = self.reach = 0
        elif tag in self._CELLS:
            self.in_cell = 1
            self.cell_span = _count(attrs.get(self._COLUMNS_REPEATED))
            self.cell_full = self._VALUE_TYPE in attrs

    def end(self, tag: str) -> None:
        if self.in_cell > 1:
            self.in_cell -= 1
            return
        if self.in_cell == 1:
            self.in_cell = 0
            self.column += self.cell_span
            if self.cell_full:
                self.reach = self.column
        elif tag == self._ROW:
            if self.reach:
                self.rows = self.row + self.repeat
                self.columns = max(self.columns, self.reach)
            self.row += self.repeat
            self._check()
        elif tag == self._TABLE and self.name is not None:
            self.found.append(Extent(self.name, self.rows, self.columns))
            self.name = None
            if sum(e.cells for e in self.found) > limits.MAX_CELLS:
                raise _Stop

    def _check(self) -> None:
        extent = Extent(self.name or "", self.rows, self.columns, partial=True)
        if extent.over() or sum(e.cells for e in self.found) + extent.cells > limits.MAX_CELLS:
            self.found.append(extent)
            raise _Stop


def _count(value: str | None) -> int:
    """A repeat count; nonsense counts as 1 (readers ignore it too)."""
    try:
        return max(1, int(value)) if value else 1
    except ValueError:
        return 1


# -- text ------------------------------------------------------------------------------------------------


def text_extent(text: str, *, delimiter: str, name: str) -> Extent:
    """Rows and the widest row of a .csv, read as the reader will read it but without keeping
    any of it; stops once over a limit."""
    rows = columns = 0
    csv.field_size_limit(limits.MAX_FIELD_CHARS)
    try:
        for record in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
            rows += 1
            columns = max(columns, len(record))
            if rows > limits.MAX_SHEET_ROWS or columns > limits.MAX_COLUMNS:
                return Extent(name, rows, columns, partial=True)
    except csv.Error as exc:
        msg = f"the file is not valid CSV: {exc}"
        raise Refused(msg) from None
    return Extent(name, rows, columns)


# -- column letters ---------------------------------------------------------------------------------------


def column_number(letters: str) -> int:
    """``A`` -> 1, ``Z`` -> 26, ``AA`` -> 27, ``XFD`` -> 16,384."""
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def column_letters(number: int) -> str:
    """1 -> ``A``, 27 -> ``AA`` (0 -> ``A``: an empty sheet's column)."""
    letters = ""
    number = max(number, 1)
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters
