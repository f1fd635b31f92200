"""Upload records: the statuses, the INTERFACE upload result, and the rows a lifecycle step
writes on its own (a rejection, a dry run, a preview, a cancel)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from hub.actors import Actor
from hub.cells import csv_bytes
from hub.context import Hub
from hub.errors import HubError, UsageError
from hub.issues import FileIssue
from hub.models import School, Upload

PENDING = "pending"
APPLYING = "applying"
APPLIED = "applied"
FAILED = "failed"
REJECTED = "rejected"
DRY_RUN = "dry_run"
EXPIRED = "expired"
CANCELLED = "cancelled"

PREVIEW_TTL = timedelta(hours=1)
COUNT_KEYS = ("created", "updated", "unchanged", "passwords_generated")
CREDENTIALS_HEADER = ("email", "first_name", "last_name", "role", "password")

upload_table = Upload.__table__  # type: ignore[attr-defined]
_school_table = School.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True, slots=True)
class UploadOutcome:
    """What callers deliver: the INTERFACE upload result (``credentials_file`` None; the CLI
    fills it in) and, when passwords were generated, the credentials CSV to hand over once."""

    upload_id: str
    result: dict[str, Any]
    credentials_csv: bytes | None = None


def result_json(upload: Upload) -> dict[str, Any]:
    """The INTERFACE upload result for a stored upload (a pending preview reads as a dry run;
    an upload still applying, or one that failed, reads as its status)."""
    shown = (APPLIED, REJECTED, DRY_RUN, APPLYING, FAILED)
    status = upload.status if upload.status in shown else DRY_RUN
    return {
        "status": status,
        "counts": {key: int(upload.counts.get(key, 0)) for key in COUNT_KEYS},
        "errors": list(upload.errors),
        "warnings": list(upload.warnings),
        "credentials_file": None,
    }


def credentials_csv(rows: Iterable[tuple[str, str, str, str, str]]) -> bytes:
    """The generated passwords as CSV, every cell safe to open in a spreadsheet program."""
    return csv_bytes(CREDENTIALS_HEADER, rows)


def issue_dicts(issues: Iterable[FileIssue]) -> list[dict[str, Any]]:
    return [issue.as_dict() for issue in issues]


def store(
    hub: Hub,
    upload: Upload,
    *,
    status: str,
    errors: Iterable[FileIssue] = (),
    warnings: Iterable[FileIssue] = (),
    counts: dict[str, int] | None = None,
    replace: bool = False,
) -> UploadOutcome:
    """Write the Upload record (the only thing a rejected file or a dry run writes)."""
    upload.status = status
    upload.counts = dict(counts) if counts else dict.fromkeys(COUNT_KEYS, 0)
    upload.errors = issue_dicts(errors)
    upload.warnings = issue_dicts(warnings)
    with hub.transaction() as session:
        if replace:
            session.merge(upload)
        else:
            session.add(upload)
    return UploadOutcome(upload.id, result_json(upload))


def seal(hub: Hub, content: bytes) -> bytes:
    """The file as it is kept while it waits (a preview for its Confirm, an apply in the
    background): encrypted with the hub's key like every secret at rest, since an accounts
    file may carry the passwords people chose."""
    return hub.vault.encrypt(content).encode("ascii")


def unsealed(hub: Hub, upload: Upload) -> bytes | None:
    """The waiting file of ``upload``; None when it has none, or when it cannot be decrypted
    with the configured keys (the key it was sealed with was removed)."""
    if upload.content is None:
        return None
    try:
        return hub.vault.decrypt(upload.content.decode("ascii"))
    except (HubError, UnicodeDecodeError):
        return None


UNREADABLE = "its file can no longer be decrypted with the configured keys (ROSTERHUB_SECRET_KEY); send the file again"


def expire_previews(hub: Hub, *, now: datetime | None = None) -> int:
    """Drop the file of every preview older than :data:`PREVIEW_TTL` that nobody confirmed or
    cancelled (status ``expired``), so a forgotten file does not stay in the database; the
    schedule's tick calls it. How many were expired."""
    cutoff = (now or datetime.now(UTC)) - PREVIEW_TTL
    with hub.transaction() as session:
        done = session.execute(
            update(upload_table)
            .where(upload_table.c.status == PENDING, upload_table.c.created_at < cutoff)
            .values(status=EXPIRED, content=None)
        )
    return int(done.rowcount or 0)


def finish_pending(hub: Hub, upload_id: str, *, status: str) -> bool:
    with hub.transaction() as session:
        done = session.execute(
            update(upload_table)
            .where(upload_table.c.id == upload_id, upload_table.c.status == PENDING)
            .values(status=status, content=None)
        )
    return bool(done.rowcount)


def get_upload(hub: Hub, upload_id: str) -> Upload | None:
    with hub.session() as session:
        return session.get(Upload, upload_id)


def own_upload(hub: Hub, upload_id: str, actor: Actor, *, school_too: bool) -> Upload:
    """The upload ``actor`` made (and, with ``school_too``, may still touch the school of);
    anyone else's reads exactly like an id that does not exist."""
    upload = get_upload(hub, upload_id)
    if (
        upload is None
        or upload.actor != actor.name
        or (school_too and not actor.may_touch(upload.school_id))
    ):
        msg = f"unknown upload '{upload_id}'"
        raise UsageError(msg)
    return upload


def school_ids(hub: Hub, actor: Actor) -> dict[str, str]:
    """The id by name (Additional Schools are given by name) of every school the actor may
    touch; the others are not even read, so nothing downstream can mention them."""
    query = select(_school_table.c.id, _school_table.c.name)
    if actor.schools is not None:
        query = query.where(_school_table.c.id.in_(actor.schools))
    with hub.session() as session:
        return {row.name: row.id for row in session.execute(query)}


def age(created_at: datetime) -> timedelta:
    if created_at.tzinfo is None:
        created_at = created_at.replace(tzinfo=UTC)
    return datetime.now(UTC) - created_at
