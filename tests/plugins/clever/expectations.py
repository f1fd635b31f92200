"""What the documented Clever mapping rules say a provider yields, worked out directly from the
users the sandbox serves (independently of the provider's own mapping code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from plugins.clever.provider import CleverProvider

MakeProvider = Callable[..., CleverProvider]
"""The ``make_provider`` fixture: settings overrides as text, as the CLI passes them."""


def expected_records(
    users: list[dict[str, Any]],
    *,
    staff_role: str = "teacher",
    schools: frozenset[str] = frozenset(),
) -> dict[str, tuple[str | None, frozenset[str], bool]]:
    """What the documented mapping rules say the provider yields, worked out directly from the
    users the sandbox serves."""
    expected: dict[str, tuple[str | None, frozenset[str], bool]] = {}
    for user in users:
        roles: set[str] = set()
        for key, hub_role in (
            ("student", "student"),
            ("teacher", "teacher"),
            ("staff", staff_role),
            ("district_admin", "admin"),
        ):
            info = user["roles"].get(key)
            if info is None:
                continue
            held = {info.get("school"), *info.get("schools", [])} - {None}
            if key == "district_admin" or not schools or held & schools:
                roles.add(hub_role)
        if roles and user.get("email"):
            expected[user["id"]] = (user["email"].lower(), frozenset(roles), True)
    return expected
