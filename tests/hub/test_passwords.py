from __future__ import annotations

from hub.passwords import (
    ALPHABET,
    generate_password,
    hash_password,
    password_problem,
    verify_password,
)


def test_generated_passwords_are_readable_long_and_distinct() -> None:
    seen = {generate_password() for _ in range(200)}
    assert len(seen) == 200
    for password in seen:
        assert len(password) >= 12
        assert set(password.replace("-", "")) <= set(ALPHABET)


def test_hash_is_argon2_and_verifies() -> None:
    hashed = hash_password("correct horse")
    assert hashed.startswith("$argon2id$")
    assert "correct horse" not in hashed
    assert verify_password("correct horse", hashed)
    assert not verify_password("wrong horse", hashed)


def test_rules() -> None:
    assert password_problem("short") is not None
    assert password_problem(" leading space") is not None
    assert password_problem("ada@example.org", email="Ada@Example.org") is not None
    assert password_problem("x" * 200) is not None
    assert password_problem("a fine passphrase") is None
