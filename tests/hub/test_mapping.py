"""Role mapping: hub roles, normalisation, conflicts and the record hash."""

from __future__ import annotations

import pytest

from hub.engine.mapping import Mapped, Rejected, RoleMapper, map_record, record_hash
from hub.roster import RosterRecord


def record(**kw: object) -> RosterRecord:
    values: dict[str, object] = {
        "external_id": "x1",
        "email": "Ada@Example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "roles": frozenset({"student"}),
    }
    values.update(kw)
    return RosterRecord(**values)  # type: ignore[arg-type]


def test_normalises_email_and_names() -> None:
    got = map_record(record(email="  Ada.L@EXAMPLE.org ", first_name=" Ada ", last_name="  Lo "))
    assert isinstance(got, Mapped)
    assert (got.email, got.first_name, got.last_name) == ("ada.l@example.org", "Ada", "Lo")


@pytest.mark.parametrize(
    ("roles", "implies", "expected"),
    [
        ({"student"}, True, "student"),
        ({"teacher"}, True, "teacher"),
        ({"admin"}, True, "admin,teacher"),
        ({"admin"}, False, "admin"),
        ({"admin", "teacher"}, False, "admin,teacher"),
        ({"teacher", "guardian"}, True, "teacher"),
    ],
)
def test_hub_roles(roles: set[str], implies: bool, expected: str) -> None:
    got = map_record(record(roles=frozenset(roles)), admin_implies_teacher=implies)
    assert isinstance(got, Mapped)
    assert got.roles == expected


@pytest.mark.parametrize("roles", [{"student", "teacher"}, {"student", "admin"}])
def test_student_and_staff_is_a_conflict(roles: set[str]) -> None:
    got = map_record(record(roles=frozenset(roles)))
    assert isinstance(got, Rejected)
    assert got.conflict and got.severity == "error"
    assert "student" in got.message


@pytest.mark.parametrize("roles", [set(), {"guardian"}, {"contact"}])
def test_no_role_is_a_warning(roles: set[str]) -> None:
    got = map_record(record(roles=frozenset(roles)))
    assert isinstance(got, Rejected)
    assert got.severity == "warning" and not got.conflict


@pytest.mark.parametrize("email", [None, "", "   "])
def test_active_record_without_email_is_rejected(email: str | None) -> None:
    got = map_record(record(email=email))
    assert isinstance(got, Rejected)
    assert "email" in got.message


def test_inactive_record_with_only_an_id_still_maps() -> None:
    got = map_record(RosterRecord(external_id="gone", email=None, active=False))
    assert isinstance(got, Mapped)
    assert not got.active and got.email == ""


def test_hash_covers_every_written_field() -> None:
    base = map_record(record())
    assert isinstance(base, Mapped)
    assert len(base.hash) == 32
    variants = [
        record(email="other@example.org"),
        record(first_name="Augusta"),
        record(last_name="King"),
        record(roles=frozenset({"teacher"})),
        record(active=False),
    ]
    hashes = {base.hash}
    for variant in variants:
        mapped = map_record(variant)
        assert isinstance(mapped, Mapped)
        hashes.add(mapped.hash)
    assert len(hashes) == len(variants) + 1


def test_hash_ignores_what_normalisation_removes() -> None:
    a = map_record(record(email="ADA@example.org ", first_name="Ada "))
    b = map_record(record(email="ada@example.org", first_name="Ada"))
    assert isinstance(a, Mapped) and isinstance(b, Mapped)
    assert a.hash == b.hash
    assert a.hash == record_hash(
        email="ada@example.org",
        first_name="Ada",
        last_name="Lovelace",
        roles="student",
        active=True,
    )


def test_field_separator_prevents_collisions() -> None:
    one = record_hash(email="a", first_name="bc", last_name="", roles="student", active=True)
    two = record_hash(email="a", first_name="b", last_name="c", roles="student", active=True)
    assert one != two


def test_role_sets_are_resolved_once() -> None:
    mapper = RoleMapper()
    first = mapper.roles(frozenset({"admin"}))
    assert mapper.roles(frozenset({"admin"})) is first
