"""Giving freed memory back to the system after a large piece of work.

CPython frees a large upload's rows, but glibc keeps the freed heap (one arena per thread of the
server's pool) for the life of the process: after a few large uploads a service holds hundreds
of megabytes it no longer uses. ``malloc_trim`` hands the free pages back. Elsewhere than glibc
this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from collections.abc import Callable


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
