"""Runs whose worker died, and runs whose queue message was lost.

A ``running`` run whose heartbeat stopped (the process was killed, the machine died) is
failed through :func:`hub.runs.ending.fail`, like any other failure; apply is one transaction,
so such a run has written nothing. A ``queued`` run that waited long and was never claimed is
sent again: execution starts with a claim, so a second delivery is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select

from hub.context import Hub
from hub.models import Run, utcnow
from hub.queue import RunQueue
from hub.run_status import RUNNING
from hub.runs.ending import fail
from hub.runs.heartbeat import STALE_AFTER, UNWATCHED_STALE_AFTER
from hub.runs.queries import waiting_runs

log = logging.getLogger(__name__)

_run = Run.__table__  # type: ignore[attr-defined]

REQUEUE_AFTER = timedelta(minutes=10)
STOPPED_MESSAGE = "the worker stopped mid-run; nothing was applied"


def reap_stale_runs(
    hub: Hub, *, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> list[str]:
    """Fail the runs whose worker stopped beating; returns their ids."""
    now = now or utcnow()
    stale = and_(
        _run.c.status == RUNNING,
        or_(
            _run.c.heartbeat_at < now - stale_after,
            and_(
                _run.c.heartbeat_at.is_(None),
                func.coalesce(_run.c.started_at, _run.c.created_at) < now - UNWATCHED_STALE_AFTER,
            ),
        ),
    )
    with hub.engine.connect() as conn:
        ids = [row.id for row in conn.execute(select(_run.c.id).where(stale))]
    reaped = [
        run_id
        for run_id in ids
        if fail(hub, run_id, STOPPED_MESSAGE, still=stale, actor="service", now=now)
    ]
    for run_id in reaped:
        log.warning("run %s failed: %s", run_id, STOPPED_MESSAGE)
    return reaped


def requeue_lost_runs(
    hub: Hub,
    queue: RunQueue,
    *,
    now: datetime | None = None,
    older_than: timedelta = REQUEUE_AFTER,
    recently: dict[str, datetime] | None = None,
) -> list[str]:
    """Send again the ids of runs that have waited long and were never claimed.

    A message can be lost (the process that created the run died before queueing it, a
    broker was flushed). ``recently`` remembers what was re-sent, so each run is re-sent at
    most every ``older_than``.
    """
    now = now or utcnow()
    waiting = waiting_runs(hub, now=now, longer_than=older_than)
    sent: list[str] = []
    for run_id in waiting.ids:
        last = recently.get(run_id) if recently is not None else None
        if last is not None and now - last < older_than:
            continue
        queue.enqueue(run_id)
        sent.append(run_id)
        if recently is not None:
            recently[run_id] = now
    if sent:
        log.warning(
            "re-sent %d run(s) that waited over %s: %s", len(sent), older_than, ", ".join(sent)
        )
    return sent
