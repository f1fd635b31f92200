"""The ``rosterhub`` command line (console script ``rosterhub = hub.cli:main``).

One module per command group; :mod:`hub.cli.app` holds the root command and the mapping from
errors to exit codes, :mod:`hub.cli.output` how results are printed. A command's module is
imported when the command is named (:func:`load_commands`), so ``rosterhub rooms import``
starts without the run queue, the HTTP server or the provider clients; naming any other
command, or asking for help, imports them all.
"""

from __future__ import annotations

import gc
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


def _collect_from_here(name: str | None) -> None:
    """After the command's imports: what start-up built (modules, classes, the command tree)
    lives as long as the process, so collections stop scanning it, and collecting resumes."""
    del name
    gc.freeze()
    gc.enable()


def main() -> None:
    # Start-up only builds long-lived objects (hundreds of thousands of them: every module and
    # class the command imports); a cyclic collection during it finds no garbage, and each
    # full one would walk them all again. Collecting resumes once the command is imported.
    gc.disable()
    if _collect_from_here not in _started:
        _started.append(_collect_from_here)
        load_commands_with(_collect_from_here)
    app(prog_name="rosterhub")


_started: list[object] = []


__all__ = ["app", "load_commands", "main"]
