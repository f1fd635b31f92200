"""The spreadsheet plugin: accounts from an uploaded .xlsx, .xls, .ods or .csv file.

Registered through the ``rosterhub`` entry-point group like any other provider. The provider
itself reads nothing (:mod:`plugins.csv.provider`); the file reading is the upload format
(:mod:`plugins.csv.upload_format`: :mod:`plugins.csv.reader`, any spreadsheet into text tables,
and :mod:`plugins.csv.validate`, the rules) and the template (:mod:`plugins.csv.template`).
The upload lifecycle (preview, confirm, apply) is the hub's own service, ``hub.uploads``.
"""

from __future__ import annotations

from hub import hookimpl
from hub.formats import UploadFormat
from hub.provider import Provider
from plugins.csv.provider import CsvProvider

__all__ = ["CsvProvider", "rosterhub_register_providers", "rosterhub_register_upload_formats"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [CsvProvider]


@hookimpl
def rosterhub_register_upload_formats() -> list[UploadFormat]:
    # Imported here: the reader loads pandas, and most commands never read a file. Keep the
    # plugin module cheap to import (docs: hub.hookspecs).
    from plugins.csv.upload_format import SpreadsheetFormat

    return [SpreadsheetFormat()]
