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

from sqlalchemy import Connection, Table, bindparam, insert, literal, select

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
        """The memberships just inserted at ``school_id`` for ``account_ids``, recorded by the
        unique (account, school) index, a batch of ids per statement."""
        if self.change_set is None:
            return
        m, c = membership_table, change_table
        query = select(literal(self.change_set), literal(CREATED), m.c.account_id, m.c.id).where(
            m.c.school_id == school_id, m.c.account_id.in_(bindparam("ids", expanding=True))
        )
        stmt = insert(c).from_select(["change_set", "kind", "account_id", "membership_id"], query)
        ids = list(account_ids)
        for part in chunks(ids, LOOKUP_CHUNK):
            self.conn.execute(stmt, {"ids": list(part)})


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
