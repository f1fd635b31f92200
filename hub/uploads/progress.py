"""Who hears how an apply is going: an explicit ``report`` callback, or the one a surface set
for the calls it makes (:func:`reporting`: the chat sets one around a confirm, so the dialogue
itself need not know about progress)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Report = Callable[[int, int], None]
"""Told ``(done, total)`` rows as the password work goes; ``done == total`` once more when the
rows are written."""

_current: ContextVar[Report | None] = ContextVar("upload_report", default=None)


@contextmanager
def reporting(report: Report) -> Iterator[None]:
    """Every apply started inside the block (on this thread) reports to ``report``."""
    token = _current.set(report)
    try:
        yield
    finally:
        _current.reset(token)


def current(explicit: Report | None = None) -> Report | None:
    return explicit if explicit is not None else _current.get()
