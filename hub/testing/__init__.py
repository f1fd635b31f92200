"""The plugin kit: what a provider's own tests need to run the suite the built-in providers run.

- :class:`ConformanceTests`, :class:`ProviderCase`, :func:`drain` — the provider conformance
  suite (paging to the end, page-loop detection, bounded retries on 429/5xx, refused
  credentials that say what to fix, record mapping, secrets kept out of messages);
- :class:`SandboxControls`, :class:`BaseSandbox`, :class:`Sandbox` — the sandbox protocol;
- :class:`FaultInjector`, :class:`Fault` — queued faults a sandbox answers with;
- :class:`LoopbackServer`, :func:`serve`, :func:`free_port` — an ASGI app on loopback.

Names load on first use: ``rosterhub demo`` takes the loopback server without importing pytest,
which only the conformance suite needs (``pip install 'rosterhub[testing]'``). See
``docs/plugins.md``.
"""

from __future__ import annotations

import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hub.testing.conformance import ConformanceTests, ProviderCase, drain
    from hub.testing.faults import Fault, FaultInjector
    from hub.testing.loopback import LoopbackServer, free_port, serve
    from hub.testing.sandbox import BaseSandbox, Sandbox, SandboxControls

_HOMES = {
    "ConformanceTests": "conformance",
    "ProviderCase": "conformance",
    "drain": "conformance",
    "Fault": "faults",
    "FaultInjector": "faults",
    "LoopbackServer": "loopback",
    "free_port": "loopback",
    "serve": "loopback",
    "BaseSandbox": "sandbox",
    "Sandbox": "sandbox",
    "SandboxControls": "sandbox",
}

__all__ = [
    "BaseSandbox",
    "ConformanceTests",
    "Fault",
    "FaultInjector",
    "LoopbackServer",
    "ProviderCase",
    "Sandbox",
    "SandboxControls",
    "drain",
    "free_port",
    "serve",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        msg = f"module 'hub.testing' has no attribute '{name}'"
        raise AttributeError(msg)
    if home == "conformance":
        _prepare_conformance()
    value = getattr(importlib.import_module(f"hub.testing.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def _prepare_conformance() -> None:
    """The suite is pytest tests: say how to get pytest, and have pytest rewrite the suite's
    asserts so a failing check shows the values it compared."""
    try:
        import pytest
    except ImportError as exc:
        msg = "hub.testing.ConformanceTests needs pytest: pip install 'rosterhub[testing]'"
        raise ImportError(msg) from exc
    if "hub.testing.conformance" not in sys.modules:
        pytest.register_assert_rewrite("hub.testing.conformance")
