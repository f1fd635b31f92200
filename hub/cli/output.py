"""How every command speaks.

With ``--json`` stdout carries exactly one JSON document, so scripts can pipe it; everything
meant for a person (progress, notes, errors) goes to stderr. Without ``--json`` results are
small rich tables on stdout (rich is loaded the first time something is rendered for a
person, so a ``--json`` command starts without it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

OK = 0
FAILED = 1
USAGE = 2
HELD = 3
REJECTED = 4

JsonFlag = Annotated[
    bool,
    typer.Option(
        "--json", help="Print exactly one JSON document on stdout; messages go to stderr."
    ),
]


#: Set by the root command for one invocation when ``--json`` is anywhere on the command line,
#: so ``rosterhub --json school list`` means ``rosterhub school list --json``.
JSON_REQUESTED: ContextVar[bool] = ContextVar("rosterhub_json", default=False)


def stdout_console() -> Console:
    # Made per call: the test runner swaps sys.stdout between invocations. Piped into a file
    # or a pager, tables keep their natural width instead of wrapping at 80 columns.
    from rich.console import Console

    wide = None if sys.stdout.isatty() else 200
    return Console(file=sys.stdout, highlight=False, width=wide)


def stderr_console() -> Console:
    from rich.console import Console

    return Console(file=sys.stderr, highlight=False)


def print_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def emit(document: Any, *, json_mode: bool, human: Callable[[Console], None]) -> None:
    """The one place a command's result leaves: JSON, or the human rendering."""
    if json_mode or JSON_REQUESTED.get():
        print_json(document)
    else:
        human(stdout_console())


def escape(text: str) -> str:
    """``text`` shown as it is, never read as rich markup."""
    from rich.markup import escape as rich_escape

    return rich_escape(text)


def note(message: str) -> None:
    """A line for the person at the terminal (stderr, so --json output stays clean)."""
    stderr_console().print(escape(message), style="dim")


def warn(message: str) -> None:
    stderr_console().print(escape(message), style="yellow")


def one_line(message: str) -> str:
    """Errors are promised as one line; provider messages sometimes are not."""
    return " ".join(str(message).split()) or "unknown error"


def report_error(message: str, *, json_mode: bool) -> None:
    message = one_line(message)
    if json_mode:
        print_json({"error": message})
    else:
        stderr_console().print(f"error: {escape(message)}", style="bold red")


#: Cells people copy into the next command stay on one line; the rest may wrap on a narrow
#: terminal.
NO_WRAP = frozenset({"id", "email", "status", "integration", "school"})


def table(title: str | None, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> Table:
    from rich.table import Table

    out = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        out.add_column(column, overflow="fold", no_wrap=column in NO_WRAP)
    for row in rows:
        out.add_row(*(escape(_cell(value)) for value in row))
    return out


def short_time(value: str | None) -> str:
    """``2025-09-02T03:00:04.123456Z`` -> ``2025-09-02 03:00:04Z`` for tables."""
    if not value:
        return "-"
    date, _, time = value.partition("T")
    return f"{date} {time[:8]}Z" if time else value


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value) or "-"
    return str(value)
