"""The sandbox protocol: what a provider's loopback sandbox offers the conformance suite, and a
base class that provides it.

A sandbox is an ASGI app that speaks the provider's real protocol on loopback, with data
generated from a seed. It lives in its own package (``plugins/<name>/sandbox/`` for the
built-ins), so nothing a sync runs imports it. :class:`hub.provider.Sandbox` is how a provider
hands one to ``rosterhub demo``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from hub.provider import Sandbox
from hub.testing.faults import FaultInjector

__all__ = ["BaseSandbox", "Sandbox", "SandboxControls"]


@runtime_checkable
class SandboxControls(Protocol):
    """The controls :class:`hub.testing.ConformanceTests` drives (``ProviderCase.sandbox``)."""

    def fail_next(self, status: int, times: int = 1, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` API requests answer ``status`` with ``headers``."""

    def loop_pages(self) -> None:
        """From now on a "next page" points back at a page already served."""

    def revoke(self) -> None:
        """The configured credentials are refused from now on (401)."""


class BaseSandbox:
    """:class:`SandboxControls` ready made: subclasses call ``super().__init__()`` and, in every
    API request, answer ``self.faults.take()`` first, then refuse every credential while
    ``self.revoked``, and point "next page" back at the page just served while
    ``self.looping``."""

    def __init__(self) -> None:
        self.faults = FaultInjector()
        self.looping = False
        self.revoked = False

    def fail_next(
        self,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        *,
        after: int = 0,
        reason: str | None = None,
    ) -> None:
        """The next ``times`` API requests answer ``status`` (after ``after`` good ones);
        ``reason`` is the provider's own error code where it has several per status."""
        self.faults.fail_next(status, times, headers, after=after, reason=reason)

    def loop_pages(self) -> None:
        """From now on every "next page" points back at the page just served."""
        self.looping = True

    def revoke(self) -> None:
        """The configured credentials are refused from now on (401)."""
        self.revoked = True
