"""What a run or an upload changed: the one place both writers record it.

A writer (the engine's :func:`hub.engine.apply.apply_plan`, the spreadsheet upload's write)
wraps its bulk statements in :func:`recorded`, naming the rows it is about to change. Before
the block, every such row's current values are copied into :class:`~hub.models.Change` rows
with one ``INSERT ... SELECT`` per batch of ids (no Python object per person); after it, the
memberships the block created (stamped ``changed_by`` = the change set and created at the
write's moment) are recorded the same way. The writer stamps every row it writes with
``changed_by``, which is also what explain names as the last change.

:func:`hub.engine.undo` reads these rows back to put a change set's rows as they were.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Table, bindparam, insert, literal, select, text

from hub import bulk
from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table
from hub.models import Change

change_table: Table = Change.__table__  # type: ignore[attr-defined]

ACCOUNT = "account"
MEMBERSHIP = "membership"
CREATED = "created"

_MEMBERSHIP_BEFORE = ("roles", "status", "external_id", "record_hash", "origin")
_ACCOUNT_BEFORE = ("email", "first_name", "last_name", "password_hash")


@contextmanager
def recorded(
    conn: Connection,
    change_set: str | None,
    *,
    now: datetime,
    memberships: Iterable[int] = (),
    accounts: Iterable[int] = (),
) -> Iterator[None]:
    """Record what the writes inside the block change, as change set ``change_set`` (a run
    or upload id; None records nothing).

    ``memberships`` and ``accounts`` are the ids of existing rows the block will update;
    memberships it inserts must carry ``changed_by=change_set`` and ``created_at=now``."""
    if change_set is None:
        yield
        return
    snapshot(conn, change_set, memberships=memberships, accounts=accounts)
    yield
    record_created(conn, change_set, now=now)


def snapshot(
    conn: Connection,
    change_set: str,
    *,
    memberships: Iterable[int] = (),
    accounts: Iterable[int] = (),
) -> None:
    """Copy the rows about to change into the change log, set-based."""
    m, a, c = membership_table, account_table, change_table
    ids = sorted(set(memberships))
    if ids:
        query = select(
            literal(change_set),
            literal(MEMBERSHIP),
            m.c.account_id,
            m.c.id,
            *(m.c[name] for name in _MEMBERSHIP_BEFORE),
        ).where(m.c.id.in_(bindparam("ids", expanding=True)))
        stmt = insert(c).from_select(
            ["change_set", "kind", "account_id", "membership_id", *_MEMBERSHIP_BEFORE], query
        )
        for part in chunks(ids, LOOKUP_CHUNK):
            conn.execute(stmt, {"ids": list(part)})
    ids = sorted(set(accounts))
    if ids:
        query = select(
            literal(change_set), literal(ACCOUNT), a.c.id, *(a.c[name] for name in _ACCOUNT_BEFORE)
        ).where(a.c.id.in_(bindparam("ids", expanding=True)))
        stmt = insert(c).from_select(["change_set", "kind", "account_id", *_ACCOUNT_BEFORE], query)
        for part in chunks(ids, LOOKUP_CHUNK):
            conn.execute(stmt, {"ids": list(part)})


def record_created(conn: Connection, change_set: str, *, now: datetime) -> None:
    """Record the memberships ``change_set`` inserted (one statement, in the database)."""
    quote = conn.dialect.identifier_preparer
    change, membership = quote.format_table(change_table), quote.format_table(membership_table)
    conn.execute(
        text(
            f"INSERT INTO {change} (change_set, kind, account_id, membership_id) "  # noqa: S608
            f"SELECT CAST(:label AS VARCHAR(32)), CAST(:kind AS VARCHAR(16)), account_id, id "
            f"FROM {membership} WHERE changed_by = :cs AND created_at = :stamp"
        ),
        {
            "label": change_set,
            "cs": change_set,
            "kind": CREATED,
            "stamp": bulk.timestamp(conn, now),
        },
    )
