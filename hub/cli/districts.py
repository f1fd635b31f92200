"""``rosterhub district add|list`` and ``rosterhub integration link|unlink``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from hub import districts, schools
from hub.cli.app import group
from hub.cli.integrations import integration_app
from hub.cli.output import JsonFlag, emit, table
from hub.cli.runtime import actor, cli_hub, parse_pairs

district_app = group("district", "Add and list districts (schools fed by one integration).")


@district_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The district's name (unique).")],
    json_mode: JsonFlag = False,
) -> None:
    """Add a district; then add its schools with 'school add NAME --district DISTRICT'."""
    with cli_hub() as hub:
        district = districts.create_district(hub, name=name, actor=actor())
        doc = districts.district_json(hub, district)
    doc = {"id": doc["id"], "name": doc["name"]}

    def human(console: Console) -> None:
        console.print(f"Added district [bold]{doc['name']}[/bold] ({doc['id']})")
        console.print(f"Next: rosterhub school add NAME --district {doc['id']}")

    emit(doc, json_mode=json_mode, human=human)


@district_app.command("list")
def list_(json_mode: JsonFlag = False) -> None:
    """List districts with their schools."""
    with cli_hub() as hub:
        docs = [districts.district_json(hub, d) for d in districts.list_districts(hub)]

    def human(console: Console) -> None:
        if not docs:
            console.print("No districts yet: rosterhub district add NAME")
            return
        rows = [(d["id"], d["name"], ", ".join(d["schools"]) or "none yet") for d in docs]
        console.print(table(None, ["id", "name", "schools"], rows))

    emit(docs, json_mode=json_mode, human=human)


@integration_app.command("link")
def link(
    integration: Annotated[str, typer.Argument(help="District integration id.")],
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            help="This school's selection KEY=VALUE (clever schools, classlink orgs, gsuite OUs/groups).",
            metavar="KEY=VALUE",
        ),
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """Feed a school of the district from a district integration (or change its selection)."""
    settings = parse_pairs(set_, option="--set")
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        doc = districts.link_school(
            hub, integration, school=target, settings=settings, actor=actor()
        )

    def human(console: Console) -> None:
        chosen = ", ".join(f"{k}={v}" for k, v in sorted(doc["settings"].items()))
        console.print(f"{doc['integration_id']} now feeds {target.name}: {chosen}")

    emit(doc, json_mode=json_mode, human=human)


@integration_app.command("unlink")
def unlink(
    integration: Annotated[str, typer.Argument(help="District integration id.")],
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    deactivate: Annotated[
        bool,
        typer.Option(
            "--deactivate",
            help="Deactivate the school's synced accounts (otherwise they stay, as manual).",
        ),
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Stop feeding a school from a district integration."""
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        doc: dict[str, Any] = districts.unlink_school(
            hub, integration, school=target, deactivate=deactivate, actor=actor()
        )

    def human(console: Console) -> None:
        if deactivate:
            console.print(f"Unlinked {target.name}; deactivated {doc['deactivated']} account(s).")
        else:
            console.print(f"Unlinked {target.name}; its accounts stay as they are (now manual).")

    emit(doc, json_mode=json_mode, human=human)


__all__ = ["district_app"]
