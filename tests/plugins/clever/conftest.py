"""Fixtures for the Clever provider: a generated district served on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub.testing import serve
from plugins.clever.provider import CleverProvider
from plugins.clever.sandbox import CleverSandbox
from tests.plugins.clever.expectations import MakeProvider


@pytest.fixture
def district() -> CleverSandbox:
    return CleverSandbox(seed=7, users=60)


@pytest.fixture
def clever_url(district: CleverSandbox) -> Iterator[str]:
    with serve(district) as base_url:
        yield base_url


@pytest.fixture
def make_provider(clever_url: str, district: CleverSandbox) -> Iterator[MakeProvider]:
    """``make_provider(schools="a,b", staff_role="admin", ...)``: settings as text, as the
    CLI passes them."""
    made: list[CleverProvider] = []

    def make(**overrides: Any) -> CleverProvider:
        values = {"base_url": clever_url, "token": district.token, **overrides}
        provider = CleverProvider(CleverProvider.parse_settings(values))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()
