"""The accounts template (``rosterhub template``, ``GET /api/v1/template.xlsx``).

Every column is formatted as Text so Excel keeps what people type: a password like
``00123456`` keeps its zeros and ``3-4`` does not become a date, and every value is a string
cell, never a formula. The bytes are the same on every call (fixed document dates), so the file
can be cached, compared and committed.
"""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

import xlsxwriter

from hub.cells import looks_like_formula
from plugins.csv.layout import (
    ADDITIONAL_SCHOOLS,
    COLUMNS,
    EMAIL,
    FIRST_NAME,
    INSTRUCTIONS,
    LAST_NAME,
    PASSWORD,
    SHEETS,
)

_WIDTHS = {EMAIL: 34, FIRST_NAME: 18, LAST_NAME: 18, PASSWORD: 18, ADDITIONAL_SCHOOLS: 40}
_FIXED_DATE = datetime(2024, 1, 1)

INSTRUCTION_LINES: tuple[str, ...] = (
    "How to fill in this workbook",
    "",
    "Put each person on one row of the sheet for their role: Student, Teacher or Admin.",
    "Admins are teachers too; list them once, on the Admin sheet.",
    "Email, First Name and Last Name are required. Each email may appear only once in the file.",
    "Password is optional. Leave it blank and a new account gets a generated password, returned "
    "once in a credentials file; an existing account keeps its password.",
    "A password must be at least 8 characters, must not start or end with a space, and must not "
    "be the email address.",
    "Additional Schools is optional: the exact names of other schools the person also belongs "
    "to, separated by ';'.",
    "Keep the header row as it is. Other columns are ignored.",
    "Uploading adds and updates accounts. People missing from the file are not removed.",
    "A file with any error is rejected whole, with the sheet, row and column of each error; "
    "fix them and send it again.",
)


def write_template(path: str | Path) -> Path:
    """Write the template to ``path`` and return it."""
    target = Path(path)
    target.write_bytes(template_bytes())
    return target


def template_bytes() -> bytes:
    return build_workbook(())


def build_workbook(rows: tuple[tuple[str, tuple[str, ...]], ...]) -> bytes:
    """The template with ``rows`` filled in: ``(sheet, (email, first, last, password,
    schools))`` pairs. Used for the template itself and for the demo's sample file."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    workbook.set_properties(
        {
            "title": "rosterhub accounts",
            "author": "rosterhub",
            "created": _FIXED_DATE,
        }
    )
    workbook.set_custom_property("rosterhub_template", "1")
    # Built-in number format 49 is "@" (Text), the one Excel itself applies for "Text".
    text = workbook.add_format({"num_format": 49})
    # A typed string cell is never evaluated; the quote prefix keeps one that looks like a
    # formula text even after someone edits it (Excel's own leading apostrophe).
    quoted = workbook.add_format({"num_format": 49, "quote_prefix": True})
    header = workbook.add_format({"num_format": 49, "bold": True, "bg_color": "#DDEBF7"})
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    title = workbook.add_format({"bold": True, "font_size": 14})

    guide = workbook.add_worksheet(INSTRUCTIONS)
    guide.set_column(0, 0, 100, wrap)
    for number, line in enumerate(INSTRUCTION_LINES):
        guide.write_string(number, 0, line, title if number == 0 else wrap)

    for sheet_name in SHEETS:
        sheet = workbook.add_worksheet(sheet_name)
        for position, column in enumerate(COLUMNS):
            sheet.set_column(position, position, _WIDTHS[column], text)
            sheet.write_string(0, position, column, header)
        sheet.freeze_panes(1, 0)
        number = 1
        for target, values in rows:
            if target != sheet_name:
                continue
            for position, value in enumerate(values):
                if value:
                    cell = quoted if looks_like_formula(value) else text
                    sheet.write_string(number, position, value, cell)
            number += 1
    workbook.get_worksheet_by_name("Student").activate()
    workbook.close()
    return buffer.getvalue()
