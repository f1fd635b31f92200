"""``rosterhub accounts list|add`` and ``rosterhub import``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub.actors import Actor
from hub.cli.app import app, group
from hub.cli.credentials import CredentialsFile
from hub.cli.output import REJECTED, JsonFlag, emit, stderr_console, table
from hub.cli.runtime import actor, cli_hub, read_upload

if TYPE_CHECKING:
    from rich.console import Console

    from hub.context import Hub
    from hub.models import School
    from hub.uploads.progress import Report

# The services (and with them the database layer) are imported inside the commands, so that
# ``rosterhub import`` starts the parse child before importing them (:func:`cli_hub`).

accounts_app = group("accounts", "List a school's accounts and add one by hand.")

CredentialsOption = Annotated[
    Path | None,
    typer.Option(
        "--credentials",
        help="Where to write generated passwords (default: credentials-SCHOOL-TIME.csv here).",
        dir_okay=False,
    ),
]

UPLOAD_COUNT_KEYS = ("created", "updated", "unchanged", "passwords_generated")
PROBLEMS_SHOWN = 50


def accounts_table(docs: list[dict[str, Any]], *, title: str | None = None) -> Any:
    return table(
        title,
        ["email", "name", "roles", "status", "source", "external id"],
        [
            (
                a["email"],
                f"{a['first_name']} {a['last_name']}",
                ",".join(a["roles"]),
                a["status"],
                a["source"],
                a["external_id"],
            )
            for a in docs
        ],
    )


@accounts_app.command("list")
def list_(
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    role: Annotated[
        str | None, typer.Option("--role", help="Only student, teacher or admin.")
    ] = None,
    include_all: Annotated[
        bool, typer.Option("--all", help="Include deactivated accounts.")
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """List a school's accounts (active ones unless --all)."""
    with cli_hub() as hub:
        from hub import accounts, schools

        target = schools.resolve_school(hub, school)
        docs = accounts.list_accounts(
            hub,
            school_id=target.id,
            role=role.strip().lower() if role else None,
            include_all=include_all,
        )
    emit(
        docs,
        json_mode=json_mode,
        human=lambda console: console.print(
            accounts_table(docs, title=f"{target.name}: {len(docs)} account(s)")
        ),
    )


@accounts_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="The person's email address.")],
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    first: Annotated[str, typer.Option("--first", help="First name.")],
    last: Annotated[str, typer.Option("--last", help="Last name.")],
    role: Annotated[
        list[str], typer.Option("--role", help="student, teacher or admin; repeat for more.")
    ],
    credentials: CredentialsOption = None,
    json_mode: JsonFlag = False,
) -> None:
    """Add one account by hand (source manual); a new person gets a generated password."""
    with cli_hub() as hub:
        from hub import accounts, schools

        target = schools.resolve_school(hub, school)
        with CredentialsFile.reserve(school_name=target.name, path=credentials) as sheet:
            account, password = accounts.add_manual_account(
                hub,
                school_id=target.id,
                email=email,
                first_name=first,
                last_name=last,
                roles=role,
                actor=actor(),
            )
            path = sheet.write(_one_credential(account, password)) if password else None
    doc = {"account": account, "credentials_file": path}

    def human(console: Console) -> None:
        console.print(accounts_table([account], title=f"Added to {target.name}"))
        if path:
            console.print(f"Generated password written to {path} (mode 0600)", markup=False)
        else:
            console.print("The person already had a password; it is unchanged.")

    emit(doc, json_mode=json_mode, human=human)


def _one_credential(account: dict[str, Any], password: str) -> bytes:
    """The same file layout an upload's credentials file has (one row here)."""
    from hub.uploads import credentials_csv

    roles = account["roles"]
    role = next((r for r in ("admin", "teacher", "student") if r in roles), ",".join(roles))
    return credentials_csv(
        [(account["email"], account["first_name"], account["last_name"], role, password)]
    )


