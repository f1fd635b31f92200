"""Upload tests hash many passwords; production-strength argon2 would make them slow without
testing anything more. The hashes stay real argon2id (verify_password reads their parameters)."""

from __future__ import annotations

import pytest
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from hub.uploads import password_work

_LIGHT = PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))


@pytest.fixture(autouse=True)
def _light_argon2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(password_work, "hash_password", _LIGHT.hash)
    monkeypatch.setattr(password_work, "hash_generated_password", _LIGHT.hash)
