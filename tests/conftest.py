"""Shared fixtures. ``hub`` runs a test on SQLite and, when ROSTERHUB_TEST_POSTGRES_URL is set
(CI sets it), again on PostgreSQL; ``sqlite_hub`` runs it on SQLite only."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import tenacity
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import create_engine, text
from sqlmodel import SQLModel

from hub import http as hub_http
from hub.config import Settings
from hub.context import Hub, open_hub
from hub.db import normalize_url

POSTGRES_URL = os.environ.get("ROSTERHUB_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("ROSTERHUB_TEST_REDIS_URL")

needs_postgres = pytest.mark.skipif(
    not POSTGRES_URL, reason="ROSTERHUB_TEST_POSTGRES_URL is not set (no PostgreSQL here)"
)
needs_redis = pytest.mark.skipif(
    not REDIS_URL, reason="ROSTERHUB_TEST_REDIS_URL is not set (no Redis here)"
)


@pytest.fixture(autouse=True)
def _fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Provider retries wait 0 s in tests (the retry count is what is tested)."""
    monkeypatch.setattr(hub_http, "BACKOFF", 0.0)
    monkeypatch.setattr(hub_http, "MAX_WAIT", 0.05)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits provider retries ask for, recorded instead of slept (tenacity's clock)."""
    waits: list[float] = []

    class Clock:
        @staticmethod
        def sleep(seconds: float) -> None:
            waits.append(seconds)

    monkeypatch.setattr(tenacity.nap, "time", Clock)
    return waits


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in list(os.environ):
        if name.startswith(("ROSTERHUB_", "SLACK_")) and not name.startswith("ROSTERHUB_TEST_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    assert POSTGRES_URL
    admin = create_engine(normalize_url(POSTGRES_URL), isolation_level="AUTOCOMMIT")
    name = f"rosterhub_test_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = normalize_url(POSTGRES_URL).rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _truncate_all(the_hub: Hub) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with the_hub.engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


def make_settings(database_url: str, **extra: object) -> Settings:
    return Settings(
        database_url=database_url,
        secret_key=SecretStr(Fernet.generate_key().decode()),
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def sqlite_hub(sqlite_url: str) -> Iterator[Hub]:
    the_hub = open_hub(make_settings(sqlite_url))
    yield the_hub
    the_hub.engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=needs_postgres)])
def hub(request: pytest.FixtureRequest, sqlite_url: str) -> Iterator[Hub]:
    """The hub on each supported database."""
    if request.param == "sqlite":
        the_hub = open_hub(make_settings(sqlite_url))
    else:
        url = request.getfixturevalue("postgres_database")
        the_hub = open_hub(make_settings(url))
        _truncate_all(the_hub)
    yield the_hub
    the_hub.engine.dispose()
