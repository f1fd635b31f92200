"""Every OneRoster user mapping rule, on plain records."""

from __future__ import annotations

from typing import Any

import pytest

from hub.roster import ADMIN, STUDENT, TEACHER, RosterRecord, Skip
from plugins.classlink.mapping import is_enabled, map_user, user_orgs


def user(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "sourcedId": "abc-1",
        "status": "active",
        "enabledUser": "true",
        "givenName": " Ada ",
        "familyName": "Lovelace",
        "role": "student",
        "email": "Ada.Lovelace@Example.ORG ",
        "orgs": [{"sourcedId": "s1", "type": "org"}],
    }
    base.update(fields)
    return base


def roles12(*entries: tuple[str, str]) -> list[dict[str, Any]]:
    return [
        {"roleType": "primary" if i == 0 else "secondary", "role": role, "org": {"sourcedId": org}}
        for i, (role, org) in enumerate(entries)
    ]


def record(raw: dict[str, Any], **kwargs: Any) -> RosterRecord:
    item = map_user(raw, tenant_id="42", **kwargs)
    assert isinstance(item, RosterRecord), item
    return item


def test_a_student() -> None:
    item = record(user())
    assert item == RosterRecord(
        external_id="42:abc-1",
        email="ada.lovelace@example.org",
        first_name="Ada",
        last_name="Lovelace",
        roles=frozenset({STUDENT}),
        schools=("s1",),
        active=True,
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("student", {STUDENT}),
        ("teacher", {TEACHER}),
        ("aide", {TEACHER}),
        ("administrator", {ADMIN}),
        ("Teacher", {TEACHER}),
    ],
)
def test_oneroster_11_roles(role: str, expected: set[str]) -> None:
    assert record(user(role=role)).roles == frozenset(expected)


@pytest.mark.parametrize(
    "role", ["districtAdministrator", "siteAdministrator", "principal", "systemAdministrator"]
)
def test_oneroster_12_administrator_roles(role: str) -> None:
    raw = user(role=None, orgs=None, roles=roles12((role, "s1")))
    assert record(raw).roles == frozenset({ADMIN})


def test_oneroster_12_roles_add_up() -> None:
    raw = user(role=None, orgs=None, roles=roles12(("principal", "s1"), ("teacher", "s2")))
    item = record(raw)
    assert item.roles == frozenset({ADMIN, TEACHER})
    assert item.schools == ("s1", "s2")


def test_oneroster_12_roles_count_only_in_the_selected_orgs() -> None:
    raw = user(role=None, orgs=None, roles=roles12(("principal", "s1"), ("teacher", "s2")))
    assert record(raw, scope=frozenset({"s2"})).roles == frozenset({TEACHER})


def test_student_and_teacher_are_both_handed_on() -> None:
    """The hub reports the conflict; the provider does not hide it."""
    raw = user(role=None, orgs=None, roles=roles12(("student", "s1"), ("teacher", "s1")))
    assert record(raw).roles == frozenset({STUDENT, TEACHER})


@pytest.mark.parametrize("role", ["guardian", "parent", "relative", "proctor", "Parent"])
def test_people_who_are_not_hub_people_are_left_out(role: str) -> None:
    assert map_user(user(role=role), tenant_id="42") is None


def test_a_guardian_who_is_also_a_teacher_is_a_teacher() -> None:
    raw = user(role=None, orgs=None, roles=roles12(("guardian", "s1"), ("teacher", "s1")))
    assert record(raw).roles == frozenset({TEACHER})


def test_an_unknown_role_is_a_warning() -> None:
    item = map_user(user(role="counselor"), tenant_id="42")
    assert isinstance(item, Skip)
    assert item.severity == "warning"
    assert "'counselor'" in item.message
    assert item.external_id == "42:abc-1"


def test_no_role_is_a_warning() -> None:
    item = map_user(user(role=None), tenant_id="42")
    assert isinstance(item, Skip) and "no role" in item.message


@pytest.mark.parametrize(
    ("value", "active"),
    [
        ("true", True),
        (True, True),
        (None, True),
        ("false", False),
        ("FALSE", False),
        (False, False),
        (" false ", False),
    ],
)
def test_enabled_user_as_text_or_boolean(value: Any, active: bool) -> None:
    assert is_enabled(value) is active
    assert record(user(enabledUser=value)).active is active


def test_tobedeleted_is_inactive() -> None:
    assert record(user(status="tobedeleted")).active is False


def test_missing_email_is_a_warning() -> None:
    for email in (None, "", "   "):
        item = map_user(user(email=email), tenant_id="42")
        assert isinstance(item, Skip), email
        assert item.severity == "warning"
        assert item.external_id == "42:abc-1"
        assert "no email" in item.message


def test_an_email_that_is_not_an_address_is_a_warning() -> None:
    item = map_user(user(email="ada.lovelace"), tenant_id="42")
    assert isinstance(item, Skip) and "not an email address" in item.message


def test_an_inactive_user_without_email_still_deactivates_by_id() -> None:
    item = record(user(email=None, status="tobedeleted"))
    assert item.email is None and item.active is False and item.external_id == "42:abc-1"


def test_missing_sourced_id_is_a_warning() -> None:
    item = map_user(user(sourcedId=""), tenant_id="42")
    assert isinstance(item, Skip) and "sourcedId" in item.message


def test_external_ids_are_scoped_by_tenant() -> None:
    assert record(user()).external_id != map_user(user(), tenant_id="43").external_id  # type: ignore[union-attr]


def test_users_outside_the_selected_orgs_are_left_out() -> None:
    assert map_user(user(), tenant_id="42", scope=frozenset({"s9"})) is None
    assert record(user(), scope=frozenset({"s1"})).schools == ("s1",)


def test_orgs_of_both_versions() -> None:
    raw = user(
        orgs=[{"sourcedId": "s1"}, {"sourcedId": "s2"}],
        roles=roles12(("teacher", "s3")),
        primaryOrg={"sourcedId": "s1"},
    )
    assert user_orgs(raw) == ("s1", "s2", "s3")
