"""The rooms import template (``rosterhub rooms template``, the console's "Download template",
``GET /api/v1/rooms/template.xlsx``): a Rooms sheet with the import's columns, formatted as
Text so room numbers like ``007`` keep their zeros, an example row, and an Instructions sheet.
The bytes are the same on every call (a fixed document date)."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from hub.cells import looks_like_formula
from hub.rooms import rules
from hub.rooms.imports import COLUMNS

SHEET = "Rooms"
INSTRUCTIONS = "Instructions"
_FIXED_DATE = datetime(2024, 1, 1)
_WIDTHS = (18, 14, 40, 20, 12, 14, 14, 26)
EXAMPLE = ("Cafeteria", "C100", "", "", "10", "Both", "40", "Yes")
LINES = (
    "How to fill in this workbook",
    "",
    "One room per row on the Rooms sheet. Keep the header row as it is.",
    f"Room Name (required): at most {rules.NAME_MAX} characters, each name once in the school "
    "(case is ignored). A row naming an existing room updates that room.",
    f"Room Number (required): up to {rules.NUMBER_MAX} letters or digits.",
    "Teachers in Room: emails of active teacher or admin accounts of the school, separated by "
    "';'. Leave it blank for restrooms and other unstaffed places.",
    "Folder (optional): the folder's name; a folder that does not exist yet is created.",
    f"Time Limit (optional): minutes, {rules.TIME_MIN} to {rules.TIME_MAX} (5 when blank for a "
    "new room).",
    "Travel Type (optional): Round Trip, One Way or Both (Round Trip when blank).",
    "Max Capacity (optional): the most active passes to the room at once.",
    "Counts Toward Pass Limits (optional): Yes or No (Yes when blank).",
    "For an existing room, a blank optional cell leaves that setting as it is.",
    "A file with any error is rejected whole, with the sheet, row and column of each error.",
)


def template_bytes(rows: tuple[tuple[str, ...], ...] = (EXAMPLE,)) -> bytes:
    """The template, with ``rows`` under the header (the example row by default)."""
    import xlsxwriter  # loaded when a template is written, not by every rooms command

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    book.set_properties({"title": "rosterhub rooms", "author": "rosterhub", "created": _FIXED_DATE})
    text = book.add_format({"num_format": 49})
    quoted = book.add_format({"num_format": 49, "quote_prefix": True})
    header = book.add_format({"num_format": 49, "bold": True, "bg_color": "#DDEBF7"})
    sheet = book.add_worksheet(SHEET)
    for position, column in enumerate(COLUMNS):
        sheet.set_column(position, position, _WIDTHS[position], text)
        sheet.write_string(0, position, column, header)
    sheet.freeze_panes(1, 0)
    for number, values in enumerate(rows, start=1):
        for position, value in enumerate(values):
            if value:
                sheet.write_string(
                    number, position, value, quoted if looks_like_formula(value) else text
                )
    guide = book.add_worksheet(INSTRUCTIONS)
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    guide.set_column(0, 0, 100, wrap)
    for number, line in enumerate(LINES):
        guide.write_string(number, 0, line, wrap)
    sheet.activate()
    book.close()
    return buffer.getvalue()


def write_template(path: str | Path) -> Path:
    target = Path(path)
    target.write_bytes(template_bytes())
    return target
