"""Undo: a plan that puts back every row a change set (a run or an upload) changed.

Built from the change log (:mod:`hub.engine.changes`), not from the provider: each recorded
row's before-values become an ordinary plan row (a membership update, an account update, a
deactivation for a membership the change set created: never a delete), so an undo is applied,
held by the safeguard and recorded like any other plan, and undoing an undo redoes.

A row that a later change set wrote again (a later run, upload or undo) is a conflict: it is
left out of the plan and reported; the caller refuses the undo unless forced.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, bindparam, func, literal_column, select
from sqlalchemy.orm import aliased

from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table
from hub.engine.changes import ACCOUNT, CREATED, MEMBERSHIP, change_table
from hub.engine.plan import AccountUpdate, Deactivation, MembershipUpdate, PasswordRestore, Plan
from hub.issues import Issue
from hub.models import ACTIVE

_ACCOUNT_KIND: ColumnElement[str] = literal_column(f"'{ACCOUNT}'")


@dataclass(frozen=True, slots=True)
class Conflict:
    """A row the undone change set wrote that a later one wrote again."""

    email: str | None
    school_id: str | None
    what: str
    """``membership`` (roles, status) or ``account`` (email, names, password)."""
    changed_by: str
    """The first later run or upload that changed it."""
    key: int = 0
    """The membership's id (``membership``) or the account's (``account``)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "email": self.email,
            "school_id": self.school_id,
            "what": self.what,
            "changed_by": self.changed_by,
        }

    def issue(self) -> Issue:
        return Issue(
            "warning",
            f"not put back: its {self.what} was changed again by {self.changed_by}",
            None,
            self.email,
        )


def active_memberships(conn: Connection, integration_id: str, school_id: str | None = None) -> int:
    """The integration's active memberships (what the safeguard measures an undo against),
    at one school when ``school_id`` is given."""
    m = membership_table
    query = select(func.count()).where(m.c.integration_id == integration_id, m.c.status == ACTIVE)
    if school_id is not None:
        query = query.where(m.c.school_id == school_id)
    return int(conn.execute(query).scalar_one())


def has_changes(conn: Connection, change_set: str) -> bool:
    c = change_table
    found = conn.execute(select(c.c.id).where(c.c.change_set == change_set).limit(1)).first()
    return found is not None


def conflicts(conn: Connection, change_set: str) -> list[Conflict]:
    """Every row of ``change_set`` that a later change set changed again (set-based: one
    indexed join for memberships, one for accounts)."""
    c, later, by = change_table, aliased(change_table), aliased(change_table)
    m, a = membership_table, account_table
    found: list[Conflict] = []
    for what, same in (
        (MEMBERSHIP, later.c.membership_id == c.c.membership_id),
        # a literal, so the partial index on account rows serves the join
        (ACCOUNT, and_(later.c.account_id == c.c.account_id, later.c.kind == _ACCOUNT_KIND)),
    ):
        firsts = (
            select(c.c.id.label("id"), func.min(later.c.id).label("later_id"))
            .select_from(c)
            .join(later, and_(same, later.c.id > c.c.id))
            .where(c.c.change_set == change_set)
            .where((c.c.kind == ACCOUNT) if what == ACCOUNT else (c.c.kind != ACCOUNT))
            .group_by(c.c.id)
            .subquery()
        )
        query = (
            select(a.c.email, m.c.school_id, by.c.change_set, c.c.membership_id, c.c.account_id)
            .select_from(firsts)
            .join(c, c.c.id == firsts.c.id)
            .join(by, by.c.id == firsts.c.later_id)
            .join(a, a.c.id == c.c.account_id)
            .outerjoin(m, m.c.id == c.c.membership_id)
            .order_by(c.c.id)
        )
        found += [
            Conflict(email, sid, what, cs, aid if what == ACCOUNT else mid)
            for email, sid, cs, mid, aid in conn.execute(query)
        ]
    return found


class _Parts:
    """Where an undo's rows go: the one plan, or (a district run's undo) one part per school
    the rows belong to, so each linked school is counted, held and applied as its own."""

    def __init__(self, conn: Connection, plan: Plan, schools: Iterable[str] | None) -> None:
        self.conn, self.plan, self.district = conn, plan, schools is not None
        self.by_school: dict[str, Plan] = {}
        for school_id in schools or ():
            self.of(school_id)

    def of(self, school_id: str | None) -> Plan:
        if not self.district:
            return self.plan
        if school_id is None:  # an account row: the first school's part carries it
            return next(iter(self.by_school.values()), self.plan)
        part = self.by_school.get(school_id)
        if part is None:
            plan = self.plan
            part = Plan(
                integration_id=plan.integration_id,
                school_id=school_id,
                source=plan.source,
                full=False,
            )
            part.active_before = active_memberships(self.conn, plan.integration_id, school_id)
            self.by_school[school_id] = part
            plan.parts.append(part)
        return part


