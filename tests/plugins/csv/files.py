"""Small factories for upload fixtures: real .xlsx (xlsxwriter), .xls (xlwt), .ods (pandas on
odfpy) and CSV bytes, built the way the programs people use would save them."""

from __future__ import annotations

import io
from collections.abc import Collection, Sequence
from datetime import datetime

import pandas as pd
import xlsxwriter
import xlwt

HEADER = ["Email", "First Name", "Last Name", "Password", "Additional Schools"]
CSV_HEADER = ["Email", "First Name", "Last Name", "Password", "Role", "Additional Schools"]

Cell = str | int | float | bool | datetime | None
Rows = Sequence[Sequence[Cell]]


def xlsx(
    sheets: dict[str, Rows],
    *,
    hidden: Collection[str] = (),
    very_hidden: Collection[str] = (),
    formats: dict[int, str] | None = None,
) -> bytes:
    """A workbook; str cells are written as text (never as formulas), numbers as numbers.
    ``hidden``/``very_hidden`` name sheets to hide; ``formats`` gives columns (by position) a
    number format, as a person formatting a column would (``"0.00E+00"``, ``"mm/dd/yy"``)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    shown = {c: book.add_format({"num_format": f}) for c, f in (formats or {}).items()}
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for c, cell_format in shown.items():
            sheet.set_column(c, c, 14, cell_format)
        if name in hidden:
            sheet.hide()
        if name in very_hidden:
            sheet.very_hidden()
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, str):
                    sheet.write_string(r, c, value)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, shown.get(c, dates))
                else:
                    sheet.write_number(r, c, value, shown.get(c))
    book.close()
    return buffer.getvalue()


def xls(sheets: dict[str, Rows], *, hidden: Collection[str] = ()) -> bytes:
    book = xlwt.Workbook()
    for name, rows in sheets.items():
        sheet = book.add_sheet(name)
        if name in hidden:
            sheet.visibility = 1  # the BOUNDSHEET record's "hidden"
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods(sheets: dict[str, Rows], *, hidden: Collection[str] = ()) -> bytes:
    """An OpenDocument spreadsheet; ``hidden`` sheets get a table style with
    ``table:display="false"``, as LibreOffice writes a hidden sheet."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="odf") as writer:
        for name, rows in sheets.items():
            frame = pd.DataFrame([list(row) for row in rows], dtype=object)
            frame.to_excel(writer, sheet_name=name, header=False, index=False)
    if not hidden:
        return buffer.getvalue()
    from odf.opendocument import load
    from odf.style import Style, TableProperties
    from odf.table import Table

    document = load(io.BytesIO(buffer.getvalue()))
    style = Style(name="HiddenSheet", family="table")
    style.addElement(TableProperties(display="false"))
    document.automaticstyles.addElement(style)
    for table in document.spreadsheet.getElementsByType(Table):
        if table.getAttribute("name") in hidden:
            table.setAttribute("stylename", style)
    result = io.BytesIO()
    document.save(result)
    return result.getvalue()


def csv_bytes(
    rows: Rows,
    *,
    bom: bool = False,
    encoding: str = "utf-8",
    delimiter: str = ",",
    lineterminator: str = "\r\n",
) -> bytes:
    """CSV as text editors and Excel write it (quotes only where needed, CRLF; Excel's
    "CSV (Macintosh)" is ``encoding="mac_roman"`` with ``lineterminator="\\r"``)."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator=lineterminator)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_with_escapes(sheets: dict[str, Rows]) -> bytes:
    """A workbook whose text keeps Excel's ``_xHHHH_`` escapes as written (``A_x0000_B`` is
    ``A``, NUL, ``B`` to a reader), as other programs save them; xlsxwriter would escape them."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx(sheets)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/sharedStrings.xml":
                data = data.replace(b"_x005F_x", b"_x")
            target.writestr(name, data)
    return buffer.getvalue()
