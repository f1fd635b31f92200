"""The ``csv`` provider: spreadsheet uploads, listed beside the connected providers.

Its accounts do not come from an API a sync can read: they arrive as uploaded files
(``rosterhub import``, the HTTP API, chat) and are applied by the hub's upload service (``hub.uploads``). The
provider exists so ``rosterhub plugins`` and the API list spreadsheets as a way in, and so an
integration made with it syncs to nothing instead of failing.
"""

from __future__ import annotations

from collections.abc import Iterator

from hub.provider import CheckResult, Provider, Source
from hub.roster import Item


class CsvProvider(Provider):
    name = "csv"
    title = "Spreadsheet upload"

    def check(self) -> CheckResult:
        return CheckResult(
            ok=True,
            message=(
                "Spreadsheet uploads need no connection: send the accounts file with "
                "`rosterhub import`, the HTTP API or chat (template: `rosterhub template`)."
            ),
        )

    def sources(self) -> list[Source]:
        return []

    def fetch(self) -> Iterator[Item]:
        """Nothing to read: uploaded accounts are applied when the file arrives."""
        return iter(())
