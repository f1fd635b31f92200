"""``rosterhub accounts explain``, ``rosterhub runs undo`` and ``rosterhub audit``: the two
questions support is asked most, and who did what."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from hub import audit, runs, schools, undo
from hub.actors import Actor
from hub.cli.accounts import accounts_app
from hub.cli.app import app
from hub.cli.output import USAGE, JsonFlag, emit, print_json, stderr_console, table
from hub.cli.runs import _finish, runs_app
from hub.cli.runtime import actor, cli_hub
from hub.explain import explain as explain_account


@accounts_app.command("explain")
def explain(
    email: Annotated[str, typer.Argument(help="The person's email.")],
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    json_mode: JsonFlag = False,
) -> None:
    """Why this person has (or has not) an account and these roles at this school."""
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        doc = explain_account(hub, email=email, school_id=target.id)
    emit(doc, json_mode=json_mode, human=lambda console: show_explain(console, doc))


def show_explain(console: Console, doc: dict[str, Any]) -> None:
    console.print(f"[bold]{doc['email']}[/bold] at {doc['school_id']}: ", end="")
    console.print(doc["reason"], markup=False)
    if doc["present"]:
        console.print(
            f"status {doc['status']}  owner {doc['owner']}  last changed by {doc['last_changed_by']}",
            markup=False,
        )
        for role in doc["roles"]:
            console.print(
                f"  {role['role']}: {role['reason']} (run {role['run_id'] or '-'})", markup=False
            )


@runs_app.command("undo")
def undo_(
    run: Annotated[str, typer.Argument(help="Id of a run (or of an upload, upl_...).")],
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Put back what no later change touched and report the rest; apply even if a "
            "safeguard would hold it.",
        ),
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Put back every account and membership field a run (or upload) changed, as a new run."""
    with cli_hub() as hub:
        try:
            done = undo.undo(hub, run, actor=Actor.everywhere(actor()), force=force, here=True)
        except undo.UndoConflicts as exc:
            _refuse(str(exc), [c.as_dict() for c in exc.conflicts], json_mode=json_mode)
            raise typer.Exit(USAGE) from None
        if done.run is not None:
            doc = runs.run_json(hub, done.run)
        else:
            assert done.upload is not None
            doc = undo.upload_json(done.upload)
    if done.run is not None:
        _finish(doc, json_mode=json_mode)
        return
    emit(doc, json_mode=json_mode, human=lambda console: console.print(doc, markup=False))


def _refuse(message: str, conflicts: list[dict[str, Any]], *, json_mode: bool) -> None:
    if json_mode:
        print_json({"error": message, "conflicts": conflicts})
        return
    err = stderr_console()
    err.print(message, style="bold red", markup=False)
    err.print(
        table(
            "Changed again since",
            ["email", "school", "what", "changed by"],
            [(c["email"], c["school_id"], c["what"], c["changed_by"]) for c in conflicts],
        )
    )


@app.command("audit")
def audit_(
    school: Annotated[
        str | None, typer.Option("--school", help="Only this school (id or exact name).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only events at or after this ISO-8601 time.")
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """Who did what: syncs, approvals, discards, undos, uploads, invites, tokens, settings."""
    moment = audit.parse_since(since) if since else None
    with cli_hub() as hub:
        ids = frozenset({schools.resolve_school(hub, school).id}) if school else None
        with hub.session() as session:
            docs = audit.events(session, school_ids=ids, since=moment)
    emit(
        docs,
        json_mode=json_mode,
        human=lambda console: console.print(
            table(
                "Audit",
                ["at", "actor", "action", "target"],
                [(d["at"], d["actor"], d["action"], d["target"]) for d in docs],
            )
            if docs
            else "Nothing recorded."
        ),
    )
