"""``rosterhub template``, ``rosterhub plugins`` and ``rosterhub token create|list|revoke``."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from hub import districts, schools
from hub.cli.app import app, group
from hub.cli.output import JsonFlag, emit, note, short_time, table
from hub.cli.runtime import actor, cli_hub, registry
from hub.errors import UsageError
from hub.integrations import COMMON_KEYS
from hub.tokens import create_token, list_tokens, revoke_token, token_json

token_app = group("token", "Make, list and revoke tokens for the HTTP API.")

DEFAULT_TEMPLATE = "rosterhub-accounts-template.xlsx"


class TokenRole(StrEnum):
    district_it = "district_it"
    support = "support"
    school_admin = "school_admin"


@app.command("template")
def template(
    path: Annotated[
        Path, typer.Argument(help="Where to write the template.", dir_okay=False)
    ] = Path(DEFAULT_TEMPLATE),
    force: Annotated[bool, typer.Option("--force", help="Replace the file if it exists.")] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Write the accounts spreadsheet template (.xlsx: Student, Teacher, Admin sheets)."""
    if path.exists() and not force:
        msg = f"{path} already exists (it may hold filled-in rows); pass --force to replace it"
        raise UsageError(msg)
    path.write_bytes(registry().upload_format().template())
    doc = {"path": str(path)}
    emit(
        doc,
        json_mode=json_mode,
        human=lambda console: console.print(f"Template written to {doc['path']}", markup=False),
    )


def plugins_json() -> list[dict[str, Any]]:
    docs = []
    for cls in registry():
        own = cls.config_keys()
        docs.append(
            {
                "name": cls.name,
                "title": cls.title,
                "config_keys": own + [key for key in COMMON_KEYS if key not in own],
            }
        )
    return docs


@app.command("plugins")
def plugins(json_mode: JsonFlag = False) -> None:
    """List the installed providers and the settings each one takes."""
    docs = plugins_json()

    def human(console: Console) -> None:
        console.print(
            table(
                None,
                ["name", "title", "settings"],
                [(d["name"], d["title"], d["config_keys"]) for d in docs],
            )
            if docs
            else "No providers installed."
        )

    emit(docs, json_mode=json_mode, human=human)


@token_app.command("create")
def create(
    role: Annotated[TokenRole, typer.Option("--role", help="What the token may do.")],
    school: Annotated[
        str | None, typer.Option("--school", help="The school (required for school_admin).")
    ] = None,
    district: Annotated[
        str | None,
        typer.Option("--district", help="Limit a district_it token to one district."),
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """Make an API token; it is shown once and stored only as a hash."""
    if district and role is not TokenRole.district_it:
        msg = "--district applies only to district_it tokens"
        raise UsageError(msg)
    if role is TokenRole.school_admin and not school:
        msg = "a school_admin token needs --school SCHOOL"
        raise UsageError(msg)
    if role is not TokenRole.school_admin and school:
        msg = f"--school applies only to school_admin tokens ({role.value} tokens see every school)"
        raise UsageError(msg)
    with cli_hub() as hub:
        school_id = schools.resolve_school(hub, school).id if school else None
        district_id = districts.resolve_district(hub, district).id if district else None
        token, secret = create_token(
            hub, role=role.value, school_id=school_id, district_id=district_id, actor=actor()
        )
    doc = {
        "token": secret,
        "role": token.role,
        "school_id": token.school_id,
        "district_id": token.district_id,
    }

    def human(console: Console) -> None:
        # The token alone on stdout, so TOKEN=$(rosterhub token create ...) works.
        console.print(secret, markup=False, highlight=False, soft_wrap=True)
        where = f" for school {token.school_id}" if token.school_id else ""
        if token.district_id:
            where = f" for district {token.district_id}"
        note(
            f"{token.role} token {token.id}{where}. It is shown only this once; store it now "
            f"('rosterhub token revoke {token.id}' withdraws it)."
        )

    emit(doc, json_mode=json_mode, human=human)


@token_app.command("list")
def list_(json_mode: JsonFlag = False) -> None:
    """List the API tokens (never the tokens themselves): role, school, created, last used."""
    with cli_hub() as hub:
        docs = [token_json(row) for row in list_tokens(hub)]

    def human(console: Console) -> None:
        console.print(
            table(
                None,
                ["id", "role", "school", "created", "last used"],
                [
                    (
                        d["id"],
                        d["role"],
                        d["school_id"],
                        short_time(d["created_at"]),
                        short_time(d["last_used_at"]),
                    )
                    for d in docs
                ],
            )
            if docs
            else "No tokens. Make one with 'rosterhub token create --role ROLE'."
        )

    emit(docs, json_mode=json_mode, human=human)


@token_app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="The token's id (token list).")],
    json_mode: JsonFlag = False,
) -> None:
    """Revoke an API token: requests made with it are refused from now on."""
    with cli_hub() as hub:
        row = revoke_token(hub, token_id, actor=actor())
    doc = {"id": row.id, "revoked": True}
    emit(
        doc,
        json_mode=json_mode,
        human=lambda console: console.print(f"Token {row.id} revoked.", markup=False),
    )
