"""The Clever sandbox district the district tests sync from."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.testing import serve
from plugins.clever.sandbox import CleverSandbox


@pytest.fixture
def clever() -> CleverSandbox:
    return CleverSandbox(seed=11, users=160, schools=4)


@pytest.fixture
def clever_url(clever: CleverSandbox) -> Iterator[str]:
    with serve(clever) as base_url:
        yield base_url
