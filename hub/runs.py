"""Runs: one sync of one integration, from request to its end state.

The database is the source of truth. :func:`request_run` writes a ``queued`` row whose unique
``active_slot`` guarantees one queued-or-running run per integration; :func:`execute` moves a
queued run through ``running`` to ``succeeded``, ``failed``, ``held`` or ``dry_run``. The same
:func:`execute` runs in the CLI, the embedded worker thread and scaled-out worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col

from hub import audit
from hub.context import Hub
from hub.errors import CursorExpired, HubError, UsageError
from hub.integrations import build_provider, get_integration
from hub.models import Integration, Run, RunIssue, iso, utcnow
from hub.provider import Provider
from hub.sync import COUNT_KEYS, ISSUE_CAP, Issue, Plan, apply_plan, hold_reason, plan_sync
from hub.worker import Heartbeat

log = logging.getLogger(__name__)

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
HELD = "held"
DRY_RUN = "dry_run"
TRIGGERS = ("manual", "schedule", "chat", "api")

Progress = Callable[[int, int | None], None]

_run_table = Run.__table__  # type: ignore[attr-defined]
_issue_table = RunIssue.__table__  # type: ignore[attr-defined]
_integration_table = Integration.__table__  # type: ignore[attr-defined]


# -- requesting ----------------------------------------------------------------------------


def request_run(
    hub: Hub,
    *,
    integration_id: str,
    trigger: str = "manual",
    dry_run: bool = False,
    full: bool = False,
    force: bool = False,
    actor: str | None = None,
    scheduled_for: datetime | None = None,
) -> tuple[Run, bool]:
    """Queue a run, or return the integration's run that is already queued or running
    (``created`` is then False). The database, not a lock, decides: two requests racing on
    two machines still leave one run."""
    if trigger not in TRIGGERS:
        msg = f"unknown trigger '{trigger}' (one of: {', '.join(TRIGGERS)})"
        raise UsageError(msg)
    integration = get_integration(hub, integration_id)
    if not integration.enabled:
        msg = f"integration '{integration.id}' is disabled; enable it before syncing"
        raise UsageError(msg)
    for _attempt in range(3):
        run = Run(
            integration_id=integration.id,
            status=QUEUED,
            trigger=trigger,
            dry_run=dry_run,
            full=full,
            force=force,
            actor=actor,
            active_slot=integration.id,
            scheduled_for=scheduled_for,
        )
        try:
            with hub.transaction() as session:
                session.add(run)
                audit.record(
                    session,
                    actor=actor or trigger,
                    action="run.request",
                    target=run.id,
                    integration_id=integration.id,
                    trigger=trigger,
                    dry_run=dry_run,
                    full=full,
                    force=force,
                )
            return run, True
        except IntegrityError:
            existing = _existing_run(hub, integration.id, scheduled_for)
            if existing is not None:
                return existing, False
            # the active run ended between our insert and our look; try again
    msg = f"could not queue a run for integration '{integration.id}'; try again"
    raise HubError(msg)


def _existing_run(hub: Hub, integration_id: str, scheduled_for: datetime | None) -> Run | None:
    with hub.session() as session:
        active = session.scalars(select(Run).where(col(Run.active_slot) == integration_id)).first()
        if active is not None or scheduled_for is None:
            return active
        return session.scalars(
            select(Run).where(
                col(Run.integration_id) == integration_id,
                col(Run.scheduled_for) == scheduled_for,
            )
        ).first()


# -- executing -----------------------------------------------------------------------------


def execute(hub: Hub, run_id: str, *, progress: Progress | None = None) -> Run:
    """Run a queued run to its end state and return it. A run that is not queued (another
    worker took it, or it already ended) is returned as it is, so redelivery is harmless.

    While it executes (planning and apply alike), a :class:`hub.worker.Heartbeat` stamps
    the run, whether it runs in a worker or in-line in the CLI."""
    now = utcnow()
    with hub.transaction() as session:
        claimed = session.execute(
            update(_run_table)
            .where(_run_table.c.id == run_id, _run_table.c.status == QUEUED)
            .values(
                status=RUNNING,
                started_at=now,
                heartbeat_at=now,
                attempts=_run_table.c.attempts + 1,
            )
        ).rowcount
    run = get_run(hub, run_id)
    if not claimed:
        return run
    try:
        with Heartbeat(hub, run_id):
            with hub.session() as session:
                integration = session.get(Integration, run.integration_id)
            if integration is None:
                msg = f"integration '{run.integration_id}' no longer exists"
                raise HubError(msg)
            _execute(hub, run, integration, progress)
    except HubError as exc:
        _fail(hub, run, _one_line(exc))
    except SQLAlchemyError as exc:
        log.exception("run %s: database error", run.id)
        _fail(hub, run, _database_message(exc))
    except Exception as exc:
        log.exception("run %s: unexpected error", run.id)
        _fail(hub, run, f"unexpected error ({type(exc).__name__}); the worker log has the details")
    except BaseException:
        _fail(hub, run, "interrupted before it finished; nothing was applied")
        raise
    return get_run(hub, run_id)


def sync_now(
    hub: Hub,
    *,
    integration_id: str,
    trigger: str = "manual",
    dry_run: bool = False,
    full: bool = False,
    force: bool = False,
    actor: str | None = None,
    progress: Progress | None = None,
) -> Run:
    """Request a run and execute it here (the CLI). If the integration already has a run
    queued, that one is executed; if one is running elsewhere, it is returned as it is."""
    run, _created = request_run(
        hub,
        integration_id=integration_id,
        trigger=trigger,
        dry_run=dry_run,
        full=full,
        force=force,
        actor=actor,
    )
    if run.status == QUEUED:
        return execute(hub, run.id, progress=progress)
    return run


def _execute(hub: Hub, run: Run, integration: Integration, progress: Progress | None) -> None:
    provider = build_provider(hub, integration)
    try:
        plan = _plan(hub, run, integration, provider, progress)
    finally:
        provider.close()
    plan_cursor_before = integration.cursor
    reason = hold_reason(plan, max_deactivate_percent=integration.max_deactivate_percent)
    if run.dry_run:
        if reason:
            plan.add_issue(Issue("warning", f"dry run; a real run would be {reason}"))
        _finish(hub, run, plan, status=DRY_RUN)
    elif reason and not run.force:
        _finish(hub, run, plan, status=HELD, error=reason, cursor_before=plan_cursor_before)
    else:
        _finish(hub, run, plan, status=SUCCEEDED, cursor_before=plan_cursor_before)


def _plan(
    hub: Hub, run: Run, integration: Integration, provider: Provider, progress: Progress | None
) -> Plan:
    options: dict[str, Any] = {
        "integration_id": integration.id,
        "school_id": integration.school_id,
        "source": integration.provider,
        "admin_implies_teacher": integration.admin_implies_teacher,
        "progress": progress,
    }
    note: Issue | None = None
    with hub.engine.connect() as conn:
        if provider.incremental and integration.cursor and not run.full:
            try:
                return plan_sync(
                    conn, provider.fetch_changes(integration.cursor), full=False, **options
                )
            except CursorExpired:
                note = Issue(
                    "warning", "the stored change cursor has expired; ran a full sync instead"
                )
        plan = plan_sync(conn, provider.fetch(), full=True, **options)
    if note is not None:
        plan.issues.insert(0, note)
    return plan


def _close(
    conn: Connection,
    run_id: str,
    *,
    status: str,
    now: datetime,
    counts: dict[str, int],
    error: str | None = None,
    plan: bytes | None = None,
) -> None:
    """Record a run's end state and free its integration for the next run."""
    conn.execute(
        update(_run_table)
        .where(_run_table.c.id == run_id)
        .values(
            status=status,
            finished_at=now,
            heartbeat_at=now,
            counts=dict(counts),
            error=error,
            plan=plan,
            active_slot=None,
        )
    )


