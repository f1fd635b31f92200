"""``rosterhub rooms starter-pack|list|template|import``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from hub import schools
from hub.cli.app import group
from hub.cli.output import REJECTED, JsonFlag, emit, stderr_console, table, warn
from hub.cli.runtime import actor, cli_hub, read_upload
from hub.rooms import imports, queries, starter, template

if TYPE_CHECKING:
    from rich.console import Console

rooms_app = group("rooms", "Set up a school's rooms: the starter pack, a list, and imports.")

SchoolOption = Annotated[str, typer.Option("--school", help="School id or exact name.")]
PROBLEMS_SHOWN = 50


@rooms_app.command("starter-pack")
def starter_pack(
    school: SchoolOption,
    dismiss: Annotated[
        bool, typer.Option("--dismiss", help="Stop offering the pack; create nothing.")
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Add the rooms starter pack (folders and rooms the school lacks), or dismiss it."""
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        action = starter.dismiss_starter_pack if dismiss else starter.add_starter_pack
        created = action(hub, school_id=target.id, actor=actor())

    def human(console: Console) -> None:
        if dismiss:
            console.print(f"The starter pack is dismissed for {target.name}.", markup=False)
        else:
            console.print(
                f"Starter pack for {target.name}: {created['folders']} folder(s) and "
                f"{created['rooms']} room(s) created.",
                markup=False,
            )

    emit(created, json_mode=json_mode, human=human)


def _teacher_note(doc: dict[str, Any]) -> str:
    return "NEEDS A TEACHER" if doc["needs_teacher"] else ", ".join(doc["teachers"]) or "-"


@rooms_app.command("list")
def list_(school: SchoolOption, json_mode: JsonFlag = False) -> None:
    """A school's rooms in their order; rooms whose restrictions need a teacher they lack are
    flagged."""
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        docs = queries.list_rooms(hub, school_id=target.id)
    flagged = [d["name"] for d in docs if d["needs_teacher"]]
    if flagged:
        warn(
            f"{len(flagged)} room(s) have no teacher but restrictions that send passes to the "
            f"room's teachers: {', '.join(flagged)}"
        )

    def human(console: Console) -> None:
        if not docs:
            console.print(
                f"No rooms yet: rosterhub rooms starter-pack --school '{target.name}'",
                markup=False,
            )
            return
        console.print(
            table(
                f"{target.name}: {len(docs)} room(s)",
                ["name", "number", "folder", "travel", "minutes", "teachers"],
                [
                    (
                        d["name"],
                        d["number"],
                        d["folder"],
                        d["travel_type"],
                        d["time_limit"],
                        _teacher_note(d),
                    )
                    for d in docs
                ],
            )
        )

    emit(docs, json_mode=json_mode, human=human)


@rooms_app.command("template")
def template_(
    path: Annotated[Path, typer.Argument(help="Where to write it.", dir_okay=False)] = Path(
        "rosterhub-rooms.xlsx"
    ),
    json_mode: JsonFlag = False,
) -> None:
    """Write the rooms import template (.xlsx)."""
    written = template.write_template(path)
    doc = {"path": str(written)}
    emit(doc, json_mode=json_mode, human=lambda c: c.print(f"Wrote {written}", markup=False))


def _problems(title: str, problems: list[dict[str, Any]]) -> Any:
    more = f" (first {PROBLEMS_SHOWN})" if len(problems) > PROBLEMS_SHOWN else ""
    return table(
        f"{title}: {len(problems)}{more}",
        ["sheet", "row", "column", "message"],
        [(p["sheet"], p["row"], p["column"], p["message"]) for p in problems[:PROBLEMS_SHOWN]],
    )


@rooms_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="The rooms spreadsheet (.xlsx, .xls, .ods, .csv).")],
    school: SchoolOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Validate and count; write nothing.")
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Import rooms (all or nothing; rooms are matched by name, so re-importing updates)."""
    content = read_upload(file)
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        result = imports.process_rooms_file(
            hub,
            school_id=target.id,
            filename=file.name,
            content=content,
            dry_run=dry_run,
            actor=actor(),
        )

    def human(console: Console) -> None:
        counts = result["counts"]
        console.print(
            f"{result['status']}  created {counts['created']}, updated {counts['updated']}, "
            f"unchanged {counts['unchanged']}",
            markup=False,
        )
        if result["errors"]:
            console.print(_problems("errors", result["errors"]))
        if result["warnings"]:
            console.print(_problems("warnings", result["warnings"]))

    emit(result, json_mode=json_mode, human=human)
    if result["status"] == "rejected":
        stderr_console().print(
            f"import rejected: {len(result['errors'])} error(s); nothing was written",
            style="bold red",
        )
        raise typer.Exit(REJECTED)
