"""The shared provider conformance suite, run against the OneRoster sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.testing import ConformanceTests, ProviderCase
from plugins.classlink.sandbox import OneRosterSandbox
from tests.plugins.classlink.conftest import MakeProvider, expected_records


class TestClassLinkConformance(ConformanceTests):
    @pytest.fixture
    def case(
        self, district: OneRosterSandbox, make_provider: MakeProvider
    ) -> Iterator[ProviderCase]:
        yield ProviderCase(
            make_provider=make_provider,
            sandbox=district,
            expected=expected_records(district),
            small_page={"page_size": "7"},
            auth_hint="check client_id and client_secret",
        )
