"""Engines for SQLite (WAL, the embedded default) and PostgreSQL (psycopg 3), and migrations.

The schema is owned by alembic: :func:`open_engine` upgrades to head before handing the
engine out, so every entry point (CLI, serve, worker, tests) sees the same schema.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from hub.errors import ConfigError, HubError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"
_migrated: set[str] = set()
_lock = threading.Lock()


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3 here."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and readable by its owner only (0600), unless it exists.

    SQLite gives the ``-wal`` and ``-shm`` files it makes beside a database the database
    file's mode, so creating the file first keeps all three private (they hold people's
    names and emails, and the queue's run ids)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)


def create_db_engine(url: str) -> Engine:
    url = normalize_url(url)
    try:
        parsed = make_url(url)
    except Exception:  # noqa: BLE001 - any parse failure is a configuration error
        msg = "ROSTERHUB_DATABASE_URL is not a valid database URL"
        raise ConfigError(msg) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            create_private_file(Path(parsed.database).expanduser())
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, pool_pre_ping=False
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if backend == "postgresql":
        return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)
    msg = f"ROSTERHUB_DATABASE_URL: unsupported database '{backend}' (SQLite or PostgreSQL)"
    raise ConfigError(msg)


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config  # alembic loads only when a schema is to be upgraded

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def migrate(engine: Engine) -> None:
    """Upgrade the schema to head (once per engine URL per process)."""
    key = engine.url.render_as_string(hide_password=False)
    with _lock:
        if key in _migrated:
            return
        try:
            if _current_revision(engine) != head_revision():
                from alembic import command

                command.upgrade(alembic_config(engine), "head")
        except OperationalError as exc:
            msg = f"cannot open the database: {exc.orig}"
            raise HubError(msg) from None
        _migrated.add(key)


_REVISION = re.compile(r"^revision(?:: str)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?:: [^=]+)? = ['\"]([^'\"]+)['\"]", re.MULTILINE)


@cache
def head_revision() -> str | None:
    """The one head of the migration scripts, read from their text (None when there is not
    exactly one): what a database at head records, known without importing alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for script in (MIGRATIONS / "versions").glob("*.py"):
        source = script.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if found is None:
            return None
        revisions.add(found.group(1))
        parents.update(_DOWN.findall(source))
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


def _current_revision(engine: Engine) -> str | None:
    """The database's alembic revision (None for a new database): one query, so a command
    against a database already at head starts without loading alembic and every script."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except OperationalError:
        return None
    except Exception:  # noqa: BLE001 - no such table (PostgreSQL raises ProgrammingError)
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def open_engine(url: str) -> Engine:
    engine = create_db_engine(url)
    migrate(engine)
    return engine


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
