from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from hub.config import Settings
from hub.context import open_hub
from hub.errors import ConfigError, HubError
from hub.queue import RunQueue, make_huey
from hub.schools import create_school
from hub.vault import Vault, key_file_for, load_vault
from tests.fakes import FakeRoster, connect, use_fakes


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


@pytest.fixture
def usual_umask() -> Iterator[None]:
    """The common 022 umask, under which files are world-readable unless made otherwise."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _modes(*paths: Path) -> dict[str, int]:
    return {p.name: stat.S_IMODE(p.stat().st_mode) for p in paths if p.exists()}


@pytest.mark.usefixtures("usual_umask")
def test_the_database_and_queue_files_are_created_0600(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    settings = Settings(database_url=url)
    hub = open_hub(settings)
    create_school(hub, name="Lincoln High", actor="test")  # a write: the -wal file exists
    queue = RunQueue(hub, make_huey(settings))
    queue.enqueue("run_x")
    db, queue_db = tmp_path / "hub.db", tmp_path / "hub.queue.db"
    files = [db, Path(f"{db}-wal"), Path(f"{db}-shm"), queue_db]
    files += [Path(f"{queue_db}-wal"), Path(f"{queue_db}-shm")]
    modes = _modes(*files)
    assert {"hub.db", "hub.db-wal", "hub.queue.db"} <= set(modes)
    assert modes == dict.fromkeys(modes, 0o600), {k: oct(v) for k, v in modes.items()}
    queue.flush()
    hub.engine.dispose()


@pytest.mark.usefixtures("usual_umask")
def test_an_existing_database_keeps_its_mode(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    open_hub(Settings(database_url=f"sqlite:///{db}")).engine.dispose()
    db.chmod(0o640)  # chosen by its owner
    open_hub(Settings(database_url=f"sqlite:///{db}")).engine.dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_a_missing_key_file_beside_encrypted_secrets_is_an_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    hub = use_fakes(open_hub(Settings(database_url=url)))
    connect(hub, FakeRoster())  # the integration's token is encrypted with hub.key
    key = tmp_path / "hub.key"
    key.unlink()
    with pytest.raises(ConfigError) as caught:
        load_vault(Settings(database_url=url))
    message = str(caught.value)
    assert str(key) in message and "is missing" in message
    assert "1 encrypted secret" in message and "ROSTERHUB_SECRET_KEY" in message
    assert not key.exists()  # no new key was made
    again = open_hub(Settings(database_url=url))
    with pytest.raises(ConfigError, match="is missing"):
        again.vault  # noqa: B018 - loading the vault is what is tested
    hub.engine.dispose()
    again.engine.dispose()


def test_a_missing_key_file_beside_a_database_without_secrets_is_made(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    hub = open_hub(Settings(database_url=url))
    create_school(hub, name="Lincoln High", actor="test")
    hub.engine.dispose()
    assert not (tmp_path / "hub.key").exists()
    load_vault(Settings(database_url=url))
    assert stat.S_IMODE((tmp_path / "hub.key").stat().st_mode) == 0o600
