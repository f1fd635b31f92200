"""Fixtures for the ClassLink tests: a running OneRoster sandbox and providers wired to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from hub.roster import ADMIN, STUDENT, TEACHER
from hub.testing import serve
from plugins.classlink.provider import OneRosterProvider
from plugins.classlink.sandbox import ROOTS, OneRosterSandbox

MakeProvider = Callable[..., OneRosterProvider]

SPECIAL: dict[str, tuple[str | None, frozenset[str], bool]] = {
    "multi-school-teacher": ("rosa.parks@cedarvalley.example.org", frozenset({TEACHER}), True),
    "aide-elm": ("carl.sagan@cedarvalley.example.org", frozenset({TEACHER}), True),
    "admin-oak": ("jane.goodall@cedarvalley.example.org", frozenset({ADMIN}), True),
    "admin-district": ("alan.kay@cedarvalley.example.org", frozenset({ADMIN}), True),
    # 1.1 has one role per person: the principal is an administrator in both her orgs.
    "principal-pine": ("marie.curie@cedarvalley.example.org", frozenset({ADMIN}), True),
    "site-admin-elm": ("nikola.tesla@cedarvalley.example.org", frozenset({ADMIN}), True),
    "student-gone": ("gus.gone@cedarvalley.example.org", frozenset({STUDENT}), False),
    "student-gone-no-email": (None, frozenset({STUDENT}), False),
    "teacher-disabled-text": ("dora.disabled@cedarvalley.example.org", frozenset({TEACHER}), False),
    "student-disabled-bool": ("bo.boolean@cedarvalley.example.org", frozenset({STUDENT}), False),
}
"""What the fixed sandbox users must become under the 1.1 root (guardian, parent, relative,
proctor, the counselor and the student without email yield no record)."""

SPECIAL_12 = {
    **SPECIAL,
    "principal-pine": ("marie.curie@cedarvalley.example.org", frozenset({ADMIN, TEACHER}), True),
}
"""Under the 1.2 root each role is tied to its org: the principal at Pine teaches at Oak."""

NOT_RECORDS = {
    "guardian-1",
    "parent-1",
    "relative-1",
    "proctor-1",
    "counselor-pine",
    "student-no-email",
}


def expected_records(
    server: OneRosterSandbox, root: str = ROOTS[0]
) -> dict[str, tuple[str | None, frozenset[str], bool]]:
    """external_id -> (email, roles, active) for the whole tenant as ``root`` serves it. The
    generated people are plain students and teachers, so their expectation is read off the
    served records."""
    special = SPECIAL if root == ROOTS[0] else SPECIAL_12
    expected: dict[str, tuple[str | None, frozenset[str], bool]] = {}
    for user in server.people(root):
        sid = user["sourcedId"]
        if sid in NOT_RECORDS:
            continue
        if sid in special:
            expected[f"{server.tenant_id}:{sid}"] = special[sid]
            continue
        word = user["role"] if "role" in user else user["roles"][0]["role"]
        role = {"student": STUDENT, "teacher": TEACHER}[word]
        expected[f"{server.tenant_id}:{sid}"] = (user["email"].lower(), frozenset({role}), True)
    return expected


@pytest.fixture
def district() -> OneRosterSandbox:
    return OneRosterSandbox(seed=3, people=30)


@pytest.fixture
def base_url(district: OneRosterSandbox) -> Iterator[str]:
    with serve(district) as url:
        yield url


@pytest.fixture
def make_provider(district: OneRosterSandbox, base_url: str) -> Iterator[MakeProvider]:
    made: list[OneRosterProvider] = []

    def make(**overrides: Any) -> OneRosterProvider:
        values = {**district.settings_for(base_url), **district.secrets(), **overrides}
        provider = OneRosterProvider(OneRosterProvider.parse_settings(values))
        made.append(provider)
        return provider

    yield make
    for provider in made:
        provider.close()
