"""One measured figure beside its floor: the cheapest way the same machine does the same
essential work, measured in the same run on the same data. The ratio is what a target bounds,
so a figure means the same on a laptop and on a CI runner."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Figure:
    name: str
    seconds: float
    floor_name: str
    floor_seconds: float
    target_ratio: float
    unit: str = "s"
    """``s`` for timings; a figure of another kind (``MB``) carries its value in ``seconds``."""

    @property
    def ratio(self) -> float:
        return self.seconds / self.floor_seconds if self.floor_seconds > 0 else float("inf")

    @property
    def met(self) -> bool:
        return self.ratio <= self.target_ratio


def best_of(
    repeat: int, action: Callable[[], object], *, setup: Callable[[], object] | None = None
) -> float:
    """The fastest of ``repeat`` timings of ``action`` (``setup`` runs untimed before each):
    the minimum is the figure least disturbed by everything else on the machine."""
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def median_of(
    repeat: int, action: Callable[[], object], *, setup: Callable[[], object] | None = None
) -> float:
    times = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
