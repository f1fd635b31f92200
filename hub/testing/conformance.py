"""The provider conformance suite: every provider, built in or third party, passes the same
checks against its loopback sandbox. A provider's test module does::

    from hub.testing import ConformanceTests, ProviderCase

    class TestMySisConformance(ConformanceTests):
        @pytest.fixture
        def case(self) -> Iterator[ProviderCase]:
            ...start the sandbox, yield a ProviderCase for it...

``ProviderCase.sandbox`` must offer :class:`hub.testing.SandboxControls` (``fail_next``,
``loop_pages``, ``revoke``); :class:`hub.testing.BaseSandbox` provides them.

Needs pytest (``pip install 'rosterhub[testing]'``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import pytest

from hub import http
from hub.errors import ProviderError
from hub.provider import Provider
from hub.roster import Cursor, Item, RosterRecord, Skip
from hub.testing.sandbox import SandboxControls

Expected = dict[str, tuple[str | None, frozenset[str], bool]]


@dataclass
class ProviderCase:
    """One provider wired to its running sandbox, and what it must yield from it."""

    make_provider: Callable[..., Provider]
    """Builds the provider connected to the running sandbox; keyword overrides are settings."""
    sandbox: SandboxControls
    """The running sandbox's controls."""
    expected: Expected
    """external_id -> (email, hub roles, active) for every record fetch() must yield."""
    small_page: dict[str, object]
    """Settings overrides that make the sandbox serve the roster over several pages."""
    auth_hint: str
    """A phrase the message for refused credentials must contain (what to fix)."""


def drain(source: Provider | Iterable[Item]) -> tuple[list[RosterRecord], list[Skip], list[Cursor]]:
    """Read a provider's whole ``fetch()`` (or any item stream) into records, skips and cursors;
    anything else in the stream fails the test, as it would fail a run."""
    items = source.fetch() if isinstance(source, Provider) else source
    records: list[RosterRecord] = []
    skips: list[Skip] = []
    cursors: list[Cursor] = []
    for item in items:
        if isinstance(item, RosterRecord):
            records.append(item)
        elif isinstance(item, Skip):
            skips.append(item)
        elif isinstance(item, Cursor):
            cursors.append(item)
        else:
            msg = f"the provider yielded {type(item).__name__}, not a RosterRecord, Skip or Cursor"
            raise AssertionError(msg)
    return records, skips, cursors


def _secrets(provider: Provider) -> list[str]:
    values = []
    for key in type(provider).secret_keys():
        value = getattr(provider.settings, key, None)
        if value is not None and hasattr(value, "get_secret_value") and value.get_secret_value():
            values.append(value.get_secret_value())
    return values


class ConformanceTests:
    """Subclass it in a test module named ``test_*.py`` and override :meth:`case`."""

    @pytest.fixture
    def case(self) -> Iterator[ProviderCase]:  # pragma: no cover - overridden
        """The provider under test and its sandbox; every subclass overrides it."""
        raise NotImplementedError

    @pytest.fixture(autouse=True)
    def _instant_retries(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Retries built on :mod:`hub.http` wait 0 s here: the suite counts retries, and a
        test of bounded retries would otherwise wait out the whole backoff."""
        monkeypatch.setattr(http, "BACKOFF", 0.0)
        monkeypatch.setattr(http, "MAX_WAIT", 0.05)

    def test_maps_every_record(self, case: ProviderCase) -> None:
        records, _, _ = drain(case.make_provider())
        got = {r.external_id: (r.email, r.roles, r.active) for r in records}
        assert got == case.expected

    def test_pages_to_the_end(self, case: ProviderCase) -> None:
        records, _, _ = drain(case.make_provider(**case.small_page))
        assert sorted(r.external_id for r in records) == sorted(case.expected)
        assert len(records) == len({r.external_id for r in records}), "a record came twice"

    def test_detects_a_page_loop(self, case: ProviderCase) -> None:
        case.sandbox.loop_pages()
        with pytest.raises(ProviderError, match="(?i)page"):
            drain(case.make_provider(**case.small_page))

    @pytest.mark.parametrize("status", [429, 500, 503])
    def test_retries_passing_faults(self, case: ProviderCase, status: int) -> None:
        case.sandbox.fail_next(status, times=2, headers={"Retry-After": "0"})
        records, _, _ = drain(case.make_provider())
        assert {r.external_id for r in records} == set(case.expected)

    def test_retries_are_bounded(self, case: ProviderCase) -> None:
        case.sandbox.fail_next(503, times=1000)
        with pytest.raises(ProviderError):
            drain(case.make_provider())

    def test_refused_credentials_say_what_to_fix(self, case: ProviderCase) -> None:
        case.sandbox.revoke()
        provider = case.make_provider()
        with pytest.raises(ProviderError) as info:
            drain(provider)
        assert case.auth_hint.lower() in str(info.value).lower()
        result = provider.check()
        assert result.ok is False
        assert case.auth_hint.lower() in result.message.lower()

    def test_check_and_sources(self, case: ProviderCase) -> None:
        provider = case.make_provider()
        result = provider.check()
        assert result.ok is True, result.message
        assert provider.sources(), "sources() lists what a district IT person picks from"

    def test_secrets_never_in_messages(self, case: ProviderCase) -> None:
        provider = case.make_provider()
        secrets = _secrets(provider)
        case.sandbox.revoke()
        result = provider.check()
        with pytest.raises(ProviderError) as info:
            drain(provider)
        for secret in secrets:
            assert secret not in result.message
            assert secret not in str(info.value)
