from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hub.config import Settings
from hub.errors import ConfigError, HubError
from hub.vault import Vault, key_file_for, load_vault


def test_round_trip_and_rotation() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    token = Vault([old]).encrypt_json({"token": "s3cret"})
    assert "s3cret" not in token
    both = Vault([new, old])
    rotated = both.rotate(token)
    assert Vault([new]).decrypt_json(rotated) == {"token": "s3cret"}
    with pytest.raises(HubError, match="cannot be decrypted"):
        Vault([old]).decrypt_json(rotated)


def test_key_file_created_0600_beside_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'hub.db'}"
    vault = load_vault(Settings(database_url=url))
    path = key_file_for(url)
    assert path == tmp_path / "data" / "hub.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = vault.encrypt_json({"a": "b"})
    assert load_vault(Settings(database_url=url)).decrypt_json(token) == {"a": "b"}


def test_postgres_needs_a_key() -> None:
    with pytest.raises(ConfigError, match="ROSTERHUB_SECRET_KEY"):
        load_vault(Settings(database_url="postgresql://x@localhost/db"))


def test_bad_key_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="Fernet key"):
        load_vault(Settings(database_url="sqlite:///x.db", secret_key="not-a-key"))


def test_comma_separated_keys_newest_first() -> None:
    old, new = Fernet.generate_key(), Fernet.generate_key()
    token = Vault([old]).encrypt(b"x")
    vault = load_vault(
        Settings(database_url="sqlite:///x.db", secret_key=f"{new.decode()}, {old.decode()}")
    )
    assert vault.decrypt(token) == b"x"
    assert Vault([new]).decrypt(vault.rotate(token)) == b"x"
