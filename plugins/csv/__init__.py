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

from typing import TYPE_CHECKING

from hub import hookimpl

if TYPE_CHECKING:
    from hub.formats import UploadFormat
    from hub.provider import Provider
    from hub.tables import Tables

# The hooks import what they return when called, not with this package: the parse child's
# forkserver imports the reader and the rules (``plugins.csv.*``), and so this package, and
# it needs neither the provider contract (pydantic) nor the table reader.

__all__ = [
    "rosterhub_read_tables",
    "rosterhub_register_providers",
    "rosterhub_register_upload_formats",
]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    from plugins.csv.provider import CsvProvider

    return [CsvProvider]


@hookimpl
def rosterhub_register_upload_formats() -> list[UploadFormat]:
    from plugins.csv.upload_format import SpreadsheetFormat

    return [SpreadsheetFormat()]


@hookimpl
def rosterhub_read_tables(content: bytes, filename: str) -> Tables:
    """Any spreadsheet as text tables, through the same guards and parse child as uploads
    (:mod:`plugins.csv.tables` loads no pandas)."""
    from plugins.csv.tables import read_tables

    return read_tables(content, filename=filename)


def __getattr__(name: str) -> object:
    """``from plugins.csv import CsvProvider`` still works, importing it on first use."""
    if name == "CsvProvider":
        from plugins.csv.provider import CsvProvider

        return CsvProvider
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
