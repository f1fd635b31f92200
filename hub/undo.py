"""Undo a run or an upload: put back every account and membership field it changed.

An undo of a run is a new run of the same integration with trigger ``undo``, asked for through
:func:`hub.runs.submit` like any other: its plan comes from what the undone run recorded
(:mod:`hub.engine.undo`), the safeguard may hold it, and what it changes is recorded in turn,
so undoing an undo redoes. An upload has no integration: its undo is applied here, in one
transaction, and recorded as a new upload (``undo of upl_…``) that can be undone the same way;
accounts the upload created are deactivated, never deleted.

Rows a later run or upload changed again are conflicts: the undo is refused with the list
(:class:`UndoConflicts`), unless forced, which puts back the rest and reports the conflicts
as issues.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from hub import audit, districts, runs
from hub.actors import Actor
from hub.context import Hub
from hub.engine.apply import apply_plan
from hub.engine.plan import Plan
from hub.engine.safeguard import hold_reason
from hub.engine.undo import Conflict, conflicts, has_changes, plan_undo
from hub.errors import Conflict as ConflictError
from hub.errors import UsageError
from hub.models import ACTIVE, CSV, Integration, Membership, Run, Upload, utcnow
from hub.queue import RunQueue
from hub.run_status import ACTIVE as ACTIVE_RUN
from hub.run_status import SUCCEEDED
from hub.runs.execution import conflict_message
from hub.uploads import APPLIED

UPLOAD_SAFEGUARD_PERCENT = 10.0
"""An upload's undo is held back (refused without ``force``) like a run's, at the default
``max_deactivate_percent``: uploads have no integration setting of their own."""


class UndoConflicts(ConflictError):
    """Rows changed again since: the undo was refused; ``conflicts`` lists them."""

    def __init__(self, change_set: str, found: list[Conflict]) -> None:
        self.conflicts = found
        super().__init__(conflict_message(change_set, len(found)))


@dataclass(frozen=True)
class Undone:
    """What an undo made: a run (of a run) or an upload record (of an upload)."""

    run: Run | None = None
    upload: Upload | None = None


def undo(
    hub: Hub,
    target: str,
    *,
    actor: Actor,
    force: bool = False,
    here: bool = False,
    queue: RunQueue | None = None,
) -> Undone:
    """Undo run or upload ``target`` as ``actor`` (who must be allowed at its school)."""
    target = target.strip()
    if target.startswith("upl_"):
        return Undone(upload=_undo_upload(hub, target, actor=actor, force=force))
    run = runs.get_run(hub, target)
    with hub.session() as session:
        integration = session.get(Integration, run.integration_id)
    if integration is None or not all(actor.may_touch(s) for s in _schools_of(hub, integration)):
        msg = f"unknown run '{target}' (see 'rosterhub runs list')"
        raise UsageError(msg)
    with hub.engine.connect() as conn:
        recorded = has_changes(conn, run.id)
        found = conflicts(conn, run.id) if recorded else []
    if not recorded:
        why = "changed nothing" if run.status == SUCCEEDED else f"is {run.status}, not applied"
        msg = f"run '{run.id}' {why}; there is nothing to undo"
        raise UsageError(msg)
    if found and not force:
        raise UndoConflicts(run.id, found)
    latest = runs.list_runs(hub, integration_id=integration.id, limit=1)
    if latest and latest[0].status in ACTIVE_RUN:
        raise ConflictError(_busy(integration.id, latest[0].id))
    request = runs.RunRequest(
        integration.id, trigger="undo", actor=actor.name, force=force, undoes=run.id
    )
    submission = runs.submit(hub, request, here=here, queue=queue)
    if not submission.created and submission.run.undoes != run.id:
        raise ConflictError(_busy(integration.id, submission.run.id))
    return Undone(run=submission.run)


def _schools_of(hub: Hub, integration: Integration) -> list[str]:
    """The schools an integration's runs write: its school, or a district integration's
    linked schools (undoing its run puts back rows at every one of them)."""
    if integration.school_id is not None:
        return [integration.school_id]
    return list(districts.links_of(hub, integration.id))


def _busy(integration_id: str, run_id: str) -> str:
    return (
        f"integration '{integration_id}' has run '{run_id}' queued or running; "
        "undo when it has ended"
    )


def _undo_upload(hub: Hub, upload_id: str, *, actor: Actor, force: bool) -> Upload:
    with hub.session() as session:
        upload = session.get(Upload, upload_id)
    if upload is None or not actor.may_touch(upload.school_id):
        msg = f"unknown upload '{upload_id}'"
        raise UsageError(msg)
    record = Upload(
        school_id=upload.school_id,
        filename=f"undo of {upload.id}"[:255],
        status=APPLIED,
        actor=actor.name,
    )
    with hub.transaction() as session:
        conn = session.connection()
        if not has_changes(conn, upload.id):
            msg = f"upload '{upload.id}' changed nothing; there is nothing to undo"
            raise UsageError(msg)
        plan = Plan(integration_id="", school_id=upload.school_id, source=CSV, full=False)
        plan.active_before = _active_uploaded(session, upload.school_id)
        plan, found = plan_undo(conn, upload.id, plan)
        if found and not force:
            raise UndoConflicts(upload.id, found)
        reason = hold_reason(plan, max_deactivate_percent=UPLOAD_SAFEGUARD_PERCENT)
        if reason and not force:
            why = reason.partition(": ")[2].partition(";")[0]
            msg = f"undo of upload '{upload.id}' not applied: it {why}; undo with --force"
            raise ConflictError(msg)
        session.add(record)
        session.flush()
        apply_plan(conn, plan, now=utcnow(), change_set=record.id)
        record.counts = _upload_counts(plan.counts)
        record.warnings = [
            {"sheet": "", "row": 0, "column": None, "message": _line(i.email, i.message)}
            for i in plan.all_issues()
        ]
        audit.record(
            session,
            actor=actor.name,
            action="upload.undo",
            target=record.id,
            school_id=upload.school_id,
            undoes=upload.id,
            counts=dict(plan.counts),
        )
    return record


def _active_uploaded(session: Any, school_id: str) -> int:
    m = Membership.__table__  # type: ignore[attr-defined]
    query = select(func.count()).where(
        m.c.school_id == school_id, m.c.source == CSV, m.c.status == ACTIVE
    )
    return int(session.execute(query).scalar_one())


def _upload_counts(counts: dict[str, int]) -> dict[str, int]:
    return {key: int(value) for key, value in counts.items()}


def _line(email: str | None, message: str) -> str:
    return f"{email}: {message}" if email else message


def upload_json(upload: Upload) -> dict[str, Any]:
    """An upload's undo as the CLI and the API answer it: its id (itself undoable), the
    upload it put back, and run-style counts."""
    return {
        "id": upload.id,
        "undoes": upload.filename.removeprefix("undo of "),
        "school_id": upload.school_id,
        "status": upload.status,
        "counts": dict(upload.counts),
        "issues": [w["message"] for w in upload.warnings],
    }
