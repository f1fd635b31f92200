"""The queue consumer: takes run ids off the run queue and executes them, one at a time.

The same :class:`Worker` serves the worker thread inside ``rosterhub serve`` and every
``rosterhub worker`` process; each id goes to :func:`hub.runs.execution.execute_run`, which
claims the run first, so however many times an id is delivered, the run executes once.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from hub.queue import TASK_NAME, RunQueue
from hub.runs import execute_run

log = logging.getLogger(__name__)


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
            self.handle(task)
        log.info("worker stopped")

    def handle(self, task: Any) -> None:
        """Execute the run a message names; a message of any other kind is dropped."""
        if task.name != TASK_NAME or not task.args:
            log.warning("dropped a queue message that names no run (%s)", task.name)
            return
        self.current = str(task.args[0])
        try:
            execute_run(self.queue.hub, self.current)
        finally:
            self.current = None

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
