"""The spreadsheet upload format: what the hub's upload service (``hub.uploads``) calls to read
an accounts file, registered through the ``rosterhub_register_upload_formats`` hook.

Reading is :mod:`plugins.csv.reader` (every spreadsheet parse in the confined child process of
:mod:`plugins.csv.confined`), the rules :mod:`plugins.csv.validate`, the template
:mod:`plugins.csv.template`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from hub.formats import sample_file
from plugins.csv.sniff import source_name
from plugins.csv.validation import Validation, read_ahead, validate_file

SAMPLE = "demo-accounts.xlsx"


class SpreadsheetFormat:
    """.xlsx, .xls, .ods and .csv accounts files, in the template's layout."""

    name = "spreadsheet"

    # Reading and the rules run in the parse child (:mod:`plugins.csv.validation`), so this
    # process never loads pandas; the template is imported on first use.

    def validate(
        self, content: bytes, *, filename: str, schools: Iterable[str], only_these: bool
    ) -> Validation:
        return validate_file(content, filename=filename, schools=schools, only_these=only_these)

    def label(self, content: bytes, filename: str) -> str:
        return source_name(content, filename)

    def template(self) -> bytes:
        from plugins.csv.template import template_bytes

        return template_bytes()

    def sample(self) -> tuple[str, bytes] | None:
        return sample_file(Path(__file__).resolve().parent / "sample", SAMPLE)

    def read_ahead(self, content: bytes, filename: str) -> None:
        read_ahead(content, filename=filename)
