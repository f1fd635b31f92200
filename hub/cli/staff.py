"""``rosterhub staff add|list`` and ``rosterhub accounts invite``: who signs in to the web
console. Staff passwords and invite links are shown once."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console

from hub import districts, schools
from hub.cli.accounts import accounts_app
from hub.cli.app import group
from hub.cli.output import JsonFlag, emit, note, table
from hub.cli.runtime import actor, cli_hub
from hub.invites import create_invite
from hub.staff import add_staff, list_staff, staff_json

staff_app = group("staff", "Add and list the district IT and support people of the web console.")


class StaffRole(StrEnum):
    district_it = "district_it"
    support = "support"


@staff_app.command("add")
def add(
    email: Annotated[str, typer.Argument(help="Their email address (they sign in with it).")],
    role: Annotated[StaffRole, typer.Option("--role", help="district_it or support.")],
    district: Annotated[
        str | None, typer.Option("--district", help="Limit them to one district.")
    ] = None,
    json_mode: JsonFlag = False,
) -> None:
    """Add a console staff user; their password is shown once."""
    with cli_hub() as hub:
        row, password = add_staff(
            hub,
            email=email,
            role=role.value,
            district_id=districts.resolve_district(hub, district).id if district else None,
            actor=actor(),
        )
        url = hub.settings.console_url
    doc = staff_json(row, password)

    def human(console: Console) -> None:
        console.print(password, markup=False, highlight=False, soft_wrap=True)
        note(
            f"{row.role} {row.email} signs in at {url}/sign-in with this password. "
            "It is shown only this once."
        )

    emit(doc, json_mode=json_mode, human=human)


@staff_app.command("list")
def list_(json_mode: JsonFlag = False) -> None:
    """List console staff users (never their passwords)."""
    with cli_hub() as hub:
        docs = [staff_json(row) for row in list_staff(hub)]
    emit(
        docs,
        json_mode=json_mode,
        human=lambda console: console.print(
            table(
                None,
                ["email", "role", "district"],
                [(d["email"], d["role"], d["district_id"] or "-") for d in docs],
            )
            if docs
            else "No staff users yet: rosterhub staff add EMAIL --role district_it"
        ),
    )


@accounts_app.command("invite")
def invite(
    email: Annotated[str, typer.Argument(help="The school admin's email.")],
    school: Annotated[str, typer.Option("--school", help="School id or exact name.")],
    json_mode: JsonFlag = False,
) -> None:
    """Make a one-time link (24 hours) for a school admin to set a console password."""
    with cli_hub() as hub:
        target = schools.resolve_school(hub, school)
        doc = create_invite(hub, email=email, school_id=target.id, actor=actor())

    def human(console: Console) -> None:
        console.print(doc["url"], markup=False, highlight=False, soft_wrap=True)
        note(f"Valid once, until {doc['expires_at']}. Send it to the person privately.")

    emit(doc, json_mode=json_mode, human=human)
