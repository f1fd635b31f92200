"""The fault injector: a queue of answers a sandbox gives instead of the real one, so a test
can make a provider's API fail exactly as often as it wants (``fail_next(503, times=2)``)
and check that the provider's client retries, gives up, or says what to fix."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Fault:
    """One injected answer. The sandbox renders it in its provider's own error format.

    ``reason`` is a provider-specific error code for sandboxes whose provider tells faults
    with the same status apart (Google's ``quotaExceeded`` 403, say); None means the usual
    one for ``status``.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    reason: str | None = None


class FaultInjector:
    """Faults queued by :meth:`fail_next`, taken one per request by :meth:`take`.

    Thread-safe: the loopback server answers on its own thread while the test queues faults.
    A sandbox calls :meth:`take` first thing for every API request, before authentication,
    as a struggling server fails before it looks at who is asking.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault | None] = deque()

    def fail_next(
        self,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        *,
        after: int = 0,
        reason: str | None = None,
    ) -> None:
        """The next ``times`` requests answer ``status`` with ``headers``, after ``after``
        requests answered normally. Queued behind any faults still pending."""
        if status < 400 or times < 0 or after < 0:
            msg = "a fault needs an error status (>= 400) and counts that are not negative"
            raise ValueError(msg)
        fault = Fault(status, dict(headers or {}), reason)
        with self._lock:
            self._queue.extend([None] * after)
            self._queue.extend([fault] * times)

    def take(self) -> Fault | None:
        """The fault this request must answer with, or None to answer it normally."""
        with self._lock:
            return self._queue.popleft() if self._queue else None

    @property
    def pending(self) -> int:
        """Requests still to be answered from the queue (normal ones included)."""
        with self._lock:
            return len(self._queue)

    def clear(self) -> None:
        """Forget every pending fault."""
        with self._lock:
            self._queue.clear()
