"""The shared provider conformance suite, run against the Clever sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.testing import ConformanceTests, ProviderCase
from plugins.clever.sandbox import CleverSandbox
from tests.plugins.clever.expectations import MakeProvider, expected_records


class TestCleverConformance(ConformanceTests):
    @pytest.fixture
    def case(self, district: CleverSandbox, make_provider: MakeProvider) -> Iterator[ProviderCase]:
        yield ProviderCase(
            make_provider=make_provider,
            sandbox=district,
            expected=expected_records(district.users),
            small_page={"page_size": "7"},
            auth_hint="reconnect the district in Clever",
        )
