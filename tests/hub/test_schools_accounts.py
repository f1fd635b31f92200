from __future__ import annotations

import pytest

from hub import accounts, schools
from hub.context import Hub
from hub.errors import UsageError
from hub.passwords import verify_password


def test_schools(hub: Hub) -> None:
    school = schools.create_school(
        hub, name="  Lincoln   High ", timezone="America/Chicago", actor="t"
    )
    assert schools.school_json(school) == {
        "id": school.id,
        "name": "Lincoln High",
        "timezone": "America/Chicago",
        "district_id": None,
    }
    assert schools.resolve_school(hub, "Lincoln High").id == school.id
    assert schools.resolve_school(hub, school.id).name == "Lincoln High"
    with pytest.raises(UsageError, match="already exists"):
        schools.create_school(hub, name="Lincoln High", actor="t")
    with pytest.raises(UsageError, match="time zone"):
        schools.create_school(hub, name="Other", timezone="Nowhere/Land", actor="t")
    with pytest.raises(UsageError, match="unknown school 'lincoln high'"):
        schools.resolve_school(hub, "lincoln high")
    other = schools.create_school(hub, name="Adams Middle", actor="t")
    assert [s.name for s in schools.list_schools(hub)] == ["Adams Middle", "Lincoln High"]
    assert [s.id for s in schools.list_schools(hub, only_school_id=other.id)] == [other.id]


def test_manual_accounts(hub: Hub) -> None:
    from sqlmodel import select

    from hub.models import Account

    school = schools.create_school(hub, name="Lincoln High", actor="t")
    view, password = accounts.add_manual_account(
        hub,
        school_id=school.id,
        email=" Ada@Example.ORG ",
        first_name="Ada",
        last_name="Lovelace",
        roles=["admin"],
        actor="t",
    )
    assert view == {
        "email": "ada@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "roles": ["admin", "teacher"],
        "status": "active",
        "source": "manual",
        "external_id": None,
    }
    assert password and len(password) >= 12
    with hub.session() as session:
        account = session.exec(select(Account)).one()
    assert account.password_hash and verify_password(password, account.password_hash)
    assert accounts.list_accounts(hub, school_id=school.id) == [view]
    assert accounts.list_accounts(hub, school_id=school.id, role="student") == []
    with pytest.raises(UsageError, match="already has an account"):
        accounts.add_manual_account(
            hub,
            school_id=school.id,
            email="ADA@example.org",
            first_name="A",
            last_name="L",
            roles=["teacher"],
            actor="t",
        )
    other = schools.create_school(hub, name="Adams", actor="t")
    _, second = accounts.add_manual_account(
        hub,
        school_id=other.id,
        email="ada@example.org",
        first_name="Ada",
        last_name="Lovelace",
        roles=["teacher"],
        actor="t",
    )
    assert second is None  # she keeps the password she has


@pytest.mark.parametrize(
    ("email", "roles", "match"),
    [
        ("not-an-email", ["student"], "not a valid email"),
        ("a@example.org", ["student", "teacher"], "student and staff"),
        ("a@example.org", ["janitor"], "roles must be"),
    ],
)
def test_manual_account_errors(hub: Hub, email: str, roles: list[str], match: str) -> None:
    school = schools.create_school(hub, name="Lincoln High", actor="t")
    with pytest.raises(UsageError, match=match):
        accounts.add_manual_account(
            hub,
            school_id=school.id,
            email=email,
            first_name="A",
            last_name="B",
            roles=roles,
            actor="t",
        )
    assert accounts.list_accounts(hub, school_id=school.id, include_all=True) == []
