"""How a run ends: the one way to record an end state, and the one way to fail a run.

:func:`finish` applies (when succeeding) and records a planned run's end in ONE transaction:
either every change and the run's result are written, or nothing is. :func:`fail` ends a run
``failed`` and frees its integration's slot, whoever noticed the failure: the executor, an
approval, a queue that could not take the run, or the reaper that found its worker dead. Both
write the audit record in the same transaction, and both scrub provider text of the
integration's secrets first (:mod:`hub.scrub`).

A run that ends applied or held makes its integration's older held runs out of date; they are
marked ``superseded`` in the same transaction (:func:`supersede_older`).
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from hub import audit
from hub.context import Hub
from hub.engine.apply import apply_plan
from hub.engine.plan import Plan
from hub.errors import HubError
from hub.integrations import scrubber_for
from hub.issues import ISSUE_CAP, Issue
from hub.models import Integration, Run, RunIssue, utcnow
from hub.run_status import ACTIVE, DRY_RUN, FAILED, HELD, SUCCEEDED, SUPERSEDED, SUPERSEDING
from hub.runs.notify import announce
from hub.scrub import SHAPES_ONLY, Scrubber

log = logging.getLogger(__name__)

_run_table = Run.__table__  # type: ignore[attr-defined]
_issue_table = RunIssue.__table__  # type: ignore[attr-defined]
_integration_table = Integration.__table__  # type: ignore[attr-defined]


def finish(
    hub: Hub,
    run: Run,
    plan: Plan,
    *,
    status: str,
    error: str | None = None,
    cursor_before: str | None = None,
) -> None:
    """Apply (when ``status`` is succeeded) and record the end state in one transaction."""
    scrub = scrubber_for(hub, run.integration_id)
    error = scrub.optional(error)
    now = utcnow()
    superseded: list[str] = []
    with hub.transaction() as session:
        conn = session.connection()
        if status == SUCCEEDED:
            apply_plan(conn, plan, now=now, change_set=run.id)
            store_cursor(conn, plan, cursor_before=cursor_before)
        insert_issues(conn, run.id, plan.all_issues(), scrub)
        blob = None
        if status in (HELD, DRY_RUN):  # kept to approve it, or to show it person by person
            plan.cursor_before = cursor_before
            blob = plan.to_bytes()
            if status == DRY_RUN:  # only an integration's newest preview keeps its plan
                conn.execute(
                    update(_run_table)
                    .where(_run_table.c.integration_id == run.integration_id)
                    .where(_run_table.c.status == DRY_RUN, _run_table.c.plan.is_not(None))
                    .values(plan=None)
                )
        if status in SUPERSEDING:
            superseded = supersede_older(session, run, status=status, now=now)
        close(
            conn,
            run.id,
            status=status,
            now=utcnow(),
            counts=plan.counts,
            schools=plan.school_counts(),
            error=error,
            plan=blob,
        )
        audit.record(
            session,
            actor=run.actor or run.trigger,
            action=f"run.{status}",
            target=run.id,
            integration_id=run.integration_id,
            counts=dict(plan.counts),
            **({"undoes": run.undoes} if run.undoes else {}),
        )
    announce(hub, [run.id, *superseded])


def fail(
    hub: Hub,
    run_id: str,
    error: str,
    *,
    from_statuses: Collection[str] = ACTIVE,
    still: ColumnElement[bool] | None = None,
    actor: str | None = None,
    now: datetime | None = None,
) -> bool:
    """End a run failed and free its slot, if it is still in one of ``from_statuses`` (and
    ``still`` holds, in the same statement); True when it was failed here.

    The error is scrubbed of the integration's secrets; the audit record names ``actor``
    (default: whoever asked for the run)."""
    now = now or utcnow()
    t = _run_table
    with hub.engine.connect() as conn:
        row = conn.execute(
            select(t.c.integration_id, t.c.actor, t.c.trigger).where(t.c.id == run_id)
        ).first()
    if row is None:
        return False
    error = scrubber_for(hub, row.integration_id)(error)
    with hub.transaction() as session:
        condition = (t.c.id == run_id) & t.c.status.in_(list(from_statuses))
        if still is not None:
            condition = condition & still
        failed = (
            session.connection()
            .execute(
                update(t)
                .where(condition)
                .values(
                    status=FAILED, finished_at=now, heartbeat_at=now, error=error, active_slot=None
                )
            )
            .rowcount
        )
        if failed:
            audit.record(
                session,
                actor=actor or row.actor or row.trigger,
                action="run.failed",
                target=run_id,
                integration_id=row.integration_id,
                error=error,
            )
    if failed:
        announce(hub, [run_id])
    return bool(failed)


def failure_reason(run_id: str, exc: BaseException, *, doing: str = "") -> str:
    """What a run's ``error`` says about an exception: the hub's own one-line message, or a
    generic one (with the details in the log) for anything else. Never SQL or parameters."""
    where = f" {doing}" if doing else ""
    if isinstance(exc, HubError):
        return one_line(exc)
    if isinstance(exc, SQLAlchemyError):
        log.exception("run %s: database error%s", run_id, where)
        return database_message(exc)
    if isinstance(exc, Exception):
        log.exception("run %s: unexpected error%s", run_id, where)
        return f"unexpected error ({type(exc).__name__}); the worker log has the details"
    return "interrupted before it finished; nothing was applied"


def close(
    conn: Connection,
    run_id: str,
    *,
    status: str,
    now: datetime,
    counts: dict[str, int],
    schools: dict[str, dict[str, int]] | None = None,
    error: str | None = None,
    plan: bytes | None = None,
) -> None:
    """Record a run's end state and free its integration for the next run. ``now`` is when
    it ended: stamp it after the run's changes were applied, not before."""
    conn.execute(
        update(_run_table)
        .where(_run_table.c.id == run_id)
        .values(
            status=status,
            finished_at=now,
            heartbeat_at=now,
            counts=dict(counts),
            school_counts=schools,
            error=error,
            plan=plan,
            active_slot=None,
        )
    )


