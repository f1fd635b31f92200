"""Crafted uploads that have taken spreadsheet readers down: huge extents, a million rows, zip
bombs, DTDs and plain damage. Built by hand (a zip of XML parts) so each one is exactly the trap
it names, small, and made in well under a second (the million-row sheet is cached)."""

from __future__ import annotations

import functools
import io
import zipfile
from collections.abc import Callable, Iterable

from tests.plugins.csv.files import csv_bytes

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
HEADER_CELLS = '<c r="A1" t="inlineStr"><is><t>Email</t></is></c><c r="B1" t="inlineStr"><is><t>First Name</t></is></c><c r="C1" t="inlineStr"><is><t>Last Name</t></is></c>'

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)


def xlsx_parts(
    sheets: dict[str, str | bytes], *, extra: dict[str, bytes] | None = None, level: int = 6
) -> bytes:
    """An .xlsx whose sheets are the given worksheet XML (``<worksheet>`` added when missing)."""
    workbook = (
        f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
        + "".join(
            f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>'
            for n, name in enumerate(sheets, 1)
        )
        + "</sheets></workbook>"
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        + "".join(
            f'<Relationship Id="rId{n}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet{n}.xml"/>'
            for n in range(1, len(sheets) + 1)
        )
        + "</Relationships>"
    )
    parts: dict[str, bytes] = {
        "[Content_Types].xml": _CONTENT_TYPES.encode(),
        "_rels/.rels": _ROOT_RELS.encode(),
        "xl/workbook.xml": workbook.encode(),
        "xl/_rels/workbook.xml.rels": rels.encode(),
    }
    for n, xml in enumerate(sheets.values(), 1):
        data = xml.encode() if isinstance(xml, str) else xml
        if b"<worksheet" not in data[:300]:
            data = (
                f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
                + data
                + b"</worksheet>"
            )
        parts[f"xl/worksheets/sheet{n}.xml"] = data
    parts.update(extra or {})
    return zipped(parts, level=level)


def zipped(parts: dict[str, bytes], *, level: int = 6, stored: Iterable[str] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in parts.items():
            method = zipfile.ZIP_STORED if name in stored else zipfile.ZIP_DEFLATED
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=method, compresslevel=level)
    return buffer.getvalue()


def sheet_data(rows: str, *, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f"{dim}<sheetData>{rows}</sheetData>"


def huge_extent_xlsx() -> bytes:
    """Cells at A1 and XFD1048576: calamine asks for 512 GB and aborts the process."""
    return xlsx_parts(
        {
            "Student": sheet_data(
                f'<row r="1">{HEADER_CELLS}</row><row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>',
                dimension="A1:XFD1048576",
            )
        }
    )


def far_cell_xlsx() -> bytes:
    """One cell, at C1048576: a million empty rows built (10 s, 290 MB) to read one value."""
    return xlsx_parts(
        {
            "Student": sheet_data(
                '<row r="1048576"><c r="C1048576" t="inlineStr"><is><t>x</t></is></c></row>',
                dimension="C1048576",
            )
        }
    )


@functools.cache
def million_rows_xlsx() -> bytes:
    """A real sheet of 1,048,576 rows (about 3 MB): every row a person, as the original reader
    parsed it whole (800 MB) before it counted them."""
    rows = "".join(
        f'<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>p{n}@example.org</t></is></c></row>'
        for n in range(2, 1_048_577)
    )
    return xlsx_parts(
        {"Student": sheet_data(f'<row r="1">{HEADER_CELLS}</row>{rows}', dimension="A1:C1048576")},
        level=1,
    )


def shared_strings_bomb_xlsx() -> bytes:
    """40 MB of shared strings packed into a few kilobytes (every reader loads them all)."""
    strings = b"<si><t>aaaaaaaaaaaaaaaaaaaa</t></si>" * 1_200_000
    sst = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}" count="1200000" uniqueCount="1200000">'.encode()
        + strings
        + b"</sst>"
    )
    return xlsx_parts(
        {"Student": sheet_data(f'<row r="1">{HEADER_CELLS}</row>', dimension="A1:C1")},
        extra={"xl/sharedStrings.xml": sst},
        level=9,
    )


def rows_without_references_xlsx(count: int = 300_000) -> bytes:
    """Rows and cells with no ``r`` at all: readers place each after the one before, so the
    sheet reaches row 300,001 although no reference says so."""
    rows = "".join(
        f'<row><c t="inlineStr"><is><t>p{n}@example.org</t></is></c></row>' for n in range(count)
    )
    return xlsx_parts({"Student": sheet_data(f'<row r="1">{HEADER_CELLS}</row>{rows}')})


