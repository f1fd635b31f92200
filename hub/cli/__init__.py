"""The ``rosterhub`` command line (console script ``rosterhub = hub.cli:main``).

One module per command group; :mod:`hub.cli.app` holds the root command and the mapping from
errors to exit codes, :mod:`hub.cli.output` how results are printed. A command's module is
imported when the command is named (:func:`load_commands`), so ``rosterhub rooms import``
starts without the run queue, the HTTP server or the provider clients; naming any other
command, or asking for help, imports them all.
"""

from __future__ import annotations

import importlib

from hub.cli.app import app, load_commands_with

MODULES = (
    "accounts",
    "admin",
    "explain",
    "districts",
    "integrations",
    "rooms",
    "runs",
    "schools",
    "service",
    "staff",
)
"""Every command module; each registers its commands on the root app when imported."""
ON_THEIR_OWN = {"rooms": "rooms", "import": "accounts"}
"""Commands whose module needs no other (the rest share helpers across modules)."""


def load_commands(name: str | None = None) -> None:
    """Import the module registering command ``name`` (every module when None or unknown)."""
    wanted = [ON_THEIR_OWN[name]] if name in ON_THEIR_OWN else MODULES
    for module in wanted:
        importlib.import_module(f"hub.cli.{module}")


load_commands_with(load_commands)


def main() -> None:
    app(prog_name="rosterhub")


__all__ = ["app", "load_commands", "main"]
