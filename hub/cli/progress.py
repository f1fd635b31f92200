"""Sync progress on stderr: a rich bar on a terminal; otherwise a throttled line now and then,
and only once the sync has taken more than a moment (so quick runs and logs stay quiet)."""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from hub.cli.output import note, stderr_console

if TYPE_CHECKING:
    from hub.models import Run

QUIET_SECONDS = 1.0
LINE_EVERY_SECONDS = 5.0


class SyncProgress:
    """The ``progress(done, total)`` callback the engine calls while it reads the roster."""

    def __init__(self, label: str, *, enabled: bool = True) -> None:
        self.label = label
        self.enabled = enabled
        self.started = time.monotonic()
        self.last_line = 0.0
        self.tty = sys.stderr.isatty()
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._waiting_for: str | None = None

    def __call__(self, done: int, total: int | None) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if self.tty:
            self._draw(done, total)
        elif now - self.started >= QUIET_SECONDS and now - self.last_line >= LINE_EVERY_SECONDS:
            self.last_line = now
            of = f" of {total}" if total else ""
            print(f"{self.label}: {done}{of} records read", file=sys.stderr, flush=True)

    def waiting(self, run: Run) -> None:
        """The integration's run is executing elsewhere (a worker, another command): say so
        once, then show that the wait goes on."""
        if not self.enabled:
            return
        if self._waiting_for != run.id:
            self._waiting_for = run.id
            self.started = time.monotonic()
            note(
                f"{run.integration_id} already has run {run.id} {run.status} "
                f"(trigger {run.trigger}); waiting for it to end"
            )
            self.label = f"waiting for run {run.id}"
        now = time.monotonic()
        if self.tty:
            self._draw(0, None)
        elif now - self.last_line >= LINE_EVERY_SECONDS:
            self.last_line = now
            waited = now - self.started
            print(f"{self.label} ({run.status}): {waited:.0f} s", file=sys.stderr, flush=True)

    def _draw(self, done: int, total: int | None) -> None:
        if self._bar is None:
            self._bar = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=stderr_console(),
                transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=total)
        assert self._task is not None
        self._bar.update(self._task, completed=done, total=total)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

    def __enter__(self) -> SyncProgress:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
