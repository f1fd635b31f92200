"""Runs: one sync of one integration, from request to its end state.

The database is the source of truth. :func:`request_run` writes a ``queued`` row whose unique
``active_slot`` guarantees one queued-or-running run per integration; :func:`execute` moves a
queued run through ``running`` to ``succeeded``, ``failed``, ``held`` or ``dry_run``. The same
:func:`execute` runs in the CLI, the embedded worker thread and scaled-out worker processes.

A held run's plan is the view of its integration when it was held. A run that later applies
or is held in its turn makes that view out of date, so it marks the older held run
``superseded`` in the same transaction; :func:`approve` re-checks the same (and whether the
rows or settings the plan was computed against changed) and supersedes instead of applying.
The statuses themselves live in :mod:`hub.run_status`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlmodel import col

from hub import audit
from hub.context import Hub
from hub.errors import Conflict, CursorExpired, HubError, UsageError
from hub.integrations import build_provider, get_integration, scrubber_for
from hub.models import Integration, Run, RunIssue, iso, utcnow
from hub.provider import Provider
from hub.run_status import (
    ACTIVE,
    DRY_RUN,
    FAILED,
    HELD,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    SUPERSEDED,
    SUPERSEDING,
)
from hub.scrub import SHAPES_ONLY, Scrubber
from hub.sync import (
    COUNT_KEYS,
    ISSUE_CAP,
    Issue,
    Plan,
    StalePlan,
    apply_plan,
    hold_reason,
    plan_sync,
)
from hub.worker import STALE_AFTER, Heartbeat, reap_stale_runs

log = logging.getLogger(__name__)

TRIGGERS = ("manual", "schedule", "chat", "api")
WAIT_POLL_SECONDS = 1.0

Progress = Callable[[int, int | None], None]
Waiting = Callable[[Run], None]

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
    waiting: Waiting | None = None,
) -> Run:
    """Request a run and execute it here (the CLI). If the integration already has a run
    queued, that one is executed; if one is running elsewhere (a worker took it), this waits
    for it to end (calling ``waiting`` on every look) and returns it as it ended."""
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
        run = execute(hub, run.id, progress=progress)
    if run.status in ACTIVE:
        run = wait_for(hub, run.id, waiting=waiting, progress=progress)
    return run


def wait_for(
    hub: Hub,
    run_id: str,
    *,
    waiting: Waiting | None = None,
    progress: Progress | None = None,
    poll_seconds: float | None = None,
) -> Run:
    """Wait until a run executing elsewhere ends, and return it. A run whose worker stopped
    beating is failed here (as the scheduler would), so the wait always ends; a run that is
    (again) only queued is executed here."""
    poll = WAIT_POLL_SECONDS if poll_seconds is None else poll_seconds
    while True:
        run = get_run(hub, run_id)
        if run.status == QUEUED:
            run = execute(hub, run.id, progress=progress)
        if run.status not in ACTIVE:
            return run
        if waiting is not None:
            waiting(run)
        beat = run.heartbeat_at
        if beat is not None and _age_seconds(beat) > STALE_AFTER.total_seconds():
            reap_stale_runs(hub)  # its worker died: fail it rather than wait forever
        time.sleep(poll)


def _age_seconds(moment: datetime) -> float:
    now = utcnow()
    if moment.tzinfo is None:  # SQLite hands datetimes back naive; they are UTC
        moment = moment.replace(tzinfo=now.tzinfo)
    return (now - moment).total_seconds()


def _execute(hub: Hub, run: Run, integration: Integration, progress: Progress | None) -> None:
    provider = build_provider(hub, integration)
    try:
        plan = _plan(hub, run, integration, provider, progress)
    finally:
        provider.close()
    plan.settings_digest = settings_digest(
        integration.settings, admin_implies_teacher=integration.admin_implies_teacher
    )
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


def settings_digest(settings: dict[str, Any], *, admin_implies_teacher: bool) -> str:
    """A digest of the settings that shape a plan (not the schedule, the safeguard's
    percentage or the secrets): a held plan is out of date once it changes."""
    basis = {"settings": settings, "admin_implies_teacher": bool(admin_implies_teacher)}
    text = json.dumps(basis, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
    scrub = scrubber_for(hub, run.integration_id)
    error = scrub.optional(error)
    now = utcnow()
    with hub.transaction() as session:
        conn = session.connection()
        if status == SUCCEEDED:
            apply_plan(conn, plan, now=now)
            _store_cursor(conn, plan, cursor_before=cursor_before)
        _insert_issues(conn, run.id, plan.all_issues(), scrub)
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
            _supersede_older(session, run, status=status, now=now)
        _close(conn, run.id, status=status, now=now, counts=plan.counts, error=error, plan=blob)
        audit.record(
            session,
            actor=run.actor or run.trigger,
            action=f"run.{status}",
            target=run.id,
            integration_id=run.integration_id,
            counts=dict(plan.counts),
        )


def _supersede_older(session: Any, run: Run, *, status: str, now: datetime) -> None:
    """``run`` ends applied or held: the integration's older held runs planned against a view
    that is no longer the latest, so none of them may be approved any more.

    Called before ``run`` frees its slot, in the same transaction, so an approval racing
    with it either finds the slot still taken or the older run already superseded."""
    conn = session.connection()
    t = _run_table
    older = conn.execute(
        select(t.c.id).where(
            t.c.integration_id == run.integration_id, t.c.status == HELD, t.c.id != run.id
        )
    ).scalars()
    for older_id in list(older):
        _mark_superseded(
            session,
            older_id,
            integration_id=run.integration_id,
            reason=_later_run(run.id, status),
            actor=run.actor or run.trigger,
            now=now,
            by=run.id,
        )


def _later_run(run_id: str, status: str) -> str:
    what = "succeeded" if status == SUCCEEDED else "was held with a newer plan"
    return f"run '{run_id}' {what} after this one was held"


def _mark_superseded(
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


def _insert_issues(
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


def _fail(hub: Hub, run: Run, error: str, *, only_from: str | None = None) -> bool:
    """End a run failed (and free its slot); with ``only_from``, only if it still has that
    status. True when it was failed here."""
    error = scrubber_for(hub, run.integration_id)(error)
    now = utcnow()
    with hub.transaction() as session:
        stmt = update(_run_table).where(_run_table.c.id == run.id)
        if only_from is not None:
            stmt = stmt.where(_run_table.c.status == only_from)
        failed = session.execute(
            stmt.values(
                status=FAILED, finished_at=now, heartbeat_at=now, error=error, active_slot=None
            )
        ).rowcount
        if failed:
            audit.record(
                session,
                actor=run.actor or run.trigger,
                action="run.failed",
                target=run.id,
                integration_id=run.integration_id,
                error=error,
            )
    return bool(failed)


def fail_unqueued(hub: Hub, run: Run, error: str) -> bool:
    """Fail a queued run that no queue holds (queueing it failed); False when it is no
    longer queued (a worker got the message after all)."""
    return _fail(hub, run, error, only_from=QUEUED)


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
    """Apply a held run's stored plan, if it is still the latest view of its integration.

    It is not when a later run applied or was held, when the integration's settings changed,
    or when any row the plan would change moved on since (an upload, a change by hand): the
    run then becomes ``superseded``, nothing is applied, and :class:`hub.errors.Conflict`
    says why. Two approvals racing apply the plan once: the claim below is atomic."""
    run = get_run(hub, run_id)
    _require_held(run)
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
        _require_held(get_run(hub, run.id))
        msg = f"run '{run.id}' could not be claimed for approval; try again"
        raise UsageError(msg)
    refused: tuple[str, list[Issue]] | None = None
    try:
        with Heartbeat(hub, run.id):
            refused = _apply_approved(hub, run, actor=actor)
    except IntegrityError:
        # Someone wrote the same accounts while this applied: the plan is out of date.
        refused = ("the accounts it would change changed while it was being applied", [])
    except HubError as exc:
        _fail(hub, run, _one_line(exc))
    except SQLAlchemyError as exc:
        log.exception("run %s: database error while approving", run.id)
        _fail(hub, run, _database_message(exc))
    except Exception as exc:
        log.exception("run %s: unexpected error while approving", run.id)
        _fail(hub, run, f"unexpected error ({type(exc).__name__}); the worker log has the details")
    if refused is not None:
        _supersede_claimed(hub, run, *refused, actor=actor)
    return get_run(hub, run.id)


def _require_held(run: Run) -> None:
    if run.status == SUPERSEDED:
        msg = f"run '{run.id}' cannot be approved; it is {run.error or SUPERSEDED}"
        raise Conflict(msg)
    if run.status != HELD:
        msg = f"run '{run.id}' is {run.status}, not held; only a held run can be approved"
        raise UsageError(msg)


def _apply_approved(hub: Hub, run: Run, *, actor: str) -> tuple[str, list[Issue]] | None:
    """Apply a claimed held run in one transaction; or, when its plan is no longer the latest
    view of its integration, write nothing and return why (with the rows that moved on)."""
    if run.plan is None:
        msg = f"run '{run.id}' has no stored plan to apply"
        raise HubError(msg)
    plan = Plan.from_bytes(run.plan)
    now = utcnow()
    with hub.transaction() as session:
        conn = session.connection()
        reason = _newer_view(conn, run, plan)
        if reason is not None:
            return reason, []
        try:
            apply_plan(conn, plan, now=now, guard=True)
        except StalePlan as stale:  # raised before anything was written
            return str(stale), stale.issues
        _store_cursor(conn, plan, cursor_before=plan.cursor_before)
        _supersede_older(session, run, status=SUCCEEDED, now=now)
        _close(conn, run.id, status=SUCCEEDED, now=now, counts=plan.counts)
        audit.record(
            session,
            actor=actor,
            action="run.approve",
            target=run.id,
            integration_id=run.integration_id,
            counts=dict(plan.counts),
        )
    return None


def _supersede_claimed(hub: Hub, run: Run, reason: str, issues: list[Issue], *, actor: str) -> None:
    """End a run claimed for approval as superseded, and refuse the approval (Conflict)."""
    with hub.transaction() as session:
        _insert_issues_capped(session.connection(), run.id, issues)
        error = _mark_superseded(
            session,
            run.id,
            integration_id=run.integration_id,
            reason=reason,
            actor=actor,
            now=utcnow(),
            from_status=RUNNING,
        )
    msg = f"run '{run.id}' cannot be approved; it is {error}"
    raise Conflict(msg)


def _newer_view(conn: Connection, run: Run, plan: Plan) -> str | None:
    """Why ``run``'s plan is no longer the latest view of its integration, or None.

    A run that ended applied or held after it (dry runs and failures write nothing, so they
    do not count), or a change to the settings the plan was computed with."""
    t = _run_table
    later = conn.execute(
        select(t.c.id, t.c.status)
        .where(
            t.c.integration_id == run.integration_id,
            t.c.id != run.id,
            t.c.status.in_(SUPERSEDING),
            t.c.finished_at > run.finished_at,
        )
        .order_by(t.c.finished_at.desc())
        .limit(1)
    ).first()
    if later is not None:
        return _later_run(later.id, later.status)
    if plan.settings_digest is not None:
        i = _integration_table
        current = conn.execute(
            select(i.c.settings, i.c.admin_implies_teacher).where(i.c.id == run.integration_id)
        ).first()
        if current is None or plan.settings_digest != settings_digest(
            dict(current.settings), admin_implies_teacher=current.admin_implies_teacher
        ):
            return "the integration's settings changed since it was held"
    return None


def _insert_issues_capped(conn: Connection, run_id: str, extra: list[Issue]) -> None:
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
    _insert_issues(conn, run_id, kept)


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
