"""The root ``rosterhub`` command and the one place errors become exit codes.

Commands raise :class:`hub.errors.HubError` (or let click raise a usage error); the group's
``main`` turns that into the documented exit code and a one-line message: JSON on stdout with
``--json``, red text on stderr without. Tracebacks never reach a person for expected errors.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeGuard

import typer
import typer.main
from typer import _click
from typer.core import TyperGroup

from hub.cli.output import FAILED, JSON_REQUESTED, USAGE, JsonFlag, report_error
from hub.errors import HubError

if TYPE_CHECKING:
    from sqlalchemy.exc import SQLAlchemyError


def wants_json(args: Sequence[str]) -> bool:
    """``--json`` anywhere before a ``--`` separator (usage errors happen before parsing)."""
    args = list(args)
    if "--" in args:
        args = args[: args.index("--")]
    return "--json" in args


def _database_message(exc: SQLAlchemyError) -> str:
    # The driver's own first line; SQLAlchemy's full text carries statements and parameters.
    origin = getattr(exc, "orig", None) or exc
    first = str(origin).strip().splitlines()[0] if str(origin).strip() else type(origin).__name__
    return f"database error: {first}"


def _is_database_error(exc: Exception) -> TypeGuard[SQLAlchemyError]:
    """A SQLAlchemy error, asked without importing SQLAlchemy: a command that never loaded it
    cannot have raised one, and importing it (0.25 s) here would put it ahead of a command's
    own start-up work (``rosterhub import`` starts its parse child before the database layer)."""
    errors = sys.modules.get("sqlalchemy.exc")
    return errors is not None and isinstance(exc, errors.SQLAlchemyError)


CommandLoader = Callable[[str | None], None]
"""Imports the module(s) that register a command (``None``: every command)."""
_loaders: list[CommandLoader] = []


def load_commands_with(loader: CommandLoader) -> None:
    """How the root finds commands it has not imported yet (:mod:`hub.cli` registers it):
    ``rosterhub rooms import`` imports the rooms commands, not the whole command line."""
    _loaders.append(loader)


class RosterhubGroup(TyperGroup):
    """Runs the command tree without click's standalone handling so every failure, including
    a bad option, is reported the same way and exits with the documented code. Commands are
    imported when they are first named (or listed), so a command starts with only its own
    imports."""

    def _load(self, name: str | None) -> None:
        for loader in _loaders:
            loader(name)
        built = typer.main.get_command(app)
        if isinstance(built, TyperGroup):
            for key, command in built.commands.items():
                self.commands.setdefault(key, command)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        found = super().get_command(ctx, cmd_name)
        if found is None and _loaders:
            self._load(cmd_name)
            found = super().get_command(ctx, cmd_name)
        return found

    def list_commands(self, ctx: Any) -> list[str]:
        if _loaders:
            self._load(None)
        return super().list_commands(ctx)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        json_mode = wants_json(argv)
        token = JSON_REQUESTED.set(json_mode)
        try:
            code = run_guarded(
                lambda: super(RosterhubGroup, self).main(
                    args=argv,
                    prog_name=prog_name or "rosterhub",
                    complete_var=complete_var,
                    standalone_mode=False,
                    windows_expand_args=windows_expand_args,
                    **extra,
                ),
                json_mode=json_mode,
            )
        finally:
            JSON_REQUESTED.reset(token)
        if not standalone_mode:
            return code
        sys.exit(code)


def run_guarded(call: Any, *, json_mode: bool) -> int:
    try:
        result = call()
    except _click.exceptions.NoArgsIsHelpError as exc:
        if json_mode:
            report_error("missing command (see --help)", json_mode=True)
        else:
            exc.show()
        return USAGE
    except _click.exceptions.ClickException as exc:
        if json_mode:
            report_error(exc.format_message(), json_mode=True)
        else:
            from typer import rich_utils

            rich_utils.rich_format_error(exc)
        return exc.exit_code
    except typer.Abort:
        report_error("aborted", json_mode=json_mode)
        return FAILED
    except HubError as exc:
        report_error(str(exc), json_mode=json_mode)
        return exc.exit_code
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        report_error(f"{exc.strerror or exc}{where}", json_mode=json_mode)
        return FAILED
    except Exception as exc:  # noqa: BLE001 - a bug: say so in one line, trace on stderr
        if _is_database_error(exc):
            report_error(_database_message(exc), json_mode=json_mode)
            return FAILED
        traceback.print_exc(file=sys.stderr)
        report_error(f"unexpected error ({type(exc).__name__}): {exc}", json_mode=json_mode)
        return FAILED
    return result if isinstance(result, int) else 0


app = typer.Typer(
    name="rosterhub",
    cls=RosterhubGroup,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(json_mode: JsonFlag = False) -> None:
    """rosterhub: Clever, ClassLink, Google Workspace and spreadsheets into one set of accounts."""
    # Accepted here so ``rosterhub --json COMMAND`` parses; RosterhubGroup.main acts on it.


def group(name: str, help_text: str) -> typer.Typer:
    """A command group (``rosterhub school ...``) attached to the root."""
    sub = typer.Typer(name=name, help=help_text, no_args_is_help=True)
    app.add_typer(sub, name=name)
    return sub
