"""The spreadsheet plugin: accounts from an uploaded .xlsx, .xls, .ods or .csv file.

Registered through the ``rosterhub`` entry-point group like any other provider. The provider
itself reads nothing (:mod:`plugins.csv.provider`); the work is in :mod:`plugins.csv.reader`
(any spreadsheet into text tables), :mod:`plugins.csv.validate` (the rules),
:mod:`plugins.csv.uploads` (preview, apply, confirm) and :mod:`plugins.csv.template`.
"""

from __future__ import annotations

from hub import hookimpl
from hub.provider import Provider
from plugins.csv.provider import CsvProvider

__all__ = ["CsvProvider", "rosterhub_register_providers"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [CsvProvider]
