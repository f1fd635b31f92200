"""The spreadsheet plugin: accounts from an uploaded .xlsx, .xls, .ods or .csv file.

Registered through the ``rosterhub`` entry-point group like any other provider. The provider
itself reads nothing (:mod:`plugins.csv.provider`); the file reading is the upload format
(:mod:`plugins.csv.upload_format`: :mod:`plugins.csv.reader`, any spreadsheet into text tables,
with :mod:`plugins.csv.table` for one table, :mod:`plugins.csv.encoding` for a CSV's character
set and :mod:`plugins.csv.mangled` for cells a spreadsheet rewrote; and
:mod:`plugins.csv.validate`, the rules) and the template (:mod:`plugins.csv.template`).
The upload lifecycle (preview, confirm, apply) is the hub's own service, ``hub.uploads``.
:mod:`plugins.csv.tables` reads any spreadsheet into plain rows, with the same checks and the
same confined parse, for the hub's ``rosterhub_read_tables`` hook (the rooms import).
"""

from __future__ import annotations

from hub import hookimpl
from hub.formats import UploadFormat
from hub.provider import Provider
from hub.tables import Tables
from plugins.csv.provider import CsvProvider
from plugins.csv.tables import read_tables
from plugins.csv.upload_format import SpreadsheetFormat

__all__ = [
    "CsvProvider",
    "rosterhub_read_tables",
    "rosterhub_register_providers",
    "rosterhub_register_upload_formats",
]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [CsvProvider]


@hookimpl
def rosterhub_register_upload_formats() -> list[UploadFormat]:
    return [SpreadsheetFormat()]


@hookimpl
def rosterhub_read_tables(content: bytes, filename: str) -> Tables:
    """Any spreadsheet as text tables, through the same guards and parse child as uploads
    (:mod:`plugins.csv.tables` loads no pandas)."""
    return read_tables(content, filename=filename)
