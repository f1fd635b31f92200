"""``rosterhub sync`` and ``rosterhub runs list|show|approve``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from hub import integrations, run_status, runs, schools
from hub.cli.app import app, group
from hub.cli.output import (
    FAILED,
    HELD,
    USAGE,
    JsonFlag,
    emit,
    short_time,
    stderr_console,
    table,
)
from hub.cli.progress import SyncProgress
from hub.cli.runtime import actor, cli_hub
from hub.run_status import COUNT_KEYS

runs_app = group("runs", "See, and approve, sync runs.")

ISSUES_SHOWN = 20
COLOURS = {
    run_status.SUCCEEDED: "green",
    run_status.DRY_RUN: "cyan",
    run_status.HELD: "yellow",
    run_status.FAILED: "red",
    run_status.SUPERSEDED: "magenta",
}
EXIT_CODES = {run_status.HELD: HELD, run_status.FAILED: FAILED, run_status.SUPERSEDED: USAGE}


def exit_code_for(run: dict[str, Any]) -> int:
    """Held by a safeguard -> 3, failed -> 1, superseded (cannot be approved) -> 2,
    anything else -> 0."""
    return EXIT_CODES.get(run.get("status", ""), 0)


def counts_text(counts: dict[str, Any], *, brief: bool = False) -> str:
    """Every count, or (``brief``, for tables) only the ones that are not zero."""
    shown = [key for key in COUNT_KEYS if counts.get(key, 0) or not brief]
    return ", ".join(f"{key} {counts.get(key, 0)}" for key in shown) or "-"


def show_run(console: Console, run: dict[str, Any]) -> None:
    status = run.get("status", "?")
    colour = COLOURS.get(status, "white")
    console.print(
        f"[bold]{run['id']}[/bold]  [{colour}]{status}[/{colour}]  "
        f"integration {run.get('integration_id')}  trigger {run.get('trigger')}"
    )
    console.print(
        f"started {short_time(run.get('started_at'))}  "
        f"finished {short_time(run.get('finished_at'))}"
    )
    console.print(counts_text(run.get("counts") or {}), markup=False)
    issues = run.get("issues") or []
    if issues:
        console.print(
            table(
                f"issues ({len(issues)})"
                + (f", first {ISSUES_SHOWN}" if len(issues) > ISSUES_SHOWN else ""),
                ["severity", "external id", "email", "message"],
                [
                    (i.get("severity"), i.get("external_id"), i.get("email"), i.get("message"))
                    for i in issues[:ISSUES_SHOWN]
                ],
            )
        )
    if run.get("error"):
        label = status if status in (run_status.HELD, run_status.SUPERSEDED) else "error"
        console.print(f"[{colour}]{label}:[/{colour}] ", end="")
        console.print(run["error"], markup=False)
    if status == run_status.HELD:
        console.print(f"Approve with: rosterhub runs approve {run['id']}")


def runs_table(docs: list[dict[str, Any]]) -> Any:
    return table(
        None,
        ["id", "integration", "status", "trigger", "started", "counts"],
        [
            (
                r["id"],
                r.get("integration_id"),
                r.get("status"),
                r.get("trigger"),
                short_time(r.get("started_at")),
                counts_text(r.get("counts") or {}, brief=True),
            )
            for r in docs
        ],
    )


def _finish(run: dict[str, Any], *, json_mode: bool) -> None:
    emit(run, json_mode=json_mode, human=lambda console: show_run(console, run))
    code = exit_code_for(run)
    if code:
        reason = run.get("error") or run.get("status")
        stderr_console().print(
            f"run {run['id']} {run['status']}: {reason}", style="bold red", markup=False
        )
        raise typer.Exit(code)


@app.command("sync")
def sync(
    integration: Annotated[str, typer.Argument(help="Integration id.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Compute counts and issues; change nothing.")
    ] = False,
    full: Annotated[
        bool, typer.Option("--full", help="Read the whole roster even if incremental.")
    ] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Apply even if a safeguard would hold the run.")
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Sync an integration now, in this process (or, if a run of it is already executing
    elsewhere, wait for that one and show how it ended)."""
    with cli_hub() as hub:
        target = integrations.get_integration(hub, integration)
        label = f"sync {target.provider} {target.id}"
        with SyncProgress(label) as progress:
            request = runs.RunRequest(
                target.id,
                trigger="manual",
                dry_run=dry_run,
                full=full,
                force=force,
                actor=actor(),
            )
            run = runs.submit(
                hub, request, here=True, progress=progress, waiting=progress.waiting
            ).run
        doc = runs.run_json(hub, run)
    _finish(doc, json_mode=json_mode)


@runs_app.command("list")
def list_(
    integration: Annotated[
        str | None, typer.Option("--integration", help="Only this integration's runs.")
    ] = None,
    school: Annotated[str | None, typer.Option("--school", help="Only this school's runs.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="At most this many.")
    ] = 100,
    json_mode: JsonFlag = False,
) -> None:
    """List runs, newest first."""
    with cli_hub() as hub:
        integration_id = integrations.get_integration(hub, integration).id if integration else None
        school_id = schools.resolve_school(hub, school).id if school else None
        docs = [
            runs.run_json(hub, r)
            for r in runs.list_runs(
                hub, integration_id=integration_id, school_id=school_id, limit=limit
            )
        ]
    emit(
        docs,
        json_mode=json_mode,
        human=lambda console: console.print(runs_table(docs) if docs else "No runs yet."),
    )


@runs_app.command("show")
def show(run: Annotated[str, typer.Argument(help="Run id.")], json_mode: JsonFlag = False) -> None:
    """Show a run: counts, issues and why it failed or was held."""
    with cli_hub() as hub:
        doc = runs.run_json(hub, runs.get_run(hub, run.strip()))
    emit(doc, json_mode=json_mode, human=lambda console: show_run(console, doc))


@runs_app.command("approve")
def approve(
    run: Annotated[str, typer.Argument(help="Id of a held run.")], json_mode: JsonFlag = False
) -> None:
    """Apply a run a safeguard held."""
    with cli_hub() as hub:
        approved = runs.approve(hub, run.strip(), actor=actor())
        doc = runs.run_json(hub, approved)
    _finish(doc, json_mode=json_mode)
