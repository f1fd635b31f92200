"""Clever v3 user objects -> hub roster items, rule by rule (no HTTP)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.roster import RosterRecord, Skip
from plugins.clever.mapping import UserMapping

NORTH, SOUTH, WEST = (
    "5e0000000000000000000001",
    "5e0000000000000000000002",
    "5e0000000000000000000003",
)


def user(roles: dict[str, Any], *, email: str | None = "Pat.Lee@Example.org", **extra: Any) -> dict:
    data: dict[str, Any] = {
        "id": "5f00000000000000000000aa",
        "district": "5d0000000000000000000001",
        "name": {"first": " Pat ", "middle": "Q", "last": "Lee"},
        "roles": roles,
        **extra,
    }
    if email is not None:
        data["email"] = email
    return data


def record(item: RosterRecord | Skip | None) -> RosterRecord:
    assert isinstance(item, RosterRecord), item
    return item


@pytest.mark.parametrize(
    ("roles", "hub_roles"),
    [
        ({"student": {"school": NORTH, "schools": [NORTH]}}, {"student"}),
        ({"teacher": {"school": NORTH, "schools": [NORTH]}}, {"teacher"}),
        ({"staff": {"schools": [NORTH]}}, {"teacher"}),
        ({"district_admin": {"title": "CTO"}}, {"admin"}),
        (
            {"teacher": {"school": NORTH, "schools": [NORTH]}, "staff": {"schools": [SOUTH]}},
            {"teacher"},
        ),
        ({"district_admin": {}, "teacher": {"school": NORTH}}, {"admin", "teacher"}),
        ({"contact": {"student_relationships": []}, "teacher": {"school": NORTH}}, {"teacher"}),
    ],
    ids=[
        "student",
        "teacher",
        "staff",
        "district_admin",
        "teacher+staff",
        "admin+teacher",
        "contact+teacher",
    ],
)
def test_each_role_maps(roles: dict[str, Any], hub_roles: set[str]) -> None:
    got = record(UserMapping().record(user(roles)))
    assert got.roles == frozenset(hub_roles)
    assert got.external_id == "5f00000000000000000000aa"
    assert got.active is True


def test_names_and_email_are_normalised() -> None:
    got = record(UserMapping().record(user({"student": {"school": NORTH}})))
    assert (got.email, got.first_name, got.last_name) == ("pat.lee@example.org", "Pat", "Lee")


def test_staff_role_admin() -> None:
    mapping = UserMapping(staff_role="admin")
    assert record(mapping.record(user({"staff": {"schools": [NORTH]}}))).roles == {"admin"}
    both = {"teacher": {"school": NORTH}, "staff": {"schools": [NORTH]}}
    assert record(mapping.record(user(both))).roles == {"admin", "teacher"}


def test_contacts_are_not_people_of_the_hub() -> None:
    contact = user({"contact": {"student_relationships": [{"student": "x"}]}})
    assert UserMapping().record(contact) is None
    assert UserMapping().record(user({})) is None
    assert UserMapping().record(user({"unknown_role": {"school": NORTH}})) is None


@pytest.mark.parametrize("email", [None, "", "   "])
def test_no_email_is_a_warning_skip(email: str | None) -> None:
    got = UserMapping().record(user({"teacher": {"school": NORTH}}, email=email))
    assert isinstance(got, Skip)
    assert got.external_id == "5f00000000000000000000aa"
    assert got.severity == "warning"
    assert "no email" in got.message


def test_a_contact_without_email_is_not_reported() -> None:
    assert UserMapping().record(user({"contact": {}}, email=None)) is None


def test_schools_filter_counts_roles_held_at_selected_schools() -> None:
    mapping = UserMapping(schools=frozenset({NORTH}))
    assert record(mapping.record(user({"student": {"school": NORTH, "schools": [NORTH]}})))
    assert mapping.record(user({"student": {"school": SOUTH, "schools": [SOUTH]}})) is None
    # A secondary school counts too.
    two = {"student": {"school": SOUTH, "schools": [SOUTH, NORTH]}}
    assert record(mapping.record(user(two))).schools == (SOUTH, NORTH)
    # Only the role held at the selected school counts.
    split = {"teacher": {"school": NORTH, "schools": [NORTH]}, "staff": {"schools": [WEST]}}
    assert record(
        UserMapping(staff_role="admin", schools=frozenset({NORTH})).record(user(split))
    ).roles == {"teacher"}


def test_district_admins_are_district_wide() -> None:
    mapping = UserMapping(schools=frozenset({NORTH}))
    assert record(mapping.record(user({"district_admin": {}}))).roles == {"admin"}
    # ... but their teaching elsewhere does not make them a teacher here.
    elsewhere = {"district_admin": {}, "teacher": {"school": WEST, "schools": [WEST]}}
    assert record(mapping.record(user(elsewhere))).roles == {"admin"}


def test_a_user_without_id_is_skipped() -> None:
    data = user({"student": {"school": NORTH}})
    del data["id"]
    got = UserMapping().record(data)
    assert isinstance(got, Skip)
    assert got.external_id is None


def test_odd_shapes_do_not_crash() -> None:
    assert UserMapping().record(user("not-an-object")) is None  # type: ignore[arg-type]
    odd = user({"student": {"school": None, "schools": "x"}}, name=None)
    got = record(UserMapping().record(odd))
    assert (got.first_name, got.last_name, got.schools) == ("", "", ())


def test_gone_is_inactive_and_may_lack_email() -> None:
    got = UserMapping().gone(user({"teacher": {"school": NORTH}}, email=None))
    assert got is not None
    assert (got.active, got.email, got.roles) == (False, None, frozenset({"teacher"}))
