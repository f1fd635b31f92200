"""Bulk writes straight through the DB-API.

SQLAlchemy's executemany processes every bound value in Python (type processors, parameter
construction); for the hundreds of thousands of rows of a district sync that costs more than
the database's own work. These helpers hand ready-made tuples to the driver instead. Values
must already be in the driver's form: see :func:`timestamp`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Executable, Table

from hub.models import ACTIVE, Account, Membership

# SQLite binds at most 32,766 values per statement; PostgreSQL 65,535.
MAX_VALUES = 30_000
MAX_ROWS = 1_000
LOOKUP_CHUNK = 900
"""Values per IN (...) lookup: well under every database's bound-parameter limit."""
WRITE_CHUNK = 5000
"""Rows per executemany batch: bounds the memory of parameter lists on very large rosters."""

account_table = Account.__table__  # type: ignore[attr-defined]
membership_table = Membership.__table__  # type: ignore[attr-defined]

ACCOUNT_COLUMNS = ("email", "first_name", "last_name", "password_hash", "created_at", "updated_at")
"""The columns a new account row is inserted with (by a sync or an upload)."""
MEMBERSHIP_COLUMNS = (
    "account_id",
    "school_id",
    "roles",
    "status",
    "integration_id",
    "source",
    "external_id",
    "record_hash",
    "origin",
    "created_at",
    "updated_at",
)
"""The columns a new membership row is inserted with (by a sync or an upload)."""

T = TypeVar("T")


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def timestamp(conn: Connection, moment: datetime) -> Any:
    """A timestamp as the driver takes it: SQLite keeps SQLAlchemy's text form (UTC)."""
    if conn.dialect.name == "sqlite":
        return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    return moment


def _marks(conn: Connection, count: int) -> str:
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    return "(" + ", ".join([mark] * count) + ")"


def _head(conn: Connection, table: Table, columns: Sequence[str]) -> str:
    quote = conn.dialect.identifier_preparer
    names = ", ".join(quote.quote(name) for name in columns)
    return f"INSERT INTO {quote.format_table(table)} ({names}) VALUES "


def insert_many(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """One executemany of ``rows`` (tuples in ``columns`` order)."""
    if rows:
        conn.exec_driver_sql(_head(conn, table, columns) + _marks(conn, len(columns)), list(rows))


def insert_returning(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[tuple[Any, ...]],
    returning: Sequence[str],
) -> list[tuple[Any, ...]]:
    """Insert with multi-row VALUES statements and return ``returning`` of every new row
    (in no particular order: return a key to match them by)."""
    head = _head(conn, table, columns)
    group = _marks(conn, len(columns))
    quote = conn.dialect.identifier_preparer
    tail = " RETURNING " + ", ".join(quote.quote(name) for name in returning)
    per = max(1, min(MAX_ROWS, MAX_VALUES // len(columns)))
    out: list[tuple[Any, ...]] = []
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        params = tuple(value for row in part for value in row)
        sql = head + ", ".join([group] * len(part)) + tail
        out.extend(tuple(row) for row in conn.exec_driver_sql(sql, params))
    return out


def membership_row(
    account_id: int,
    school_id: str,
    roles: str,
    stamp: Any,
    *,
    integration_id: str | None,
    source: str,
    external_id: str | None = None,
    record_hash: str | None = None,
    origin: str | None = None,
) -> tuple[Any, ...]:
    """A new active membership in :data:`MEMBERSHIP_COLUMNS` order (``stamp`` from
    :func:`timestamp`; ``origin`` where its roles come from, see :mod:`hub.engine.changes`)."""
    return (
        account_id,
        school_id,
        roles,
        ACTIVE,
        integration_id,
        source,
        external_id,
        record_hash,
        origin,
        stamp,
        stamp,
    )


def insert_accounts(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> dict[str, int]:
    """Insert new accounts (tuples in :data:`ACCOUNT_COLUMNS` order); their ids by email."""
    inserted = insert_returning(conn, account_table, ACCOUNT_COLUMNS, rows, ("id", "email"))
    return {email: account_id for account_id, email in inserted}


def update_many(conn: Connection, statement: Executable, params: Sequence[dict[str, Any]]) -> None:
    """One executemany of an UPDATE with bound parameters, :data:`WRITE_CHUNK` rows at a time."""
    for part in chunks(params, WRITE_CHUNK):
        conn.execute(statement, list(part))
