"""The provider conformance tests: every provider passes the same checks against its
loopback sandbox. A provider's test module does::

    from tests.providers.conformance import ConformanceTests

    class TestCleverConformance(ConformanceTests):
        @pytest.fixture
        def case(self) -> Iterator[ProviderCase]:
            ...yield a ProviderCase for the Clever sandbox...

The sandbox control object (``case.sandbox``) must offer:

- ``fail_next(status, times=1, headers=None)``: the next ``times`` API requests answer ``status``;
- ``loop_pages()``: from now on a "next page" points back at the page just served;
- ``revoke()``: the configured credentials are refused from now on (401).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from hub.errors import ProviderError
from hub.provider import Provider
from hub.roster import Cursor, RosterRecord, Skip


@dataclass
class ProviderCase:
    make_provider: Callable[..., Provider]
    """Builds the provider connected to the running sandbox; keyword overrides are settings."""
    sandbox: Any
    expected: dict[str, tuple[str | None, frozenset[str], bool]]
    """external_id -> (email, hub roles, active) for every record fetch() must yield."""
    small_page: dict[str, Any]
    """Settings overrides that make the sandbox serve the roster over several pages."""
    auth_hint: str
    """A phrase the message for refused credentials must contain (what to fix)."""


def drain(provider: Provider) -> tuple[list[RosterRecord], list[Skip], list[Cursor]]:
    records: list[RosterRecord] = []
    skips: list[Skip] = []
    cursors: list[Cursor] = []
    for item in provider.fetch():
        if isinstance(item, RosterRecord):
            records.append(item)
        elif isinstance(item, Skip):
            skips.append(item)
        else:
            cursors.append(item)
    return records, skips, cursors


class ConformanceTests:
    @pytest.fixture
    def case(self) -> Iterator[ProviderCase]:  # pragma: no cover - overridden
        raise NotImplementedError

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
        case.sandbox.revoke()
        result = provider.check()
        for key in type(provider).secret_keys():
            value = getattr(provider.settings, key, None)
            if value is not None and hasattr(value, "get_secret_value"):
                secret = value.get_secret_value()
                if secret:
                    assert secret not in result.message
