"""Password hashing (argon2id via pwdlib), generation and the rules an uploaded one must meet."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from functools import lru_cache
from itertools import compress
from operator import eq, ne

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# Readable: no 0/O, 1/l/I, 5/S, 2/Z look-alikes; lower-case so it survives being read aloud.
ALPHABET = "abcdefghjkmnpqrstuvwxyz3456789"
MIN_LENGTH = 8
MAX_LENGTH = 128


@lru_cache(maxsize=1)
def _hasher() -> PasswordHash:
    # OWASP's argon2id baseline (19 MiB, 2 passes): strong, yet a 5,000-row upload hashes in
    # about a minute on two cores instead of several.
    return PasswordHash((Argon2Hasher(time_cost=2, memory_cost=19456, parallelism=1),))


GENERATED_TIME_COST = 1
GENERATED_MEMORY_KIB = 1024


@lru_cache(maxsize=1)
def _generated_hasher() -> PasswordHash:
    # For passwords the hub generates (random, about 59 bits; see docs/security.md): argon2id
    # with one pass over 1 MiB. Guessing such a password offline is bounded by its entropy,
    # not by the work factor; the full parameters above replace it at the first sign-in.
    return PasswordHash(
        (
            Argon2Hasher(
                time_cost=GENERATED_TIME_COST, memory_cost=GENERATED_MEMORY_KIB, parallelism=1
            ),
        )
    )


def hash_password(password: str) -> str:
    """argon2id at the interactive-login parameters: every password a person chose."""
    return _hasher().hash(password)


def hash_generated_password(password: str) -> str:
    """argon2id at the lighter parameters for a password from :func:`generate_password`."""
    return _generated_hasher().hash(password)


def verify_password(password: str, password_hash: str) -> bool:
    """Checks against a hash of either parameter set (the parameters are in the hash)."""
    return _hasher().verify(password, password_hash)


def verify_and_update(password: str, password_hash: str) -> tuple[bool, str | None]:
    """Like :func:`verify_password`, and when it matches a hash made with other parameters
    (a generated password's lighter ones), the hash at today's parameters to store instead."""
    return _hasher().verify_and_update(password, password_hash)


def generate_password(groups: int = 3, size: int = 4) -> str:
    """Like ``k7mp-x3ra-9wqe``: 14 characters, about 59 bits from :mod:`secrets`."""
    return "-".join("".join(secrets.choice(ALPHABET) for _ in range(size)) for _ in range(groups))


def password_problems(passwords: Sequence[str], emails: Sequence[str]) -> dict[int, str]:
    """:func:`password_problem` for a whole column (each password with its row's email, ""
    for none): ``{position: problem}`` of the refused ones. The column is screened in passes
    that run in C (lengths, stripped, lower-cased), and only the passwords a rule may refuse
    are judged one by one: a fifth of the cost on 100,000 rows."""
    positions = range(len(passwords))
    lengths = list(map(len, passwords))
    suspects = {
        *compress(positions, map(MIN_LENGTH.__gt__, lengths)),
        *compress(positions, map(MAX_LENGTH.__lt__, lengths)),
        *compress(positions, map(ne, passwords, map(str.strip, passwords))),
        *compress(positions, map(eq, map(str.lower, passwords), map(str.lower, emails))),
    }
    found: dict[int, str] = {}
    for position in sorted(suspects):
        problem = password_problem(passwords[position], email=emails[position] or None)
        if problem:
            found[position] = problem
    return found


def password_problem(password: str, *, email: str | None = None) -> str | None:
    """Why an uploaded password is refused, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"password must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"password must be at most {MAX_LENGTH} characters"
    if password != password.strip():
        return "password must not start or end with a space"
    if email and password.lower() == email.lower():
        return "password must not be the email address"
    return None
