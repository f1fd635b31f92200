"""The one place the chat dialogue reaches the upload service (:mod:`hub.uploads`) and the
registered upload format's template.

Every chat surface goes through these few functions, so the service can move (or grow) with
one module to adapt.
"""

from __future__ import annotations

from collections.abc import Callable

from hub import uploads
from hub.actors import Actor
from hub.context import Hub
from hub.uploads import UploadOutcome

PREVIEW_TTL = uploads.PREVIEW_TTL  # confirm enforces it; the dialogue words it
APPLIED = uploads.APPLIED
CANCELLED = uploads.CANCELLED
EXPIRED = uploads.EXPIRED
PENDING = uploads.PENDING

Progress = Callable[[int, int], None]
"""Told ``(done, total)`` while an upload applies (the password work, then the write)."""

__all__ = [
    "APPLIED",
    "CANCELLED",
    "EXPIRED",
    "PENDING",
    "PREVIEW_TTL",
    "Progress",
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


def confirm(
    hub: Hub, *, upload_id: str, actor: Actor, progress: Progress | None = None
) -> UploadOutcome:
    return uploads.confirm_upload(hub, upload_id=upload_id, actor=actor, report=progress)


def cancel(hub: Hub, *, upload_id: str, actor: str) -> None:
    uploads.cancel_upload(hub, upload_id=upload_id, actor=actor)


def template(hub: Hub) -> bytes:
    return uploads.upload_format(hub).template()
