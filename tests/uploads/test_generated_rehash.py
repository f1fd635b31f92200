"""Generated passwords are stored with the lighter argon2id parameters and rehashed at the
full ones on the first successful sign-in; a wrong password changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from hub import signin
from hub.accounts import add_manual_account
from hub.context import Hub
from hub.models import Account
from hub.passwords import hash_generated_password, hash_password, verify_password
from hub.schools import create_school


def stored(hub: Hub, email: str) -> str:
    with hub.session() as session:
        value = session.execute(select(Account.password_hash).where(Account.email == email))
        return str(value.scalar_one())


def test_the_two_parameter_sets() -> None:
    assert "$m=1024,t=1,p=1$" in hash_generated_password("k7mp-x3ra-9wqe")
    assert "$m=19456,t=2,p=1$" in hash_password("a person's own choice")
    assert verify_password("k7mp-x3ra-9wqe", hash_generated_password("k7mp-x3ra-9wqe"))


def test_first_sign_in_rehashes_a_generated_password(hub: Hub) -> None:
    school = create_school(hub, name="North High", actor="test")
    add_manual_account(
        hub,
        school_id=school.id,
        email="boss@example.org",
        first_name="Bo",
        last_name="Ss",
        roles=["admin"],
        actor="test",
    )
    light = hash_generated_password("k7mp-x3ra-9wqe")
    with hub.transaction() as session:
        session.execute(
            update(Account).where(Account.email == "boss@example.org").values(password_hash=light)  # type: ignore[arg-type]
        )
    with pytest.raises(signin.SignInRefused):
        signin.identify(hub, email="boss@example.org", password="wrong-password")
    assert stored(hub, "boss@example.org") == light
    signin.identify(hub, email="boss@example.org", password="k7mp-x3ra-9wqe")
    rehashed = stored(hub, "boss@example.org")
    assert rehashed != light and "$m=19456,t=2,p=1$" in rehashed
    assert verify_password("k7mp-x3ra-9wqe", rehashed)
    signin.identify(hub, email="boss@example.org", password="k7mp-x3ra-9wqe")
    assert stored(hub, "boss@example.org") == rehashed  # already at today's parameters
