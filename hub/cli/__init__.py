"""The ``rosterhub`` command line (console script ``rosterhub = hub.cli:main``).

One module per command group; :mod:`hub.cli.app` holds the root command and the mapping from
errors to exit codes, :mod:`hub.cli.output` how results are printed.
"""

from __future__ import annotations

# Each module registers its commands on the root app when imported.
from hub.cli import (  # noqa: F401
    accounts,
    admin,
    explain,
    integrations,
    runs,
    schools,
    service,
    staff,
)
from hub.cli.app import app


def main() -> None:
    app(prog_name="rosterhub")


__all__ = ["app", "main"]
