"""Moved to :mod:`hub.testing` (``from hub.testing import serve``); this name stays importable
so code written against it keeps working until it is updated."""

from __future__ import annotations

from hub.testing.loopback import LoopbackServer, free_port, serve

__all__ = ["LoopbackServer", "free_port", "serve"]