def _finish(
    hub: Hub,
    run: Run,
    plan: Plan,
    *,
    status: str,
    error: str | None = None,
    cursor_before: str | None = None,
) -> None:
    """Apply (when succeeding) and record the end state in ONE transaction: either every
    change and the run's result are written, or nothing is."""
    now = utcnow()
    with hub.transaction() as session:
        conn = session.connection()
        if status == SUCCEEDED:
            apply_plan(conn, plan, now=now)
            _store_cursor(conn, plan, cursor_before=cursor_before)
        _insert_issues(conn, run.id, plan.all_issues())
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
        _close(conn, run.id, status=status, now=now, counts=plan.counts, error=error, plan=blob)
        audit.record(
            session,
            actor=run.actor or run.trigger,
            action=f"run.{status}",
            target=run.id,
            integration_id=run.integration_id,
            counts=dict(plan.counts),
        )


def _store_cursor(conn: Connection, plan: Plan, *, cursor_before: str | None) -> None:
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


def _insert_issues(conn: Connection, run_id: str, issues: list[Issue]) -> None:
    if not issues:
        return
    conn.execute(
        insert(_issue_table),
        [
            {
                "run_id": run_id,
                "severity": i.severity,
                "external_id": i.external_id,
                "email": i.email,
                "message": i.message,
            }
            for i in issues
        ],
    )


