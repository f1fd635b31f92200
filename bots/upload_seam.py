"""The one place the chat dialogue reaches the spreadsheet upload service and its template.

Every chat surface goes through these few functions, so the service can move (or grow
background applies) with one module to adapt.
"""

from __future__ import annotations

from hub.actors import Actor
from hub.context import Hub
from plugins.csv import uploads
from plugins.csv.template import template_bytes
from plugins.csv.uploads import UploadOutcome

PREVIEW_TTL = uploads.PREVIEW_TTL  # confirm enforces it; the dialogue words it
APPLIED = uploads.APPLIED
CANCELLED = uploads.CANCELLED
EXPIRED = uploads.EXPIRED

__all__ = [
    "APPLIED",
    "CANCELLED",
    "EXPIRED",
    "PREVIEW_TTL",
    "UploadOutcome",
    "cancel",
    "confirm",
    "preview",
    "template",
]


def preview(
    hub: Hub, *, school_id: str, filename: str, content: bytes, actor: Actor
) -> UploadOutcome:
    return uploads.preview_upload(
        hub, school_id=school_id, filename=filename, content=content, actor=actor
    )


def confirm(hub: Hub, *, upload_id: str, actor: Actor) -> UploadOutcome:
    return uploads.confirm_upload(hub, upload_id=upload_id, actor=actor)


def cancel(hub: Hub, *, upload_id: str, actor: str) -> None:
    uploads.cancel_upload(hub, upload_id=upload_id, actor=actor)


def template() -> bytes:
    return template_bytes()
