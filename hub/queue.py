"""The run queue (Huey): carries run ids from whoever asks for a run to whoever executes it.

Embedded default: a SQLite file beside the database, consumed by a worker thread inside
``rosterhub serve``. With ``ROSTERHUB_BROKER_URL=redis://…``: Redis, consumed by any number of
``rosterhub worker`` processes. The database stays the source of truth: a message is only a
hint to go and execute a run, and :func:`hub.runs.execution.execute_run` claims the run
atomically, so a message delivered twice (or re-sent for a run that looked lost) executes it
once.

This module is transport only: it knows nothing of what a run is. Runs are asked for through
:func:`hub.runs.submission.submit`, and :class:`hub.worker.Worker` takes the ids off the queue.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import make_url

from hub.db import create_private_file
from hub.errors import ConfigError

if TYPE_CHECKING:
    from huey import Huey

    from hub.config import Settings
    from hub.context import Hub

log = logging.getLogger(__name__)

TASK_NAME = "rosterhub.execute_run"
DEFAULT_QUEUE_NAME = "rosterhub"
CONNECT_TIMEOUT = 5.0
"""Seconds to wait for Redis to accept a connection: an unreachable broker is reported, not
waited on for the operating system's minutes."""


def local_queue_path(database_url: str) -> Path:
    """The embedded queue file: beside a SQLite database, else in the working directory."""
    try:
        url = make_url(database_url)
    except Exception:  # noqa: BLE001 - reported properly when the engine is made
        url = None
    if (
        url is not None
        and url.get_backend_name() == "sqlite"
        and url.database
        and url.database != ":memory:"
    ):
        db = Path(url.database).expanduser().resolve()
        return db.with_name(db.stem + ".queue.db")
    return Path.cwd() / "rosterhub.queue.db"


def make_huey(settings: Settings, *, name: str | None = None) -> Huey:
    # Imported here, not at the top: huey and redis cost a CLI command that never queues a
    # run (``rosterhub import``, ``accounts list``) a noticeable part of its start-up.
    from huey import RedisHuey, SqliteHuey
    from redis import ConnectionPool

    name = name or settings.queue_name.strip() or DEFAULT_QUEUE_NAME
    broker = (settings.broker_url or "").strip()
    if broker:
        if not broker.startswith(("redis://", "rediss://", "unix://")):
            msg = "ROSTERHUB_BROKER_URL must be a redis:// (or rediss://) URL"
            raise ConfigError(msg)
        # read_timeout bounds the blocking pop, so a stopping worker notices within a second.
        pool = ConnectionPool.from_url(broker, socket_connect_timeout=CONNECT_TIMEOUT)
        return RedisHuey(name, connection_pool=pool, results=False, blocking=True, read_timeout=1)
    path = local_queue_path(settings.database_url)
    create_private_file(path)
    return SqliteHuey(name, filename=str(path), results=False, timeout=30)


class RunQueue:
    """One Huey instance with the single task it carries: execute run ``run_id``.

    Messages are taken off by :class:`hub.worker.Worker`, which executes the run itself; the
    task's own body is never the way a run executes."""

    def __init__(self, hub: Hub, huey: Huey | None = None) -> None:
        self.hub = hub
        self.huey = huey if huey is not None else make_huey(hub.settings)
        self._task: Any = self.huey.task(name=TASK_NAME)(self._execute)
        self.listeners: list[threading.Event] = []

    @property
    def redis(self) -> bool:
        from huey import RedisHuey

        return isinstance(self.huey, RedisHuey)

    def enqueue(self, run_id: str) -> None:
        self._task(run_id)
        for wakeup in self.listeners:  # a worker thread in this process starts at once
            wakeup.set()

    def _execute(self, run_id: str) -> None:
        msg = f"run {run_id}: run ids are executed by 'rosterhub worker', not by a Huey consumer"
        raise RuntimeError(msg)

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def flush(self) -> None:
        self.huey.flush()


_ATTRIBUTE = "_run_queue"
_queues_lock = threading.Lock()


def get_queue(hub: Hub) -> RunQueue:
    """The hub's queue, made on first use and kept on the hub (so it lives as long as it)."""
    with _queues_lock:
        queue = hub.__dict__.get(_ATTRIBUTE)
        if queue is None:
            queue = RunQueue(hub)
            hub.__dict__[_ATTRIBUTE] = queue
        return queue


def set_queue(hub: Hub, queue: RunQueue | None) -> None:
    """Give a hub a particular queue (tests), or forget it (``None``)."""
    with _queues_lock:
        if queue is None:
            hub.__dict__.pop(_ATTRIBUTE, None)
        else:
            hub.__dict__[_ATTRIBUTE] = queue


def unreachable(hub: Hub, exc: BaseException) -> str:
    """Why a message could not be queued, naming the setting and never the URL (it may hold
    a password)."""
    if hub.settings.broker_url:
        return f"the run queue (ROSTERHUB_BROKER_URL) cannot be reached ({type(exc).__name__})"
    return f"the run queue file cannot be written ({type(exc).__name__})"