def _fail(hub: Hub, run: Run, error: str) -> None:
    now = utcnow()
    with hub.transaction() as session:
        session.execute(
            update(_run_table)
            .where(_run_table.c.id == run.id)
            .values(status=FAILED, finished_at=now, heartbeat_at=now, error=error, active_slot=None)
        )
        audit.record(
            session,
            actor=run.actor or run.trigger,
            action="run.failed",
            target=run.id,
            integration_id=run.integration_id,
            error=error,
        )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    if not text:
        text = type(exc).__name__
    return text if len(text) <= 500 else text[:497] + "..."


def _database_message(exc: SQLAlchemyError) -> str:
    """Never echo SQL or parameters (they hold people's data); say what to do instead."""
    if isinstance(exc, IntegrityError):
        return (
            "the accounts changed while this run was being planned; nothing was applied, "
            "run the sync again"
        )
    orig = getattr(exc, "orig", None)
    kind = type(orig).__name__ if orig is not None else type(exc).__name__
    return f"database error ({kind}); nothing was applied"


# -- approving -----------------------------------------------------------------------------


def approve(hub: Hub, run_id: str, *, actor: str) -> Run:
    """Apply a held run's stored plan. Changes whose rows moved on since the plan was made are
    left alone (warnings), so approving an old plan never overwrites newer data."""
    run = get_run(hub, run_id)
    if run.status != HELD:
        msg = f"run '{run.id}' is {run.status}, not held; only a held run can be approved"
        raise UsageError(msg)
    try:
        with hub.transaction() as session:
            claimed = session.execute(
                update(_run_table)
                .where(_run_table.c.id == run.id, _run_table.c.status == HELD)
                .values(status=RUNNING, active_slot=run.integration_id, heartbeat_at=utcnow())
            ).rowcount
    except IntegrityError:
        msg = (
            f"integration '{run.integration_id}' has another run queued or running; "
            f"approve '{run.id}' when it has finished"
        )
        raise UsageError(msg) from None
    if not claimed:
        current = get_run(hub, run.id)
        msg = f"run '{run.id}' is {current.status}, not held; only a held run can be approved"
        raise UsageError(msg)
    try:
        if run.plan is None:
            msg = f"run '{run.id}' has no stored plan to apply"
            raise HubError(msg)
        plan = Plan.from_bytes(run.plan)
        now = utcnow()
        with hub.transaction() as session:
            conn = session.connection()
            stale = apply_plan(conn, plan, now=now, guard=True)
            _store_cursor(conn, plan, cursor_before=plan.cursor_before)
            already = conn.execute(
                select(func.count())
                .select_from(_issue_table)
                .where(_issue_table.c.run_id == run.id)
            ).scalar_one()
            room = max(0, ISSUE_CAP - already)
            extra = stale[:room]
            if len(stale) > room and room:
                extra = [
                    *stale[: room - 1],
                    Issue("warning", f"{len(stale) - room + 1} more issues not shown"),
                ]
            _insert_issues(conn, run.id, extra)
            _close(conn, run.id, status=SUCCEEDED, now=now, counts=plan.counts)
            audit.record(
                session,
                actor=actor,
                action="run.approve",
                target=run.id,
                integration_id=run.integration_id,
                counts=dict(plan.counts),
                stale=len(stale),
            )
    except HubError as exc:
        _fail(hub, run, _one_line(exc))
    except SQLAlchemyError as exc:
        log.exception("run %s: database error while approving", run.id)
        _fail(hub, run, _database_message(exc))
    except Exception as exc:
        log.exception("run %s: unexpected error while approving", run.id)
        _fail(hub, run, f"unexpected error ({type(exc).__name__}); the worker log has the details")
    return get_run(hub, run.id)


