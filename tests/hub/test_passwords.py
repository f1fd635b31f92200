from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from hub.passwords import (
    ALPHABET,
    MAX_LENGTH,
    MIN_LENGTH,
    generate_password,
    hash_password,
    password_problem,
    password_problems,
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


_EDGES = st.sampled_from(
    ["x" * (MIN_LENGTH - 1), "x" * MIN_LENGTH, "x" * MAX_LENGTH, "x" * (MAX_LENGTH + 1)]
)
_PASSWORDS = st.one_of(
    st.text(max_size=140),
    _EDGES,
    st.builds(
        lambda p, pad: pad + p + pad[::-1],
        st.text(max_size=20),
        st.sampled_from([" ", "\t", "\u00a0", "\u2003", "\n"]),
    ),
)


@given(
    st.lists(
        st.tuples(_PASSWORDS, st.sampled_from(["", "ada@example.org", "Straße@Example.org"])),
        max_size=30,
    ),
    st.data(),
)
def test_a_column_is_judged_exactly_as_each_password_alone(rows, data) -> None:
    # the screening passes may never let through a password the rules refuse
    rows = [
        (data.draw(st.sampled_from([p, email, email.upper()])) if email else p, email)
        for p, email in rows
    ]
    passwords = [p for p, _ in rows]
    emails = [e for _, e in rows]
    expected = {
        n: problem
        for n, (p, e) in enumerate(rows)
        if (problem := password_problem(p, email=e or None)) is not None
    }
    assert password_problems(passwords, emails) == expected
