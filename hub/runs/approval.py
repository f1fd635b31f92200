"""Approving a held run: apply its stored plan, if it is still the latest view of its
integration.

A held run's plan is the view of its integration when it was held. It is out of date when a
later run applied or was held, when the integration's settings changed, or when any row the
plan would change moved on since (an upload, a change by hand): the run then becomes
``superseded``, nothing is applied, and :class:`hub.errors.Conflict` says why. Two approvals
racing apply the plan once: the claim is atomic.
"""

from __future__ import annotations

from sqlalchemy import Connection, select, update
from sqlalchemy.exc import IntegrityError

from hub import audit
from hub.context import Hub
from hub.engine.apply import apply_plan
from hub.engine.plan import Plan
from hub.engine.stale import StalePlan
from hub.errors import Conflict, HubError, UsageError
from hub.issues import Issue
from hub.models import Integration, Run, utcnow
from hub.run_status import HELD, RUNNING, SUCCEEDED, SUPERSEDED, SUPERSEDING
from hub.runs.ending import (
    close,
    fail,
    failure_reason,
    insert_issues_capped,
    later_run,
    mark_superseded,
    store_cursor,
    supersede_older,
)
from hub.runs.execution import link_settings, settings_digest
from hub.runs.heartbeat import Heartbeat
from hub.runs.notify import announce
from hub.runs.queries import get_run

_run_table = Run.__table__  # type: ignore[attr-defined]
_integration_table = Integration.__table__  # type: ignore[attr-defined]


def approve(hub: Hub, run_id: str, *, actor: str) -> Run:
    """Apply a held run's stored plan (see the module docstring for when it is refused)."""
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
    except Exception as exc:
        fail(hub, run.id, failure_reason(run.id, exc, doing="while approving"))
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
    superseded: list[str] = []
    with hub.transaction() as session:
        conn = session.connection()
        reason = _newer_view(conn, run, plan)
        if reason is not None:
            return reason, []
        try:
            apply_plan(conn, plan, now=now, guard=True, change_set=run.id)
        except StalePlan as stale:  # raised before anything was written
            return str(stale), stale.issues
        store_cursor(conn, plan, cursor_before=plan.cursor_before)
        superseded = supersede_older(session, run, status=SUCCEEDED, now=now)
        close(
            conn,
            run.id,
            status=SUCCEEDED,
            now=utcnow(),
            counts=plan.counts,
            schools=plan.school_counts(),
        )
        audit.record(
            session,
            actor=actor,
            action="run.approve",
            target=run.id,
            integration_id=run.integration_id,
            counts=dict(plan.counts),
        )
    announce(hub, [run.id, *superseded])
    return None


def _supersede_claimed(hub: Hub, run: Run, reason: str, issues: list[Issue], *, actor: str) -> None:
    """End a run claimed for approval as superseded, and refuse the approval (Conflict)."""
    with hub.transaction() as session:
        insert_issues_capped(session.connection(), run.id, issues)
        error = mark_superseded(
            session,
            run.id,
            integration_id=run.integration_id,
            reason=reason,
            actor=actor,
            now=utcnow(),
            from_status=RUNNING,
        )
    announce(hub, [run.id])
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
        return later_run(later.id, later.status)
    if plan.settings_digest is not None:
        i = _integration_table
        current = conn.execute(
            select(i.c.settings, i.c.admin_implies_teacher, i.c.district_id).where(
                i.c.id == run.integration_id
            )
        ).first()
        links = None
        if current is not None and current.district_id is not None:
            links = link_settings(conn, run.integration_id)
        if current is None or plan.settings_digest != settings_digest(
            dict(current.settings),
            admin_implies_teacher=current.admin_implies_teacher,
            links=links,
        ):
            return "the integration's settings changed since it was held"
    return None
