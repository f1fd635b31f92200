"""Memory around a large piece of work: giving freed memory back to the system, and not
scanning for cycles while building rows that cannot form any.

CPython frees a large upload's rows, but glibc keeps the freed heap (one arena per thread of the
server's pool) for the life of the process: after a few large uploads a service holds hundreds
of megabytes it no longer uses. ``malloc_trim`` hands the free pages back. Elsewhere than glibc
this does nothing.

Building 100,000 rows of tuples sets off the cycle collector again and again, and each full
pass walks every object the process holds (its modules too): about a third of the time an
upload's plan takes. Tuples of text cannot form cycles, so :func:`collector_paused` holds the
collector off while they are built.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@functools.cache
def _trim() -> Callable[[int], int] | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim: Callable[[int], int] = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def give_back() -> None:
    """Return the heap's free pages to the system (a few milliseconds)."""
    trim = _trim()
    if trim is not None:
        trim(0)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cycle collection inside the block (nested blocks are fine); whatever was collectable
    is collected on a later pass as usual."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