def _problems_table(title: str, problems: list[dict[str, Any]]) -> Any:
    more = f" (first {PROBLEMS_SHOWN})" if len(problems) > PROBLEMS_SHOWN else ""
    return table(
        f"{title}: {len(problems)}{more}",
        ["sheet", "row", "column", "message"],
        [
            (p.get("sheet"), p.get("row"), p.get("column"), p.get("message"))
            for p in problems[:PROBLEMS_SHOWN]
        ],
    )


def show_upload(console: Console, result: dict[str, Any]) -> None:
    status = result.get("status")
    colour = {"applied": "green", "dry_run": "cyan", "rejected": "red"}.get(str(status), "white")
    counts = result.get("counts") or {}
    console.print(
        f"[{colour}]{status}[/{colour}]  "
        + ", ".join(f"{k.replace('_', ' ')} {counts.get(k, 0)}" for k in UPLOAD_COUNT_KEYS)
    )
    if result.get("errors"):
        console.print(_problems_table("errors", result["errors"]))
    if result.get("warnings"):
        console.print(_problems_table("warnings", result["warnings"]))
    if result.get("credentials_file"):
        console.print(
            f"Generated passwords written to {result['credentials_file']} (mode 0600)",
            markup=False,
        )


@contextmanager
def upload_progress(*, enabled: bool) -> Iterator[Report | None]:
    """A progress bar on stderr while passwords are hashed (stdout keeps the one document)."""
    if not enabled:
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    bar = Progress(
        TextColumn("applying"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr_console(),
        transient=True,
    )
    task = bar.add_task("applying", total=None)

    def report(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    with bar:
        yield report


def import_spreadsheet(
    hub: Hub,
    school: School,
    *,
    filename: str,
    content: bytes,
    dry_run: bool,
    actor: str,
    credentials: Path | None = None,
    directory: Path | None = None,
    report: Report | None = None,
) -> dict[str, Any]:
    """Process an accounts spreadsheet; the upload result, with any generated passwords written
    to a credentials file reserved beforehand (``credentials``, or a default name in
    ``directory``) and its path as ``credentials_file``. A dry run reserves no file."""
    from hub.uploads import process_upload

    with ExitStack() as stack:
        sheet = (
            None
            if dry_run
            else stack.enter_context(
                CredentialsFile.reserve(
                    school_name=school.name, path=credentials, directory=directory
                )
            )
        )
        outcome = process_upload(
            hub,
            school_id=school.id,
            filename=filename,
            content=content,
            dry_run=dry_run,
            actor=Actor.everywhere(actor),  # the operator of this database may touch any school
            report=report,
        )
        result = dict(outcome.result)
        result["credentials_file"] = (
            sheet.write(outcome.credentials_csv) if sheet and outcome.credentials_csv else None
        )
    return result


@app.command("import")
def import_(
    file: Annotated[
        Path, typer.Argument(help="The accounts spreadsheet (.xlsx, .xls, .ods, .csv).")
    ],
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count; write nothing.")
    ] = False,
    credentials: CredentialsOption = None,
    json_mode: JsonFlag = False,
) -> None:
    """Import an accounts spreadsheet into a school (adds and updates, never deactivates)."""
    content = read_upload(file)
    with cli_hub(upload=(content, file.name)) as hub:  # the child reads while this one imports
        from hub import schools

        target = schools.resolve_school(hub, school)
        with upload_progress(enabled=not dry_run) as report:
            result = import_spreadsheet(
                hub,
                target,
                filename=file.name,
                content=content,
                dry_run=dry_run,
                actor=actor(),
                credentials=credentials,
                report=report,
            )
    emit(result, json_mode=json_mode, human=lambda console: show_upload(console, result))
    if result.get("status") == "rejected":
        errors = len(result.get("errors") or [])
        stderr_console().print(
            f"upload rejected: {errors} error(s); nothing was written", style="bold red"
        )
        raise typer.Exit(REJECTED)
