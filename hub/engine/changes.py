"""What a run or an upload changed: the one place both writers record it.

A writer (the engine's :func:`hub.engine.apply.apply_plan`, the upload service's write) wraps
its bulk statements in :func:`recorded`, naming the rows it is about to change. Before the
block, every such row's current values are copied into :class:`~hub.models.Change` rows with
one ``INSERT ... SELECT`` per batch of ids (no Python object per person); inside it, the
writer reports the memberships it inserts (:meth:`Recording.created`), recorded the same way.
The newest change row of a membership is what explain names as its last change.

:func:`hub.engine.undo` reads these rows back to put a change set's rows as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Table

from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table
from hub.models import Change

change_table: Table = Change.__table__  # type: ignore[attr-defined]

ACCOUNT = "account"
MEMBERSHIP = "membership"
CREATED = "created"

_MEMBERSHIP_BEFORE = ("roles", "status", "external_id", "record_hash", "origin")
_ACCOUNT_BEFORE = ("email", "first_name", "last_name", "password_hash")


class Recording:
    """What a write inside :func:`recorded` tells the log as it goes: the memberships it
    created."""

    def __init__(self, conn: Connection, change_set: str | None) -> None:
        self.conn = conn
        self.change_set = change_set

    def created(self, school_id: str, account_ids: Iterable[int]) -> None:
        """The memberships just inserted at ``school_id`` for ``account_ids``, found by the
        unique (account, school) index, a batch of ids per statement."""
        if self.change_set is None:
            return
        columns = "account_id, id"
        where = f"school_id = {_mark(self.conn)} AND account_id"
        params = (self.change_set, CREATED, school_id)
        _copy(self.conn, membership_table, _CREATED_COLUMNS, columns, where, params, account_ids)


@contextmanager
def recorded(
    conn: Connection,
    change_set: str | None,
    *,
    memberships: Iterable[int] = (),
    accounts: Iterable[int] = (),
) -> Iterator[Recording]:
    """Record what the writes inside the block change, as change set ``change_set`` (a run
    or upload id; None records nothing).

    ``memberships`` and ``accounts`` are the ids of existing rows the block will update; the
    block reports the memberships it inserts to the :class:`Recording` it is given."""
    if change_set is not None:
        snapshot(conn, change_set, memberships=memberships, accounts=accounts)
    yield Recording(conn, change_set)


def snapshot(
    conn: Connection,
    change_set: str,
    *,
    memberships: Iterable[int] = (),
    accounts: Iterable[int] = (),
) -> None:
    """Copy the rows about to change into the change log, set-based."""
    into: tuple[str, ...] = ("change_set", "kind", "account_id", "membership_id")
    kept = ", ".join(("account_id", "id", *_MEMBERSHIP_BEFORE))
    params = (change_set, MEMBERSHIP)
    _copy(
        conn, membership_table, (*into, *_MEMBERSHIP_BEFORE), kept, "id", params, set(memberships)
    )
    kept = ", ".join(("id", *_ACCOUNT_BEFORE))
    into = ("change_set", "kind", "account_id", *_ACCOUNT_BEFORE)
    _copy(conn, account_table, into, kept, "id", (change_set, ACCOUNT), set(accounts))


_CREATED_COLUMNS = ("change_set", "kind", "account_id", "membership_id")


def _mark(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle == "qmark" else "%s"


def _copy(
    conn: Connection,
    table: Table,
    into: tuple[str, ...],
    columns: str,
    where: str,
    params: tuple[Any, ...],
    ids: Iterable[int],
) -> None:
    """``INSERT INTO change (into) SELECT change_set, kind, columns FROM table WHERE where IN
    (ids)``, a batch of ids per statement, straight to the driver (SQLAlchemy's expanding
    parameters cost more than the statement itself on a large run)."""
    wanted = sorted(ids)
    if not wanted:
        return
    quote = conn.dialect.identifier_preparer
    mark = _mark(conn)
    head = (
        f"INSERT INTO {quote.format_table(change_table)} ({', '.join(into)}) "  # noqa: S608
        f"SELECT CAST({mark} AS VARCHAR(32)), CAST({mark} AS VARCHAR(16)), {columns} "
        f"FROM {quote.format_table(table)} WHERE {where} IN "
    )
    for part in chunks(wanted, LOOKUP_CHUNK):
        sql = head + "(" + ", ".join([mark] * len(part)) + ")"
        conn.exec_driver_sql(sql, (*params, *part))
