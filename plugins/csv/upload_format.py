"""The spreadsheet upload format: what the hub's upload service (``hub.uploads``) calls to read
an accounts file, registered through the ``rosterhub_register_upload_formats`` hook.

Reading is :mod:`plugins.csv.reader` (every spreadsheet parse in the confined child process of
:mod:`plugins.csv.confined`), the rules :mod:`plugins.csv.validate`, the template
:mod:`plugins.csv.template`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from hub.formats import sample_file
from plugins.csv import confined

if TYPE_CHECKING:
    from plugins.csv.validate import Validation

SAMPLE = "demo-accounts.xlsx"


class SpreadsheetFormat:
    """.xlsx, .xls, .ods and .csv accounts files, in the template's layout."""

    name = "spreadsheet"

    # The reader, the rules and the template are imported on first use, not with this module:
    # they load pandas, and ``warm_up`` must start the parse child before that import, so the
    # two overlap (what ``rosterhub import`` does first).

    def validate(
        self, content: bytes, *, filename: str, schools: Iterable[str], only_these: bool
    ) -> Validation:
        from plugins.csv.validate import validate_file

        return validate_file(content, filename=filename, schools=schools, only_these=only_these)

    def label(self, content: bytes, filename: str) -> str:
        from plugins.csv.reader import source_name

        return source_name(content, filename)

    def template(self) -> bytes:
        from plugins.csv.template import template_bytes

        return template_bytes()

    def sample(self) -> tuple[str, bytes] | None:
        return sample_file(Path(__file__).resolve().parent / "sample", SAMPLE)

    def warm_up(self) -> None:
        confined.warm_up()
