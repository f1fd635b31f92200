"""Fixtures for the Google Workspace tests: a sandbox served on loopback per test and a
factory for providers connected to it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.testing import serve
from plugins.gsuite.provider import GoogleProvider
from plugins.gsuite.sandbox import GoogleSandbox

MakeProvider = Callable[..., GoogleProvider]


@pytest.fixture
def sandbox() -> GoogleSandbox:
    return GoogleSandbox(seed=0)


@pytest.fixture
def base_url(sandbox: GoogleSandbox) -> Iterator[str]:
    with serve(sandbox.app) as url:
        yield url


@pytest.fixture
def make_provider(sandbox: GoogleSandbox, base_url: str) -> Iterator[MakeProvider]:
    """``make_provider(**settings)``: the sandbox's default settings with a bare token, with
    keyword overrides; ``credentials=...`` (a dict) replaces the token."""
    made: list[GoogleProvider] = []

    def make(**overrides: Any) -> GoogleProvider:
        values: dict[str, Any] = {**sandbox.settings(base_url), "token": sandbox.token}
        if "credentials" in overrides:
            values.pop("token")
            creds = overrides.pop("credentials")
            values["credentials"] = creds if isinstance(creds, str) else json.dumps(creds)
        values.update(overrides)
        values = {k: v for k, v in values.items() if v is not None}
        provider = GoogleProvider(GoogleProvider.parse_settings(values))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()
