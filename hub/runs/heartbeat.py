"""A running run's heartbeat: how the hub tells a run that is executing from one whose process
died.

A leaf: it knows the runs table and nothing that executes runs, so the executor, the approval
and the reaper all use it without importing each other. :class:`Heartbeat` writes the beat from
a side thread while a run executes (also while the engine applies, when the executing thread
cannot); :func:`hub.runs.reaper.reap_stale_runs` fails a ``running`` run whose beat is older
than :data:`STALE_AFTER`.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import update

from hub.models import Run, utcnow
from hub.run_status import ACTIVE

if TYPE_CHECKING:
    from hub.context import Hub

log = logging.getLogger(__name__)

_run = Run.__table__  # type: ignore[attr-defined]

HEARTBEAT_SECONDS = 10.0
STALE_AFTER = timedelta(minutes=5)
"""Generous: a long apply holds the database, so its beats can wait until it commits."""
UNWATCHED_STALE_AFTER = timedelta(hours=6)
"""A running run with no heartbeat at all (written by something older) is given this long."""


def beat(hub: Hub, run_id: str) -> None:
    with hub.engine.begin() as conn:
        conn.execute(
            update(_run)
            .where(_run.c.id == run_id, _run.c.status.in_(ACTIVE))
            .values(heartbeat_at=utcnow())
        )


class Heartbeat:
    """Writes the run's heartbeat from a side thread while the run executes (used by
    :func:`hub.runs.execution.execute` and :func:`hub.runs.approval.approve`, so every way of
    executing a run beats the same way)."""

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
