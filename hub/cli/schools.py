"""``rosterhub school add|list``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from hub import districts, schools
from hub.cli.app import group
from hub.cli.output import JsonFlag, emit, table
from hub.cli.runtime import actor, cli_hub

school_app = group("school", "Add and list schools.")


def _schools_table(rows: list[dict[str, Any]]) -> Any:
    return table(
        None, ["id", "name", "timezone"], [(s["id"], s["name"], s["timezone"]) for s in rows]
    )


@school_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The school's name (unique).")],
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone, e.g. America/Chicago.")
    ] = "America/New_York",
    district: Annotated[
        str | None, typer.Option("--district", help="The district's id or exact name.")
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """Add a school (in a district, with --district)."""
    with cli_hub() as hub:
        district_id = districts.resolve_district(hub, district).id if district else None
        school = schools.create_school(
            hub, name=name, timezone=timezone, district_id=district_id, actor=actor()
        )
    doc = schools.school_json(school)

    def human(console: Console) -> None:
        console.print(f"Added school [bold]{doc['name']}[/bold] ({doc['id']}, {doc['timezone']})")

    emit(doc, json_mode=json_mode, human=human)


@school_app.command("list")
def list_(json_mode: JsonFlag = False) -> None:
    """List schools by name."""
    with cli_hub() as hub:
        docs = [schools.school_json(s) for s in schools.list_schools(hub)]
    emit(
        docs,
        json_mode=json_mode,
        human=lambda console: console.print(
            _schools_table(docs) if docs else "No schools yet: rosterhub school add NAME"
        ),
    )
