"""The one way to ask for a run: :func:`submit` a :class:`hub.runs.request.RunRequest`.

The CLI, the HTTP API, chat and the schedule all come through here. The request is recorded
(:func:`hub.runs.request.request_run`); then the run either goes on the queue, for a worker
to execute, or (``here=True``, the CLI) is executed in this process. When the queue cannot take
a new run, what happens depends on who asked:

- a person (CLI, API, chat) gets :class:`hub.errors.Unavailable` at once, and the run is failed
  so that no ``queued`` row is left that no queue holds (the next request makes a fresh run);
- a scheduled occurrence stays queued (it must not be lost) and the answer says it was not
  sent; the scheduler sends it again on its next tick.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from hub.context import Hub
from hub.errors import Unavailable
from hub.models import Run, utcnow
from hub.queue import RunQueue, get_queue, unreachable
from hub.run_status import ACTIVE, QUEUED
from hub.runs.ending import fail
from hub.runs.execution import Progress, execute
from hub.runs.heartbeat import STALE_AFTER
from hub.runs.queries import get_run
from hub.runs.reaper import reap_stale_runs
from hub.runs.request import RunRequest, request_run

log = logging.getLogger(__name__)

WAIT_POLL_SECONDS = 1.0

Waiting = Callable[[Run], None]


@dataclass(frozen=True)
class Submission:
    """What became of a request."""

    run: Run
    """The new run, or the integration's run already queued or running (then ``created`` is
    False); with ``here=True``, the run as it ended."""
    created: bool
    sent: bool = True
    """False only for a scheduled run the queue could not take: it stays queued."""


def submit(
    hub: Hub,
    request: RunRequest,
    *,
    queue: RunQueue | None = None,
    here: bool = False,
    progress: Progress | None = None,
    waiting: Waiting | None = None,
) -> Submission:
    """Record the request and put the run on ``queue`` (default: the hub's), or (``here``)
    execute it in this process.

    ``here``: if the integration already has a run queued, that one is executed; if one is
    running elsewhere (a worker took it), this waits for it to end, calling ``waiting`` on
    every look, and answers it as it ended."""
    if here:
        run, created = request_run(hub, request)
        if run.status == QUEUED:
            run = execute(hub, run.id, progress=progress)
        if run.status in ACTIVE:
            run = wait_for(hub, run.id, waiting=waiting, progress=progress)
        return Submission(run, created)
    if queue is None:
        queue = get_queue(hub)  # a bad broker setting fails here, before any run exists
    run, created = request_run(hub, request)
    if not created:
        return Submission(run, created)
    try:
        queue.enqueue(run.id)
    except Exception as exc:  # noqa: BLE001 - whatever the broker raised, nothing holds the run
        log.warning("run %s: the run queue cannot be reached", run.id, exc_info=True)
        reason = unreachable(hub, exc)
        if request.scheduled_for is not None:
            return Submission(run, created, sent=False)
        if fail(hub, run.id, f"{reason}; nothing ran", from_statuses=(QUEUED,)):
            msg = f"{reason}; the sync was not started, try again when the queue is back"
            raise Unavailable(msg) from None
        return Submission(get_run(hub, run.id), created)  # the message got through after all
    log.info("run %s queued for integration %s (%s)", run.id, run.integration_id, run.trigger)
    return Submission(run, created)


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
