"""``rosterhub integration add|list|check`` and ``rosterhub keys rotate``."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.console import Console

from hub import districts, integrations, schools
from hub.cli.app import group
from hub.cli.output import FAILED, JsonFlag, emit, short_time, table
from hub.cli.runtime import actor, cli_hub, parse_pairs
from hub.errors import UsageError

integration_app = group("integration", "Connect schools to providers and test the connection.")
keys_app = group("keys", "Manage the keys that encrypt stored secrets.")


def _last_run(doc: dict[str, Any]) -> str:
    run = doc.get("last_run")
    if not run:
        return "never"
    return f"{run['status']} {short_time(run.get('finished_at') or run.get('started_at'))}"


def _linked(doc: dict[str, Any]) -> str:
    schools_fed = [link["school_id"] for link in doc.get("links") or ()]
    return f"district {doc.get('district_id')}: " + (", ".join(schools_fed) or "no school linked")


def integrations_table(docs: list[dict[str, Any]]) -> Any:
    return table(
        None,
        ["id", "provider", "school", "enabled", "schedule", "last run"],
        [
            (
                d["id"],
                d["provider"],
                d["school_id"] or _linked(d),
                d["enabled"],
                d["schedule"],
                _last_run(d),
            )
            for d in docs
        ],
    )


def _show_integration(console: Console, doc: dict[str, Any]) -> None:
    console.print(integrations_table([doc]))
    settings = doc.get("settings") or {}
    if settings:
        console.print(
            table("settings", ["key", "value"], sorted((k, str(v)) for k, v in settings.items()))
        )
    if doc.get("secrets_set"):
        console.print(f"secrets stored (encrypted): {', '.join(doc['secrets_set'])}")


@integration_app.command("add")
def add(
    provider: Annotated[str, typer.Option("--provider", help="Provider name (see: plugins).")],
    school: Annotated[str | None, typer.Option("--school", help="School id or exact name.")] = None,
    district: Annotated[
        str | None,
        typer.Option("--district", help="District id or exact name (a district integration)."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="A setting KEY=VALUE; repeat for more.", metavar="KEY=VALUE"),
    ] = None,
    secret: Annotated[
        list[str] | None,
        typer.Option(
            "--secret",
            help="A secret KEY=VALUE (or KEY=@FILE), stored encrypted and never shown.",
            metavar="KEY=VALUE",
        ),
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """Connect a school (--school) or a whole district (--district) to a provider."""
    settings = parse_pairs(set_, option="--set")
    secrets = parse_pairs(secret, option="--secret", secret=True)
    if (school is None) == (district is None):
        msg = "give --school SCHOOL or --district DISTRICT (exactly one)"
        raise UsageError(msg)
    with cli_hub() as hub:
        if school is not None:
            place = schools.resolve_school(hub, school)
            school_id, district_id = place.id, None
        else:
            place = districts.resolve_district(hub, district or "")  # type: ignore[assignment]
            school_id, district_id = None, place.id
        integration = integrations.create_integration(
            hub,
            school_id=school_id,
            district_id=district_id,
            provider=provider.strip(),
            settings=settings,
            secrets=secrets,
            actor=actor(),
        )
        doc = integrations.integration_json(hub, integration)

    def human(console: Console) -> None:
        console.print(f"Connected {place.name} to {doc['provider']}: [bold]{doc['id']}[/bold]")
        _show_integration(console, doc)
        console.print(f"Next: rosterhub integration check {doc['id']}")
        if district_id is not None:
            console.print(
                f"Then: rosterhub integration link {doc['id']} --school SCHOOL --set KEY=VALUE"
            )

    emit(doc, json_mode=json_mode, human=human)


@integration_app.command("list")
def list_(
    school: Annotated[
        str | None, typer.Option("--school", help="Only this school's integrations.")
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """List integrations with their schedule and last run."""
    with cli_hub() as hub:
        school_id = schools.resolve_school(hub, school).id if school is not None else None
        docs = [
            integrations.integration_json(hub, i)
            for i in integrations.list_integrations(hub, school_id=school_id)
        ]
    emit(
        docs,
        json_mode=json_mode,
        human=lambda console: console.print(
            integrations_table(docs) if docs else "No integrations yet: rosterhub integration add"
        ),
    )


@integration_app.command("check")
def check(
    integration: Annotated[str, typer.Argument(help="Integration id.")],
    json_mode: JsonFlag = False,
) -> None:
    """Test the credentials and list what the provider lets the hub see."""
    with cli_hub() as hub:
        result = integrations.check_integration(hub, integration)

    def human(console: Console) -> None:
        style = "green" if result["ok"] else "bold red"
        console.print(f"[{style}]{'OK' if result['ok'] else 'FAILED'}[/{style}]: ", end="")
        console.print(result["message"], markup=False)
        if result["sources"]:
            console.print(
                table(
                    "what it can see",
                    ["kind", "id", "name"],
                    [(s.get("kind"), s.get("id"), s.get("name")) for s in result["sources"]],
                )
            )

    emit(result, json_mode=json_mode, human=human)
    if not result["ok"]:
        raise typer.Exit(FAILED)


@keys_app.command("rotate")
def rotate(json_mode: JsonFlag = False) -> None:
    """Re-encrypt every stored secret with the newest key (the first in ROSTERHUB_SECRET_KEY)."""
    with cli_hub() as hub:
        count = integrations.rotate_keys(hub, actor=actor())
    emit(
        {"rotated": count},
        json_mode=json_mode,
        human=lambda console: console.print(f"Re-encrypted {count} stored secret(s)."),
    )


__all__ = ["integration_app", "keys_app"]
