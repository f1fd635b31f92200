"""The spreadsheet plugin: accounts from an uploaded .xlsx, .xls, .ods or .csv file.

Registered through the ``rosterhub`` entry-point group like any other provider. The provider
itself reads nothing (:mod:`plugins.csv.provider`); the work is in :mod:`plugins.csv.reader`
(any accounts spreadsheet into text tables), :mod:`plugins.csv.tables` (any spreadsheet
into plain rows, for the hub's ``rosterhub_read_tables`` hook), :mod:`plugins.csv.validate` (the rules),
:mod:`plugins.csv.uploads` (preview, apply, confirm) and :mod:`plugins.csv.template`.
"""

from __future__ import annotations

from hub import hookimpl
from hub.provider import Provider
from hub.tables import Tables
from plugins.csv.provider import CsvProvider
from plugins.csv.tables import read_tables

__all__ = ["CsvProvider", "rosterhub_read_tables", "rosterhub_register_providers"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [CsvProvider]


@hookimpl
def rosterhub_read_tables(content: bytes, filename: str) -> Tables:
    """Any spreadsheet as text tables, through the same guards and parse child as uploads."""
    return read_tables(content, filename=filename)