def supersede_older(session: Any, run: Run, *, status: str, now: datetime) -> list[str]:
    """``run`` ends applied or held: the integration's older held runs planned against a view
    that is no longer the latest, so none of them may be approved any more. Returns their ids
    (to announce once the transaction is committed).

    Called before ``run`` frees its slot, in the same transaction, so an approval racing
    with it either finds the slot still taken or the older run already superseded."""
    conn = session.connection()
    t = _run_table
    older = conn.execute(
        select(t.c.id).where(
            t.c.integration_id == run.integration_id, t.c.status == HELD, t.c.id != run.id
        )
    ).scalars()
    found = list(older)
    for older_id in found:
        mark_superseded(
            session,
            older_id,
            integration_id=run.integration_id,
            reason=later_run(run.id, status),
            actor=run.actor or run.trigger,
            now=now,
            by=run.id,
        )
    return found


def later_run(run_id: str, status: str) -> str:
    what = "succeeded" if status == SUCCEEDED else "was held with a newer plan"
    return f"run '{run_id}' {what} after this one was held"


def mark_superseded(
    session: Any,
    run_id: str,
    *,
    integration_id: str,
    reason: str,
    actor: str,
    now: datetime,
    by: str | None = None,
    from_status: str = HELD,
) -> str:
    """Record that a held run's plan is out of date (and drop the plan: it is never applied).
    Returns the run's error text."""
    error = (
        f"superseded: {reason}; nothing from it was applied "
        "(run a new sync to see what would change now)"
    )
    session.connection().execute(
        update(_run_table)
        .where(_run_table.c.id == run_id, _run_table.c.status == from_status)
        .values(status=SUPERSEDED, error=error, plan=None, active_slot=None, heartbeat_at=now)
    )
    audit.record(
        session,
        actor=actor,
        action="run.superseded",
        target=run_id,
        integration_id=integration_id,
        by=by,
    )
    return error


def store_cursor(conn: Connection, plan: Plan, *, cursor_before: str | None) -> None:
    """Move the integration's cursor on, unless another run moved it since this one planned."""
    if plan.cursor is None:
        return
    t = _integration_table
    conn.execute(
        update(t)
        .where(t.c.id == plan.integration_id)
        .where(t.c.cursor.is_(None) if cursor_before is None else t.c.cursor == cursor_before)
        .values(cursor=plan.cursor)
    )


def insert_issues(
    conn: Connection, run_id: str, issues: list[Issue], scrub: Scrubber = SHAPES_ONLY
) -> None:
    """Issues carry provider text (ids, messages): scrubbed on the way into the record."""
    if not issues:
        return
    conn.execute(
        insert(_issue_table),
        [
            {
                "run_id": run_id,
                "severity": i.severity,
                "external_id": scrub.optional(i.external_id),
                "email": scrub.optional(i.email),
                "message": scrub(i.message),
            }
            for i in issues
        ],
    )


def insert_issues_capped(conn: Connection, run_id: str, extra: list[Issue]) -> None:
    """Add issues to a run that already has some, keeping the run within ISSUE_CAP."""
    if not extra:
        return
    already = conn.execute(
        select(func.count()).select_from(_issue_table).where(_issue_table.c.run_id == run_id)
    ).scalar_one()
    room = max(0, ISSUE_CAP - already)
    kept = extra[:room]
    if len(extra) > room and room:
        kept = [
            *extra[: room - 1],
            Issue("warning", f"{len(extra) - room + 1} more issues not shown"),
        ]
    insert_issues(conn, run_id, kept)


def one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if not text:
        text = type(exc).__name__
    return text if len(text) <= 500 else text[:497] + "..."


def database_message(exc: SQLAlchemyError) -> str:
    """Never echo SQL or parameters (they hold people's data); say what to do instead."""
    if isinstance(exc, IntegrityError):
        return (
            "the accounts changed while this run was being planned; nothing was applied, "
            "run the sync again"
        )
    orig = getattr(exc, "orig", None)
    kind = type(orig).__name__ if orig is not None else type(exc).__name__
    return f"database error ({kind}); nothing was applied"
