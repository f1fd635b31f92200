"""Executing a queued run: claim it, plan it, let the safeguard decide, finish it.

The same :func:`execute` runs in the CLI, the embedded worker thread and scaled-out worker
processes (through :func:`execute_run`). A run is claimed with one conditional UPDATE
(queued -> running), so however many times its id is delivered, it executes once; while it
executes, a :class:`hub.runs.heartbeat.Heartbeat` stamps it.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, select, update

from hub.context import Hub
from hub.districts import parse_links
from hub.engine.district import plan_district
from hub.engine.plan import Plan
from hub.engine.planner import plan_sync
from hub.engine.safeguard import hold_reason
from hub.engine.undo import active_memberships, plan_undo
from hub.errors import CursorExpired, HubError
from hub.integrations import build_provider
from hub.issues import Issue
from hub.models import Integration, IntegrationLink, Run, School, utcnow
from hub.provider import Provider
from hub.rooms.staffing import room_warnings
from hub.run_status import DRY_RUN, FAILED, HELD, QUEUED, RUNNING, SUCCEEDED
from hub.runs.ending import fail, failure_reason, finish
from hub.runs.heartbeat import Heartbeat
from hub.runs.queries import get_run

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]

_run_table = Run.__table__  # type: ignore[attr-defined]
_link_table = IntegrationLink.__table__  # type: ignore[attr-defined]


def execute(hub: Hub, run_id: str, *, progress: Progress | None = None) -> Run:
    """Run a queued run to its end state and return it. A run that is not queued (another
    worker took it, or it already ended) is returned as it is, so redelivery is harmless."""
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
    except Exception as exc:
        fail(hub, run.id, failure_reason(run.id, exc))
    except BaseException as exc:
        fail(hub, run.id, failure_reason(run.id, exc))
        raise
    return get_run(hub, run_id)


def execute_run(hub: Hub, run_id: str) -> str | None:
    """Execute one queued run for a queue consumer; returns its end status, or None when it
    was not waiting (another worker has it, it already ended, or it was deleted)."""
    with hub.engine.connect() as conn:
        status = conn.execute(select(_run_table.c.status).where(_run_table.c.id == run_id)).scalar()
    if status != QUEUED:
        log.info("run %s is not waiting (taken, finished or gone); skipping", run_id)
        return None
    log.info("run %s: executing", run_id)
    try:
        run = execute(hub, run_id)
    except Exception as exc:  # noqa: BLE001 - the run must not stay 'running' forever
        log.exception("run %s crashed", run_id)
        fail(hub, run_id, f"internal error ({type(exc).__name__}); nothing was applied")
        return FAILED
    log.info("run %s: %s", run_id, run.status)
    return str(run.status)


def _execute(hub: Hub, run: Run, integration: Integration, progress: Progress | None) -> None:
    links: dict[str, dict[str, Any]] | None = None
    if integration.district_id is not None:
        with hub.engine.connect() as conn:
            links = link_settings(conn, integration.id)
    if run.undoes is not None:
        plan = _plan_undo(hub, run, integration, links)
    else:
        provider = build_provider(hub, integration)
        try:
            if links is not None:
                plan = _plan_district(hub, integration, provider, links, progress)
            else:
                plan = _plan(hub, run, integration, provider, progress)
        finally:
            provider.close()
    plan.settings_digest = settings_digest(
        integration.settings, admin_implies_teacher=integration.admin_implies_teacher, links=links
    )
    for issue in room_warnings(hub, plan):  # teachers leaving rooms: say which
        plan.add_issue(issue)
    plan_cursor_before = integration.cursor
    reason = hold_reason(
        plan,
        max_deactivate_percent=integration.max_deactivate_percent,
        school_names=_school_names(hub, links) if links else None,
    )
    if run.dry_run:
        if reason:
            plan.add_issue(Issue("warning", f"dry run; a real run would be {reason}"))
        finish(hub, run, plan, status=DRY_RUN)
    elif reason and not run.force:
        finish(hub, run, plan, status=HELD, error=reason, cursor_before=plan_cursor_before)
    else:
        finish(hub, run, plan, status=SUCCEEDED, cursor_before=plan_cursor_before)


def settings_digest(
    settings: dict[str, Any],
    *,
    admin_implies_teacher: bool,
    links: dict[str, dict[str, Any]] | None = None,
) -> str:
    """A digest of the settings that shape a plan (not the schedule, the safeguard's
    percentage or the secrets): a held plan is out of date once it changes. A district
    integration's digest covers every link (which schools, and each one's selection)."""
    basis: dict[str, Any] = {
        "settings": settings,
        "admin_implies_teacher": bool(admin_implies_teacher),
    }
    if links is not None:
        basis["links"] = links
    text = json.dumps(basis, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _plan_undo(
    hub: Hub, run: Run, integration: Integration, links: dict[str, dict[str, Any]] | None
) -> Plan:
    """An undo run's plan: what the undone run changed, put back (:mod:`hub.engine.undo`);
    a district integration's is split by school, one part per linked school. Rows changed
    again since then are conflicts: without ``force`` the run fails on them (nothing is
    applied), with it they are left out and reported as issues."""
    assert run.undoes is not None
    plan = Plan(
        integration_id=integration.id,
        school_id=integration.school_id or "",
        source=integration.provider,
        full=False,
    )
    with hub.engine.connect() as conn:
        plan.active_before = active_memberships(conn, integration.id)
        schools = None if links is None else list(links)
        plan, found = plan_undo(conn, run.undoes, plan, schools=schools)
    if found and not run.force:
        raise HubError(conflict_message(run.undoes, len(found)))
    return plan


def conflict_message(change_set: str, count: int) -> str:
    rows = f"{count} account{'' if count == 1 else 's'}"
    return (
        f"{rows} that {change_set} changed {'was' if count == 1 else 'were'} changed again "
        "by a later run or upload; undo with --force to put back the rest"
    )


def link_settings(conn: Connection, integration_id: str) -> dict[str, dict[str, Any]]:
    """A district integration's links, hub school id -> selection, in a stable order."""
    t = _link_table
    rows = conn.execute(
        select(t.c.school_id, t.c.settings)
        .where(t.c.integration_id == integration_id)
        .order_by(t.c.school_id)
    )
    return {school_id: dict(chosen) for school_id, chosen in rows.tuples()}


def _school_names(hub: Hub, links: dict[str, dict[str, Any]]) -> dict[str, str]:
    t = School.__table__  # type: ignore[attr-defined]
    with hub.engine.connect() as conn:
        rows = conn.execute(select(t.c.id, t.c.name).where(t.c.id.in_(list(links))))
        return {school_id: name for school_id, name in rows.tuples()}  # noqa: C416


def _plan_district(
    hub: Hub,
    integration: Integration,
    provider: Provider,
    links: dict[str, dict[str, Any]],
    progress: Progress | None,
) -> Plan:
    """One read of the provider for every linked school."""
    if not links:
        msg = (
            f"integration '{integration.id}' feeds no school yet; link one with "
            f"'rosterhub integration link {integration.id} --school SCHOOL --set KEY=VALUE'"
        )
        raise HubError(msg)
    parsed = parse_links(hub, integration, links)
    with hub.engine.connect() as conn:
        return plan_district(
            conn,
            provider.fetch_linked(parsed),
            integration_id=integration.id,
            school_ids=list(links),
            source=integration.provider,
            admin_implies_teacher=integration.admin_implies_teacher,
            progress=progress,
        )


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
