"""Applying a plan: a handful of executemany statements in the caller's transaction.

A failure part-way applies nothing (the caller's transaction rolls back). With ``guard=True``
(approving a held run) the plan is first checked against the rows as they are now
(:mod:`hub.engine.stale`): a plan is applied as the view it was computed from, or not at all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, update

from hub import bulk
from hub.bulk import (
    LOOKUP_CHUNK,
    MEMBERSHIP_COLUMNS,
    WRITE_CHUNK,
    account_table,
    chunks,
    insert_many,
    membership_table,
)
from hub.engine.changes import Recording, recorded
from hub.engine.plan import Plan
from hub.engine.stale import StalePlan, drop_stale
from hub.models import DEACTIVATED, utcnow


def apply_plan(
    conn: Connection,
    plan: Plan,
    *,
    now: datetime | None = None,
    guard: bool = False,
    change_set: str | None = None,
) -> None:
    """Write a plan with bulk statements in the caller's transaction.

    ``change_set`` (the run's id) records, in the same transaction, every row's values from
    before the write (:mod:`hub.engine.changes`), for explain and undo, and stamps the rows
    written with it.

    ``guard=True`` (approving a held run) first re-reads every row the plan touches; if any of
    them moved on since planning (a newer sync, an upload, a change by hand) it raises
    :class:`~hub.engine.stale.StalePlan` before writing anything, so a stale plan never
    overwrites newer data.
    """
    now = now or utcnow()
    if guard:
        stale = drop_stale(conn, plan)
        if stale:
            raise StalePlan(stale)
    parts = plan.parts or [plan]
    changed = [r.membership_id for part in parts for r in part.deactivations]
    changed += [r.membership_id for part in parts for r in part.membership_updates]
    accounts = [r.account_id for part in parts for r in part.account_updates]
    accounts += [r.account_id for part in parts for r in part.password_restores]
    with recorded(conn, change_set, memberships=changed, accounts=accounts) as log:
        for part in parts:
            _apply_changes(conn, part, now)
        if any(part.new_accounts for part in parts):
            _insert_new_accounts(conn, parts, now, log)
        stamp = bulk.timestamp(conn, now)
        for part in parts:
            if part.links:
                insert_many(
                    conn,
                    membership_table,
                    MEMBERSHIP_COLUMNS,
                    [
                        _membership_row(
                            part, r.account_id, r.external_id, r.roles, r.hash, r.origin, stamp
                        )
                        for r in part.links
                    ],
                )
                log.created(part.school_id, [r.account_id for r in part.links])


def _apply_changes(conn: Connection, plan: Plan, now: datetime) -> None:
    """A one-school plan's deactivations and updates."""
    m, a = membership_table, account_table
    if plan.deactivations:
        stmt = (
            update(m)
            .where(m.c.id.in_(bindparam("ids", expanding=True)))
            .values(status=DEACTIVATED, updated_at=now)
        )
        for d_part in chunks(plan.deactivations, LOOKUP_CHUNK):
            conn.execute(stmt, {"ids": [row.membership_id for row in d_part]})
    if plan.account_updates:
        stmt = (
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(
                email=bindparam("b_email"),
                first_name=bindparam("b_first"),
                last_name=bindparam("b_last"),
                updated_at=now,
            )
        )
        for a_part in chunks(plan.account_updates, WRITE_CHUNK):
            conn.execute(
                stmt,
                [
                    {
                        "b_id": r.account_id,
                        "b_email": r.email,
                        "b_first": r.first_name,
                        "b_last": r.last_name,
                    }
                    for r in a_part
                ],
            )
    if plan.password_restores:
        stmt = (
            update(a)
            .where(a.c.id == bindparam("b_id"))
            .values(password_hash=bindparam("b_password"), updated_at=now)
        )
        rows = [
            {"b_id": r.account_id, "b_password": r.password_hash} for r in plan.password_restores
        ]
        conn.execute(stmt, rows)
    if plan.membership_updates:
        _update_memberships(conn, plan, now)


def _update_memberships(conn: Connection, plan: Plan, now: datetime) -> None:
    """Changed memberships; those whose provenance is unchanged (origin None) keep it."""
    m = membership_table
    values: dict[str, Any] = {
        "external_id": bindparam("b_ext"),
        "roles": bindparam("b_roles"),
        "record_hash": bindparam("b_hash"),
        "status": bindparam("b_status"),
        "updated_at": now,
    }
    keep = update(m).where(m.c.id == bindparam("b_id")).values(**values)
    replace = (
        update(m).where(m.c.id == bindparam("b_id")).values(**values, origin=bindparam("b_origin"))
    )
    for m_part in chunks(plan.membership_updates, WRITE_CHUNK):
        kept = [r for r in m_part if r.origin is None]
        for stmt, rows in ((keep, kept), (replace, [r for r in m_part if r.origin is not None])):
            if rows:
                conn.execute(
                    stmt,
                    [
                        {
                            "b_id": r.membership_id,
                            "b_ext": r.external_id,
                            "b_roles": r.roles,
                            "b_hash": r.hash,
                            "b_status": r.status,
                            "b_origin": r.origin,
                        }
                        for r in rows
                    ],
                )


def _membership_row(
    plan: Plan,
    account_id: int,
    external_id: str,
    roles: str,
    digest: str,
    origin: str,
    stamp: Any,
) -> tuple[Any, ...]:
    """A new membership of the plan's integration, in :data:`hub.bulk.MEMBERSHIP_COLUMNS` order."""
    return bulk.membership_row(
        account_id,
        plan.school_id,
        roles,
        stamp,
        integration_id=plan.integration_id,
        source=plan.source,
        external_id=external_id,
        record_hash=digest,
        origin=origin or None,
    )


def _insert_new_accounts(
    conn: Connection, parts: list[Plan], now: datetime, log: Recording
) -> None:
    """One account per new email (a person new to two linked schools is one account), then
    each school's membership."""
    stamp = bulk.timestamp(conn, now)
    rows: dict[str, tuple[Any, ...]] = {}
    for part in parts:
        for r in part.new_accounts:
            if r.email not in rows:
                rows[r.email] = (r.email, r.first_name, r.last_name, None, stamp, stamp)
    ids = bulk.insert_accounts(conn, list(rows.values()))
    insert_many(
        conn,
        membership_table,
        MEMBERSHIP_COLUMNS,
        [
            _membership_row(part, ids[r.email], r.external_id, r.roles, r.hash, r.origin, stamp)
            for part in parts
            for r in part.new_accounts
        ],
    )
    for part in parts:
        if part.new_accounts:
            log.created(part.school_id, [ids[r.email] for r in part.new_accounts])
