"""The one place the chat dialogue reaches the rooms import (:mod:`hub.rooms.imports`) and the
rooms template, as :mod:`bots.upload_seam` does for account uploads.

A rooms file is validated with a dry run and applied on Confirm by importing the same bytes
again (the import is all or nothing and matches rooms by name, so it re-checks everything
against the school as it is then and never creates a room twice).
"""

from __future__ import annotations

from typing import Any

from hub.actors import Actor
from hub.context import Hub
from hub.rooms import imports
from hub.rooms.template import template_bytes

APPLIED = imports.APPLIED
REJECTED = imports.REJECTED
TEMPLATE_NAME = "rosterhub-rooms-template.xlsx"

__all__ = ["APPLIED", "REJECTED", "TEMPLATE_NAME", "apply", "check", "looks_like_rooms", "template"]


def check(
    hub: Hub, *, school_id: str, filename: str, content: bytes, actor: Actor
) -> dict[str, Any]:
    """The dry run: ``{"status": "dry_run|rejected", "counts", "errors", "warnings"}``."""
    return imports.process_rooms_file(
        hub, school_id=school_id, filename=filename, content=content, dry_run=True, actor=actor
    )


def apply(
    hub: Hub, *, school_id: str, filename: str, content: bytes, actor: Actor
) -> dict[str, Any]:
    return imports.process_rooms_file(
        hub, school_id=school_id, filename=filename, content=content, dry_run=False, actor=actor
    )


def looks_like_rooms(hub: Hub, *, filename: str, content: bytes) -> bool:
    return imports.looks_like_rooms(hub, filename=filename, content=content)


def template() -> bytes:
    return template_bytes()