def plan_undo(
    conn: Connection, change_set: str, plan: Plan, *, schools: Iterable[str] | None = None
) -> tuple[Plan, list[Conflict]]:
    """Fill ``plan`` (made by the caller for the undo run's integration and school) with what
    puts ``change_set``'s rows back as they were, leaving out the conflicts it returns.

    ``schools`` (undoing a district run: its linked schools) splits the rows into one part
    per school (``plan.parts``: one per linked school, one more for any other school a row
    belongs to), as a district run's own plan is split."""
    parts = _Parts(conn, plan, schools)
    found = conflicts(conn, change_set)
    skip_members = {f.key for f in found if f.what == MEMBERSHIP}
    skip_accounts = {f.key for f in found if f.what == ACCOUNT}
    c, m, a = change_table, membership_table, account_table
    rows = conn.execute(
        select(
            c.c.kind,
            c.c.account_id,
            c.c.membership_id,
            c.c.email,
            c.c.first_name,
            c.c.last_name,
            c.c.password_hash,
            c.c.roles,
            c.c.status,
            c.c.external_id,
            c.c.record_hash,
            c.c.origin,
        )
        .where(c.c.change_set == change_set)
        .order_by(c.c.id)
    ).all()
    members = _current(
        conn,
        select(m.c.id, m.c.school_id, m.c.roles, m.c.status, m.c.external_id, m.c.record_hash)
        .add_columns(m.c.origin, a.c.email)
        .join(a, a.c.id == m.c.account_id),
        m.c.id,
        (r.membership_id for r in rows if r.kind != ACCOUNT),
    )
    accounts = _current(
        conn,
        select(a.c.id, a.c.email, a.c.first_name, a.c.last_name, a.c.password_hash),
        a.c.id,
        (r.account_id for r in rows if r.kind == ACCOUNT),
    )
    for row in rows:
        if row.kind == ACCOUNT:
            now = accounts.get(row.account_id)
            if now is None or row.account_id in skip_accounts:
                continue
            target = parts.of(None)
            if (row.email, row.first_name, row.last_name) != (
                now.email,
                now.first_name,
                now.last_name,
            ):
                target.account_updates.append(
                    AccountUpdate(
                        row.account_id, row.email, row.first_name, row.last_name, now.email
                    )
                )
            if row.password_hash != now.password_hash:
                target.password_restores.append(PasswordRestore(row.account_id, row.password_hash))
            continue
        now = members.get(row.membership_id)
        if now is None or row.membership_id in skip_members:
            continue
        target = parts.of(now.school_id)
        counts = target.counts
        if row.kind == CREATED:
            if now.status == ACTIVE:
                target.deactivations.append(Deactivation(row.membership_id, now.record_hash))
                counts["deactivated"] += 1
            else:
                counts["unchanged"] += 1
            continue
        assert row.kind == MEMBERSHIP
        before = (row.roles, row.status, row.external_id, row.record_hash, row.origin)
        if before == (now.roles, now.status, now.external_id, now.record_hash, now.origin):
            counts["unchanged"] += 1
            continue
        target.membership_updates.append(
            MembershipUpdate(
                row.membership_id,
                row.account_id,
                row.external_id,
                row.roles,
                row.record_hash,
                row.status,
                now.record_hash,
                now.status,
                row.origin,
            )
        )
        if row.status == now.status:
            counts["updated"] += 1
        else:
            counts["reactivated" if row.status == ACTIVE else "deactivated"] += 1
    for conflict in found:
        parts.of(conflict.school_id).counts["skipped"] += 1
        plan.add_issue(conflict.issue())
    plan.records = len(rows)
    plan.total_counts()
    return plan, found


def _current(conn: Connection, query: Any, key: Any, ids: Iterable[int | None]) -> dict[int, Any]:
    wanted = sorted({i for i in ids if i is not None})
    out: dict[int, Any] = {}
    stmt = query.where(key.in_(bindparam("ids", expanding=True)))
    for part in chunks(wanted, LOOKUP_CHUNK):
        for row in conn.execute(stmt, {"ids": list(part)}):
            out[row[0]] = row
    return out
