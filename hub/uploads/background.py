"""Applying an upload in the background, with progress, surviving a restart.

A request that applies a file (``POST /api/v1/schools/{id}/uploads``) validates it at once (a
rejection is immediate), stores it as ``applying`` with its content, and applies it on a thread
of the serving process, waiting up to :data:`WAIT_SECONDS` for it to finish. The thread writes
the progress and a heartbeat every :data:`BEAT_SECONDS`. The apply itself is one transaction
(:mod:`hub.uploads.apply`), so a process that dies mid-apply leaves nothing written; an upload
whose heartbeat is older than :data:`STALE_AFTER` is taken over (:func:`resume_stale`, from the
scheduler's tick and from anyone reading it) and applied again from its stored file, or failed
after :data:`MAX_ATTEMPTS`, with nothing written. Two processes applying the same upload at once
cannot both write it: the write claims ``applying`` -> ``applied`` first.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from hub.actors import Actor, as_actor
from hub.context import Hub
from hub.formats import FileCheck
from hub.models import utcnow
from hub.schools import get_school
from hub.uploads.apply import Target, apply
from hub.uploads.lifecycle import confirmable, receive, validate
from hub.uploads.records import (
    APPLYING,
    FAILED,
    PENDING,
    REJECTED,
    UNREADABLE,
    UploadOutcome,
    get_upload,
    issue_dicts,
    own_upload,
    result_json,
    school_ids,
    seal,
    store,
    unsealed,
    upload_table,
)

log = logging.getLogger(__name__)

WAIT_SECONDS = 10.0
"""How long a request waits for the apply before answering 202 with its progress."""
BEAT_SECONDS = 5.0
"""How often the applying thread writes its progress and heartbeat."""
STALE_AFTER = timedelta(minutes=2)
"""A heartbeat older than this means the applying process is gone."""
MAX_ATTEMPTS = 3
"""Applies of one upload (the first and the resumes) before it is failed."""


def start_apply(
    hub: Hub,
    *,
    school_id: str,
    filename: str,
    content: bytes,
    actor: Actor | str | None,
    owner: str | None = None,
    wait: float | None = None,
) -> str:
    """Validate the file and apply it on a background thread; the upload's id once it is
    rejected, applied, failed, or still applying after ``wait`` seconds. ``owner`` is stored as
    the one who may download the generated passwords (the API's token hash)."""
    who = as_actor(actor)
    target, check, upload = receive(hub, school_id, filename, content, who)
    if not check.ok:
        store(hub, upload, status=REJECTED, errors=check.errors, warnings=check.warnings)
        return upload.id
    upload.status = APPLYING
    upload.content = seal(hub, content)
    upload.actor_schools = _schools(who)
    upload.progress_total = len(check.persons())
    upload.heartbeat_at = utcnow()
    upload.attempts = 1
    upload.credentials_token_hash = owner
    upload.warnings = issue_dicts(check.warnings)
    with hub.transaction() as session:
        session.add(upload)
    _wait(launch(hub, upload.id, target=target, check=check), wait)
    return upload.id


def confirm_in_background(
    hub: Hub,
    *,
    upload_id: str,
    actor: Actor | str | None,
    owner: str | None = None,
    wait: float | None = None,
) -> str:
    """Confirm a pending upload (a preview) and apply it on a background thread, as
    :func:`start_apply` does a new file: the same checks as
    :func:`~hub.uploads.lifecycle.confirm_upload`, then ``pending`` -> ``applying`` (so a
    restart resumes it), waiting up to ``wait`` seconds. Confirming twice applies once."""
    who = as_actor(actor)
    if own_upload(hub, upload_id, who, school_too=True).status == APPLYING:
        return upload_id  # confirmed a moment ago: it is on its way
    ready = confirmable(hub, upload_id, who)
    if isinstance(ready, UploadOutcome):
        return ready.upload_id
    upload, target, check = ready
    with hub.transaction() as session:
        claimed = session.execute(
            update(upload_table)
            .where(upload_table.c.id == upload.id, upload_table.c.status == PENDING)
            .values(
                status=APPLYING,
                actor_schools=_schools(who),
                progress_done=0,
                progress_total=len(check.persons()),
                heartbeat_at=utcnow(),
                attempts=1,
                credentials_token_hash=owner,
            )
        )
    if claimed.rowcount == 1:  # else another request confirmed it a moment ago
        _wait(launch(hub, upload.id, target=target, check=check), wait)
    return upload.id


def _schools(who: Actor) -> list[str] | None:
    return sorted(who.schools) if who.schools is not None else None


def _wait(worker: threading.Thread, wait: float | None) -> None:
    worker.join(WAIT_SECONDS if wait is None else wait)


def launch(
    hub: Hub, upload_id: str, *, target: Target | None = None, check: FileCheck | None = None
) -> threading.Thread:
    worker = threading.Thread(
        target=run_apply,
        args=(hub, upload_id),
        kwargs={"target": target, "check": check},
        name=f"upload:{upload_id}",
        daemon=True,
    )
    worker.start()
    return worker


def run_apply(
    hub: Hub, upload_id: str, *, target: Target | None = None, check: FileCheck | None = None
) -> None:
    """Apply a stored ``applying`` upload (validating its file again when resumed)."""
    upload = get_upload(hub, upload_id)
    if upload is None or upload.status != APPLYING or upload.content is None:
        return
    try:
        if target is None or check is None:
            schools = upload.actor_schools
            who = Actor(upload.actor or "", None if schools is None else frozenset(schools))
            content = unsealed(hub, upload)
            if content is None:
                fail(hub, upload_id, f"upload {upload_id} was not applied: {UNREADABLE}")
                return
            target = Target(get_school(hub, upload.school_id), school_ids(hub, who), who)
            check = validate(hub, content, upload.filename, target)
            if not check.ok:  # a school it names was renamed or removed meanwhile
                fail(hub, upload_id, check.errors[0].message)
                return
        with _Beat(hub, upload_id) as beat:
            apply(
                hub,
                target,
                check,
                upload=upload,
                claim_from=APPLYING,
                report=beat.report,
                keep_credentials=True,
            )
    except Exception as exc:  # noqa: BLE001 - whatever stopped it, the upload says so
        log.warning("upload %s failed", upload_id, exc_info=True)
        fail(hub, upload_id, str(exc) or type(exc).__name__)


def fail(hub: Hub, upload_id: str, message: str) -> bool:
    """Mark an ``applying`` upload failed (nothing of it was written) and drop its file."""
    with hub.transaction() as session:
        done = session.execute(
            update(upload_table)
            .where(upload_table.c.id == upload_id, upload_table.c.status == APPLYING)
            .values(status=FAILED, content=None, error=message[:2000], heartbeat_at=None)
        )
    return bool(done.rowcount)


def resume_stale(
    hub: Hub, *, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> list[str]:
    """Take over every ``applying`` upload whose process stopped beating: apply it again on a
    thread here, or fail it after :data:`MAX_ATTEMPTS`. The ids taken over."""
    now = now or utcnow()
    u = upload_table
    with hub.session() as session:
        rows = session.execute(
            select(u.c.id, u.c.heartbeat_at, u.c.attempts).where(
                u.c.status == APPLYING,
                or_(u.c.heartbeat_at.is_(None), u.c.heartbeat_at < now - stale_after),
            )
        ).all()
    taken = []
    for row in rows:
        with hub.transaction() as session:
            claimed = session.execute(
                update(u)
                .where(u.c.id == row.id, u.c.status == APPLYING, u.c.attempts == row.attempts)
                .values(heartbeat_at=now, attempts=row.attempts + 1)
            )
        if claimed.rowcount != 1:
            continue  # another process took it over first
        taken.append(row.id)
        if row.attempts >= MAX_ATTEMPTS:
            fail(
                hub,
                row.id,
                f"the upload stopped {row.attempts} times while being applied; nothing was written, send the file again",
            )
        else:
            log.info("resuming upload %s (attempt %d)", row.id, row.attempts + 1)
            launch(hub, row.id)
    return taken


def upload_json(upload: Any) -> dict[str, Any]:
    """What ``GET /api/v1/uploads/{id}`` shows: the progress while ``applying``, else the
    upload result (a failed one with its reason as the one error, nothing having been written)."""
    if upload.status == APPLYING:
        return {
            "id": upload.id,
            "upload_id": upload.id,
            "status": APPLYING,
            "progress": {"done": int(upload.progress_done), "total": int(upload.progress_total)},
        }
    result = result_json(upload)
    if upload.status == FAILED:
        message = upload.error or "the upload could not be applied; nothing was written"
        result["errors"] = [
            {"sheet": upload.filename, "row": 0, "column": None, "message": message}
        ]
    result["id"] = result["upload_id"] = upload.id
    return result


class _Beat:
    """Writes the apply's progress and heartbeat from a side thread."""

    def __init__(self, hub: Hub, upload_id: str) -> None:
        self.hub, self.upload_id = hub, upload_id
        self.done = 0
        self.every = BEAT_SECONDS
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"beat:{upload_id}", daemon=True)

    def report(self, done: int, total: int) -> None:
        del total
        self.done = done

    def __enter__(self) -> _Beat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 35)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                with self.hub.engine.begin() as conn:
                    conn.execute(
                        update(upload_table)
                        .where(
                            upload_table.c.id == self.upload_id, upload_table.c.status == APPLYING
                        )
                        .values(heartbeat_at=utcnow(), progress_done=self.done)
                    )
            except Exception:  # noqa: BLE001 - a missed beat is retried on the next one
                log.warning("heartbeat for upload %s failed", self.upload_id, exc_info=True)


def outcome_of(hub: Hub, upload_id: str) -> UploadOutcome:
    upload = get_upload(hub, upload_id)
    assert upload is not None
    return UploadOutcome(upload.id, upload_json(upload))