# -- reading -------------------------------------------------------------------------------


def get_run(hub: Hub, run_id: str) -> Run:
    with hub.session() as session:
        run = session.get(Run, run_id.strip())
    if run is None:
        msg = f"unknown run '{run_id}' (see 'rosterhub runs list')"
        raise UsageError(msg)
    return run


def list_runs(
    hub: Hub, *, integration_id: str | None = None, school_id: str | None = None, limit: int = 100
) -> list[Run]:
    """Runs, newest first."""
    query = select(Run)
    if integration_id is not None:
        query = query.where(col(Run.integration_id) == integration_id)
    if school_id is not None:
        query = query.join(Integration, col(Integration.id) == col(Run.integration_id)).where(
            col(Integration.school_id) == school_id
        )
    query = query.order_by(col(Run.created_at).desc(), col(Run.id).desc()).limit(limit)
    with hub.session() as session:
        return list(session.scalars(query))


def get_runs(hub: Hub, run_ids: list[str]) -> list[Run]:
    """Several runs in one query, in the order asked; an unknown id fails as in get_run."""
    wanted = [run_id.strip() for run_id in run_ids]
    with hub.session() as session:
        found = {run.id: run for run in session.scalars(select(Run).where(col(Run.id).in_(wanted)))}
    for run_id, key in zip(run_ids, wanted, strict=True):
        if key not in found:
            msg = f"unknown run '{run_id}' (see 'rosterhub runs list')"
            raise UsageError(msg)
    return [found[key] for key in wanted]


def run_json(hub: Hub, run: Run) -> dict[str, Any]:
    """A run in the exact INTERFACE shape, issues included."""
    return runs_json(hub, [run])[0]


def runs_json(hub: Hub, found: list[Run]) -> list[dict[str, Any]]:
    """Runs in the exact INTERFACE shape, issues included (read in one query for all)."""
    t = _issue_table
    issues: dict[str, list[dict[str, Any]]] = {run.id: [] for run in found}
    if issues:
        with hub.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.run_id, t.c.severity, t.c.external_id, t.c.email, t.c.message)
                .where(t.c.run_id.in_(list(issues)))
                .order_by(t.c.id)
            ).all()
        for run_id, s, ext, email, message in rows:
            issues[run_id].append(
                {"severity": s, "external_id": ext, "email": email, "message": message}
            )
    return [_run_doc(run, issues[run.id]) for run in found]


def _run_doc(run: Run, issues: list[dict[str, Any]]) -> dict[str, Any]:
    counts = run.counts or {}
    return {
        "id": run.id,
        "integration_id": run.integration_id,
        "status": run.status,
        "trigger": run.trigger,
        "started_at": iso(run.started_at or run.created_at),
        "finished_at": iso(run.finished_at),
        "counts": {key: int(counts.get(key, 0)) for key in COUNT_KEYS},
        "issues": issues,
        "error": run.error,
    }
