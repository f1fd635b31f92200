"""Executing queued runs: the heartbeat, the consumer loop, and the reaper.

The same :func:`execute_run` serves the worker thread inside ``rosterhub serve`` and every
``rosterhub worker`` process. :func:`hub.runs.execute` claims a run with one conditional
UPDATE (queued -> running), so however many times its id is delivered, it executes once.
While it executes, :func:`hub.runs.execute` keeps a :class:`Heartbeat` side thread writing
its heartbeat every few seconds (also while the engine applies, when it cannot), in a worker
and in-line in the CLI alike; a ``running`` run whose heartbeat stops (the process was
killed, the machine died) is failed by :func:`reap_stale_runs` and its slot freed. Apply is
one transaction, so such a run has written nothing.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, func, or_, select, update

from hub import audit
from hub.models import Run, utcnow
from hub.run_status import ACTIVE, FAILED, QUEUED, RUNNING

if TYPE_CHECKING:
    from hub.context import Hub
    from hub.queue import RunQueue

log = logging.getLogger(__name__)

_run = Run.__table__  # type: ignore[attr-defined]

HEARTBEAT_SECONDS = 10.0
# Generous: a long apply holds the database, so its beats can wait until it commits.
STALE_AFTER = timedelta(minutes=5)
# A running run with no heartbeat at all (written by something older); give it long.
UNWATCHED_STALE_AFTER = timedelta(hours=6)
WAIT_WARNING = timedelta(minutes=15)
REQUEUE_AFTER = timedelta(minutes=10)
STOPPED_MESSAGE = "the worker stopped mid-run; nothing was applied"


def beat(hub: Hub, run_id: str) -> None:
    with hub.engine.begin() as conn:
        conn.execute(
            update(_run)
            .where(_run.c.id == run_id, _run.c.status.in_(ACTIVE))
            .values(heartbeat_at=utcnow())
        )


class Heartbeat:
    """Writes the run's heartbeat from a side thread while the run executes (used by
    :func:`hub.runs.execute`, so every way of executing a run beats the same way)."""

    def __init__(self, hub: Hub, run_id: str, *, every: float | None = None) -> None:
        self.hub, self.run_id = hub, run_id
        self.every = HEARTBEAT_SECONDS if every is None else every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat:{run_id}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self.every + 35)

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                beat(self.hub, self.run_id)
            except Exception:  # noqa: BLE001 - a missed beat is retried on the next tick
                log.warning("heartbeat for run %s failed", self.run_id, exc_info=True)


def _status(hub: Hub, run_id: str) -> str | None:
    with hub.engine.connect() as conn:
        return conn.execute(select(_run.c.status).where(_run.c.id == run_id)).scalar()


def execute_run(hub: Hub, run_id: str) -> str | None:
    """Execute one queued run; returns its end status, or None when it was not waiting
    (another worker has it, it already ended, or it was deleted)."""
    from hub import runs

    if _status(hub, run_id) != QUEUED:
        log.info("run %s is not waiting (taken, finished or gone); skipping", run_id)
        return None
    log.info("run %s: executing", run_id)
    try:
        run = runs.execute(hub, run_id)  # beats while it executes
    except Exception as exc:  # noqa: BLE001 - the run must not stay 'running' forever
        log.exception("run %s crashed", run_id)
        _fail(hub, run_id, f"internal error ({type(exc).__name__}); nothing was applied")
        return FAILED
    log.info("run %s: %s", run_id, run.status)
    return str(run.status)


def _fail(hub: Hub, run_id: str, message: str) -> None:
    with hub.engine.begin() as conn:
        conn.execute(
            update(_run)
            .where(_run.c.id == run_id, _run.c.status.in_(ACTIVE))
            .values(status=FAILED, error=message, active_slot=None, finished_at=utcnow())
        )


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
    reaped: list[str] = []
    with hub.transaction() as session:
        conn = session.connection()
        ids = [row.id for row in conn.execute(select(_run.c.id).where(stale))]
        for run_id in ids:
            done = conn.execute(
                update(_run)
                .where(_run.c.id == run_id, stale)
                .values(status=FAILED, error=STOPPED_MESSAGE, active_slot=None, finished_at=now)
            )
            if done.rowcount:
                reaped.append(run_id)
                audit.record(
                    session,
                    actor="service",
                    action="run.failed",
                    target=run_id,
                    error=STOPPED_MESSAGE,
                )
    for run_id in reaped:
        log.warning("run %s failed: %s", run_id, STOPPED_MESSAGE)
    return reaped


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
        select(_run.c.id, _run.c.created_at)
        .where(_run.c.status == QUEUED, _run.c.created_at < now - longer_than)
        .order_by(_run.c.created_at)
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


class Worker:
    """Consumes the run queue until stopped; one run at a time.

    Stopping takes effect between runs: the run in hand finishes (the caller bounds how long
    it waits), and messages still in the queue stay there for the next worker.
    """

    def __init__(self, queue: RunQueue, *, poll_seconds: float = 0.5) -> None:
        self.queue = queue
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()
        self.current: str | None = None
        self._thread: threading.Thread | None = None
        self.wakeup = threading.Event()
        queue.listeners.append(self.wakeup)

    def run_forever(self) -> None:
        huey = self.queue.huey
        failures = 0
        while not self.stopping.is_set():
            try:
                task: Any = huey.dequeue()
            except Exception:  # noqa: BLE001 - a broker outage must not kill the worker
                failures += 1
                log.warning("cannot read the run queue; retrying", exc_info=failures == 1)
                self.stopping.wait(min(30.0, 0.5 * 2**failures))
                continue
            failures = 0
            if task is None:
                if not self.queue.redis:  # Redis pops block for a second themselves
                    self.wakeup.wait(self.poll_seconds)
                    self.wakeup.clear()
                continue
            self.current = str(task.args[0]) if task.args else None
            try:
                huey.execute(task)
            finally:
                self.current = None
        log.info("worker stopped")

    def start(self) -> Worker:
        self._thread = threading.Thread(
            target=self.run_forever, name="rosterhub-worker", daemon=True
        )
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, *, timeout: float = 30.0) -> bool:
        """Stop taking runs and wait up to ``timeout`` s for the one in hand; True if done."""
        self.stopping.set()
        self.wakeup.set()
        if self._thread is None:
            return True
        self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning(
                "run %s is still executing; it will be failed once its heartbeat stops",
                self.current,
            )
            return False
        return True


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
    broker was flushed). Sending it again is safe because execution starts with a claim.
    ``recently`` remembers what was re-sent, so each run is re-sent at most every
    ``older_than``.
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