def wide_row_xlsx(columns: int = 20_000) -> bytes:
    """One row of 20,000 cells without references (column ADUL and beyond)."""
    cells = '<c t="inlineStr"><is><t>x</t></is></c>' * columns
    return xlsx_parts({"Student": sheet_data(f"<row>{cells}</row>")})


ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_ODS_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    "<office:body><office:spreadsheet>"
)
_ODS_TAIL = "</office:spreadsheet></office:body></office:document-content>"


def ods_parts(content: str | bytes) -> bytes:
    body = content.encode() if isinstance(content, str) else content
    return zipped(
        {
            "mimetype": ODS_MIMETYPE,
            "META-INF/manifest.xml": b'<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"/>',
            "content.xml": body,
        },
        stored=("mimetype",),
    )


def ods_cell(text: str, repeat: int = 1) -> str:
    span = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-cell office:value-type="string"{span}><text:p>{text}</text:p></table:table-cell>'


def ods_table(name: str, rows: str) -> str:
    return f'{_ODS_HEAD}<table:table table:name="{name}">{rows}</table:table>{_ODS_TAIL}'


ODS_HEADER_ROW = (
    "<table:table-row>"
    + "".join(ods_cell(h) for h in ("Email", "First Name", "Last Name"))
    + "</table:table-row>"
)


def repeated_rows_ods() -> bytes:
    """One row of content repeated a million times: readers expand every copy."""
    return ods_parts(
        ods_table(
            "Student",
            ODS_HEADER_ROW
            + f'<table:table-row table:number-rows-repeated="1000000">{ods_cell("x")}</table:table-row>',
        )
    )


def xml_bomb_ods() -> bytes:
    """The billion laughs: entities that expand to gigabytes."""
    entities = '<!ENTITY a0 "ha">' + "".join(
        f'<!ENTITY a{n} "{("&a" + str(n - 1) + ";") * 10}">' for n in range(1, 10)
    )
    return ods_parts(
        f'<?xml version="1.0"?><!DOCTYPE office:document-content [{entities}]>'
        + _ODS_HEAD[len('<?xml version="1.0" encoding="UTF-8"?>') :]
        + '<table:table table:name="Student"><table:table-row><table:table-cell office:value-type="string"><text:p>&a9;</text:p></table:table-cell></table:table-row></table:table>'
        + _ODS_TAIL
    )


def broken_ods() -> bytes:
    """content.xml cut off in the middle of a tag."""
    return ods_parts(ods_table("Student", ODS_HEADER_ROW)[:-60] + "<table:table-ro")


def broken_xls() -> bytes:
    """An OLE2 compound file header followed by noise."""
    return bytes.fromhex("d0cf11e0a1b11ae1") + bytes(range(256)) * 64


def many_rows_csv(rows: int = 300_000) -> bytes:
    return b"Email,First Name,Last Name,Role\r\n" + b"".join(
        b"p%d@example.org,P,Q,student\r\n" % n for n in range(rows)
    )


def wide_csv(columns: int = 5_000) -> bytes:
    return csv_bytes([["Email", "First Name", "Last Name", "Role"], ["x"] * columns])


def malformed_csv() -> bytes:
    """A quoted field that never ends and grows past what any cell holds."""
    return b'Email,First Name,Last Name,Role\r\n"' + b"a" * 1_200_000


#: Every crafted file by the name it is sent under: how to build it, and a phrase its refusal
#: must contain.
HOSTILE: dict[str, tuple[Callable[[], bytes], str]] = {
    "huge-extent.xlsx": (huge_extent_xlsx, "reaches row 1,048,576 / column XFD"),
    "far-cell.xlsx": (far_cell_xlsx, "reaches row 1,048,576 / column C"),
    "million-rows.xlsx": (
        million_rows_xlsx,
        "row 201,001 / column A or further (its dimension says A1:C1048576)",
    ),
    "shared-strings-bomb.xlsx": (shared_strings_bomb_xlsx, "zip bomb"),
    "repeated-rows.ods": (repeated_rows_ods, "reaches row 1,000,001"),
    "xml-bomb.ods": (xml_bomb_ods, "DTD"),
    "broken.ods": (broken_ods, "not valid XML"),
    "broken.xls": (broken_xls, "could not be read as an .xls workbook"),
    "many-rows.csv": (many_rows_csv, "reaches row 201,001"),
    "malformed.csv": (malformed_csv, "not valid CSV"),
}


def hostile_files() -> list[tuple[str, bytes, str]]:
    """(file name, content, what its refusal says) for every crafted file."""
    return [(name, build(), phrase) for name, (build, phrase) in HOSTILE.items()]
