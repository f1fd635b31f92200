"""Reading runs: one, several, a list, and the ones waiting too long for a worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from hub.context import Hub
from hub.errors import UsageError
from hub.models import Integration, IntegrationLink, Run, RunIssue, utcnow
from hub.run_status import QUEUED
from hub.schema import RunOut

WAIT_WARNING = timedelta(minutes=15)
"""A run queued longer than this is reported: no worker seems to be taking runs."""

_run_table = Run.__table__  # type: ignore[attr-defined]
_issue_table = RunIssue.__table__  # type: ignore[attr-defined]


def get_run(hub: Hub, run_id: str) -> Run:
    with hub.session() as session:
        run = session.get(Run, run_id.strip())
    if run is None:
        msg = f"unknown run '{run_id}' (see 'rosterhub runs list')"
        raise UsageError(msg)
    return run


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


def list_runs(
    hub: Hub, *, integration_id: str | None = None, school_id: str | None = None, limit: int = 100
) -> list[Run]:
    """Runs, newest first."""
    query = select(Run)
    if integration_id is not None:
        query = query.where(col(Run.integration_id) == integration_id)
    if school_id is not None:
        # the school's own integrations, and the district ones linked to it
        own = select(col(Integration.id)).where(col(Integration.school_id) == school_id)
        linked = select(col(IntegrationLink.integration_id)).where(
            col(IntegrationLink.school_id) == school_id
        )
        query = query.where(col(Run.integration_id).in_(own) | col(Run.integration_id).in_(linked))
    query = query.order_by(col(Run.created_at).desc(), col(Run.id).desc()).limit(limit)
    with hub.session() as session:
        return list(session.scalars(query))


@dataclass(frozen=True)
class Waiting:
    """Runs that have waited for a worker longer than they should."""

    count: int
    oldest_seconds: float | None
    ids: list[str]


def waiting_runs(
    hub: Hub, *, now: datetime | None = None, longer_than: timedelta = WAIT_WARNING
) -> Waiting:
    now = now or utcnow()
    query = (
        select(_run_table.c.id, _run_table.c.created_at)
        .where(_run_table.c.status == QUEUED, _run_table.c.created_at < now - longer_than)
        .order_by(_run_table.c.created_at)
    )
    with hub.engine.connect() as conn:
        rows = list(conn.execute(query))
    oldest = None
    if rows:
        created = rows[0].created_at
        if created.tzinfo is None:
            created = created.replace(tzinfo=now.tzinfo)
        oldest = (now - created).total_seconds()
    return Waiting(count=len(rows), oldest_seconds=oldest, ids=[row.id for row in rows])


def run_out(hub: Hub, run: Run) -> RunOut:
    """A run with its issues (:class:`hub.schema.RunOut`)."""
    return run_outs(hub, [run])[0]


def run_outs(hub: Hub, found: list[Run]) -> list[RunOut]:
    """Several runs with their issues, read in one query for all."""
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
    return [RunOut.from_rows(run, issues[run.id]) for run in found]


def run_json(hub: Hub, run: Run) -> dict[str, Any]:
    """A run in the exact INTERFACE shape, issues included, as a plain document."""
    return run_out(hub, run).model_dump()


def runs_json(hub: Hub, found: list[Run]) -> list[dict[str, Any]]:
    """Runs in the exact INTERFACE shape, issues included (read in one query for all)."""
    return [doc.model_dump() for doc in run_outs(hub, found)]
