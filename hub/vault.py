"""Integration secrets encrypted at rest with MultiFernet (rotatable keys, newest first).

Without ``ROSTERHUB_SECRET_KEY`` the key lives in a file beside the SQLite database, created
with mode 0600 on first use, and only then: a database that already holds encrypted secrets
without its key file is an error (a new key could never decrypt them), not a fresh start.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import sqlite3
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy.engine import make_url

from hub.config import Settings
from hub.errors import ConfigError, HubError


class Vault:
    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            msg = "no encryption key: set ROSTERHUB_SECRET_KEY"
            raise ConfigError(msg)
        try:
            self._fernet = MultiFernet([Fernet(k) for k in keys])
        except (ValueError, TypeError):
            msg = "ROSTERHUB_SECRET_KEY: each comma-separated key must be a Fernet key (urlsafe base64, 32 bytes)"
            raise ConfigError(msg) from None
        self._keys = list(keys)

    def sign(self, purpose: str, data: str) -> str:
        """An HMAC-SHA256 of ``data`` under a key derived from the newest key for
        ``purpose`` (a session cookie, say), so a value made for one use fits no other."""
        return _mac(self._keys[0], purpose, data)

    def verify(self, purpose: str, data: str, signature: str) -> bool:
        """Whether ``signature`` is :meth:`sign` of ``data`` under any configured key (a
        rotation keeps what the previous key signed valid until that key is removed)."""
        return any(hmac.compare_digest(_mac(key, purpose, data), signature) for key in self._keys)

    def encrypt(self, data: bytes) -> str:
        return self._fernet.encrypt(data).decode("ascii")

    def decrypt(self, token: str) -> bytes:
        try:
            return self._fernet.decrypt(token.encode("ascii"))
        except InvalidToken:
            msg = "a stored secret cannot be decrypted with the configured keys (ROSTERHUB_SECRET_KEY)"
            raise HubError(msg) from None

    def encrypt_json(self, value: dict[str, Any]) -> str:
        return self.encrypt(json.dumps(value, sort_keys=True).encode("utf-8"))

    def decrypt_json(self, token: str | None) -> dict[str, Any]:
        if not token:
            return {}
        return dict(json.loads(self.decrypt(token)))

    def rotate(self, token: str) -> str:
        """Re-encrypt with the newest key (the first one)."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            msg = "a stored secret cannot be decrypted with the configured keys (ROSTERHUB_SECRET_KEY)"
            raise HubError(msg) from None


def _mac(key: bytes, purpose: str, data: str) -> str:
    derived = hmac.new(key, f"rosterhub:{purpose}".encode(), hashlib.sha256).digest()
    digest = hmac.new(derived, data.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def key_file_for(database_url: str) -> Path | None:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().resolve().with_suffix(".key")


def load_vault(settings: Settings) -> Vault:
    if settings.secret_key is not None and settings.secret_key.get_secret_value().strip():
        keys = [
            k.strip().encode()
            for k in settings.secret_key.get_secret_value().split(",")
            if k.strip()
        ]
        return Vault(keys)
    path = key_file_for(settings.database_url)
    if path is None:
        msg = (
            "ROSTERHUB_SECRET_KEY must be set when the database is not a SQLite file "
            "(every run decrypts its integration's secrets with it)"
        )
        raise ConfigError(msg)
    if not path.exists():
        database = Path(make_url(settings.database_url).database or "").expanduser().resolve()
        held = encrypted_values(database)
        if held:
            msg = (
                f"the encryption key file {path} is missing, but the database {database} "
                f"holds {held} encrypted secret(s) that only that key can decrypt; restore the "
                "key file (or set ROSTERHUB_SECRET_KEY to its key) instead of starting afresh"
            )
            raise ConfigError(msg)
        _create_key_file(path)
    keys = [line.strip() for line in path.read_bytes().splitlines() if line.strip()]
    return Vault(keys)


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use that one
        return
    with os.fdopen(fd, "wb") as fh:
        fh.write(Fernet.generate_key() + b"\n")


ENCRYPTED = (
    ("integration", "secrets"),  # provider tokens, client secrets, service-account keys
    ("upload", "credentials"),  # a generated-passwords file waiting for its download
    ("upload", "content"),  # a file waiting for its Confirm or its apply
    ("chatfile", "secret"),  # passwords waiting in a chat window
)
"""Every (table, column) holding values encrypted with the hub's key."""


def encrypted_values(database: Path) -> int:
    """How many values in a SQLite database were encrypted with its key (integration secrets,
    and the rest of :data:`ENCRYPTED`); 0 when the file or those tables do not exist yet. A
    database that cannot be read is an error: guessing "none" would mean a new key."""
    if not database.is_file() or database.stat().st_size == 0:
        return 0
    try:
        conn = sqlite3.connect(f"{database.as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
            return sum(
                int(
                    conn.execute(
                        f"SELECT count(*) FROM {table} WHERE {column} IS NOT NULL"
                    ).fetchone()[0]
                )  # the names are ENCRYPTED's own, never a caller's
                for table, column in ENCRYPTED
                if table in tables
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        msg = (
            f"the encryption key file beside {database} is missing and the database cannot "
            f"be read to tell whether it holds encrypted secrets ({type(exc).__name__})"
        )
        raise HubError(msg) from None
