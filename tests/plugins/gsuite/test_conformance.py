"""The shared provider conformance suite against the Google Workspace sandbox."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.testing import ConformanceTests, ProviderCase
from plugins.gsuite.sandbox import GoogleSandbox
from tests.plugins.gsuite.conftest import MakeProvider
from tests.plugins.gsuite.expected import expected_roster


class TestGoogleConformance(ConformanceTests):
    @pytest.fixture
    def case(self, sandbox: GoogleSandbox, make_provider: MakeProvider) -> Iterator[ProviderCase]:
        yield ProviderCase(
            make_provider=make_provider,
            sandbox=sandbox,
            expected=expected_roster(sandbox.domain),
            small_page={"page_size": 3},
            auth_hint="secret: token",
        )
