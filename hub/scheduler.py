"""The nightly schedule: requests each enabled integration's run at its scheduled time.

Every occurrence is requested with ``scheduled_for`` set to that instant, and the database
keeps (integration, scheduled_for) unique, so however many schedulers tick (two workers
started with ``--schedule`` by mistake, a restart in the middle of a tick) each occurrence
becomes at most one run. After downtime only the newest missed occurrence (within
``LOOKBACK``) is run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select

from hub.context import Hub
from hub.errors import HubError
from hub.models import Integration, Run, utcnow
from hub.queue import RunQueue
from hub.runs import (
    RunRequest,
    reap_stale_runs,
    request_scheduled,
    requeue_lost_runs,
    waiting_runs,
)
from hub.runs.queries import WAIT_WARNING
from hub.schedule import parse_schedule
from hub.uploads import expire_previews
from hub.uploads.background import resume_stale as resume_stale_uploads

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0
LOOKBACK = timedelta(hours=24)

_integration = Integration.__table__  # type: ignore[attr-defined]
_run = Run.__table__  # type: ignore[attr-defined]


def _aware(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def due_runs(hub: Hub, *, now: datetime) -> list[tuple[str, datetime]]:
    """(integration id, occurrence) for every enabled integration whose newest occurrence
    in the look-back window has no run yet."""
    with hub.engine.connect() as conn:
        rows = list(
            conn.execute(
                select(_integration.c.id, _integration.c.schedule, _integration.c.created_at).where(
                    _integration.c.enabled.is_(True)
                )
            )
        )
    due: list[tuple[str, datetime]] = []
    for row in rows:
        try:
            schedule = parse_schedule(row.schedule)
        except HubError:
            log.warning("integration %s has an unusable schedule; skipped", row.id)
            continue
        if schedule is None:
            continue
        # An integration is not owed the occurrences from before it existed.
        since = max(now - LOOKBACK, _aware(row.created_at, now))
        when = schedule.latest(now=now, since=since)
        if when is not None:
            due.append((row.id, when))
    if not due:
        return []
    with hub.engine.connect() as conn:
        taken = {
            (r.integration_id, _aware(r.scheduled_for, now))
            for r in conn.execute(
                select(_run.c.integration_id, _run.c.scheduled_for).where(
                    _run.c.integration_id.in_([i for i, _ in due]),
                    _run.c.scheduled_for.in_({w for _, w in due}),
                )
            )
        }
    return [(i, w) for i, w in due if (i, w) not in taken]


@dataclass
class TickResult:
    queued: list[str] = field(default_factory=list)
    reaped: list[str] = field(default_factory=list)
    requeued: list[str] = field(default_factory=list)
    waiting: int = 0


def tick(
    hub: Hub,
    queue: RunQueue,
    *,
    now: datetime | None = None,
    resent: dict[str, datetime] | None = None,
    unsent: set[str] | None = None,
) -> TickResult:
    """One pass: fail runs whose worker died, request and queue due runs, re-send lost ones.

    A due run the queue could not take stays queued (its occurrence must not be lost) and
    goes into ``unsent``; every tick sends those again first, so they go out as soon as the
    queue is back."""
    now = now or utcnow()
    result = TickResult(reaped=reap_stale_runs(hub, now=now))
    resume_stale_uploads(hub, now=now)  # an upload whose process died mid-apply
    expire_previews(hub, now=now)  # a preview nobody confirmed within the hour: its file goes
    if unsent:
        result.requeued.extend(_send(queue, sorted(unsent), unsent))
    due = [
        RunRequest(integration_id, trigger="schedule", actor="schedule", scheduled_for=when)
        for integration_id, when in due_runs(hub, now=now)
    ]
    # one transaction for every due run, then the messages: a night's fleet is requested
    # in one commit, not one per integration
    created = request_scheduled(hub, due) if due else []
    sent = _send(queue, [run.id for run in created], unsent)
    result.queued.extend(sent)
    if sent:
        log.info("%d scheduled run(s) queued", len(sent))
    result.requeued.extend(requeue_lost_runs(hub, queue, now=now, recently=resent))
    waiting = waiting_runs(hub, now=now)
    result.waiting = waiting.count
    if waiting.count:
        log.warning(
            "%d run(s) have waited over %s for a worker (oldest %.0f s): is a worker running?",
            waiting.count,
            WAIT_WARNING,
            waiting.oldest_seconds or 0,
        )
    return result


def _send(queue: RunQueue, run_ids: list[str], unsent: set[str] | None) -> list[str]:
    """Queue each run; the ones the queue cannot take are kept in ``unsent`` for the next
    tick. Returns the ids sent."""
    sent: list[str] = []
    for run_id in run_ids:
        try:
            queue.enqueue(run_id)
        except Exception:  # noqa: BLE001 - a broker outage must not lose a scheduled run
            log.warning(
                "run %s could not be queued (the run queue cannot be reached); "
                "it is sent again on the next tick",
                run_id,
                exc_info=True,
            )
            if unsent is not None:
                unsent.add(run_id)
            continue
        if unsent is not None:
            unsent.discard(run_id)
        sent.append(run_id)
    return sent


class Scheduler:
    """Calls :func:`tick` every ``every`` seconds in a background thread."""

    def __init__(
        self,
        hub: Hub,
        queue: RunQueue,
        *,
        every: float = TICK_SECONDS,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.hub, self.queue, self.every, self.clock = hub, queue, every, clock
        self.stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._resent: dict[str, datetime] = {}
        self._unsent: set[str] = set()
        self.last_tick: datetime | None = None

    def run_once(self) -> TickResult:
        result = tick(
            self.hub, self.queue, now=self.clock(), resent=self._resent, unsent=self._unsent
        )
        self.last_tick = self.clock()
        return result

    def run_forever(self) -> None:
        while not self.stopping.is_set():
            try:
                self.run_once()
            except Exception:  # noqa: BLE001 - a database hiccup must not stop the schedule
                log.warning("schedule tick failed; trying again", exc_info=True)
            self.stopping.wait(self.every)

    def start(self) -> Scheduler:
        self._thread = threading.Thread(
            target=self.run_forever, name="rosterhub-scheduler", daemon=True
        )
        self._thread.start()
        return self

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def stop(self, *, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
