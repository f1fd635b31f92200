"""The stale-plan guard: a held plan is applied as the view it was computed from, or not at all.

Every row a plan would change carries what that row was expected to be; approving re-reads
them all, and any that moved on since (a newer sync, an upload, a change by hand) makes the
whole plan :class:`StalePlan`, before anything is written.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Connection, bindparam, select

from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table
from hub.engine.lookup import lookup_accounts
from hub.engine.plan import Plan
from hub.errors import Conflict
from hub.issues import Issue
from hub.models import ACTIVE

Stale = Callable[[str, str | None, str | None], None]
"""Records one stale change: (count key, external id, email)."""


class StalePlan(Conflict):
    """A held plan whose rows changed since it was made; ``issues`` names each of them."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        count = len(issues)
        super().__init__(
            f"{count} account{'' if count == 1 else 's'} it would change "
            f"{'has' if count == 1 else 'have'} changed since it was held "
            "(a newer sync, an upload or a change by hand)"
        )


def drop_stale(conn: Connection, plan: Plan) -> list[Issue]:
    """Remove from ``plan`` every change whose precondition no longer holds; one warning
    each. A district plan is checked school by school (every linked school's rows)."""
    if plan.parts:
        found = [issue for part in plan.parts for issue in drop_stale(conn, part)]
        plan.total_counts()
        return found
    issues: list[Issue] = []

    def stale(kind: str, external_id: str | None, email: str | None) -> None:
        plan.counts[kind] -= 1
        plan.counts["skipped"] += 1
        issues.append(
            Issue(
                "warning",
                "changed since the run was held; the run was not applied (run a new sync)",
                external_id,
                email,
            )
        )

    _drop_stale_changes(conn, plan, stale)
    _drop_stale_creates(conn, plan, stale)
    return issues


def _drop_stale_changes(conn: Connection, plan: Plan, stale: Stale) -> None:
    m, a = membership_table, account_table
    ids = [r.membership_id for r in plan.deactivations] + [
        r.membership_id for r in plan.membership_updates
    ]
    current: dict[int, tuple[str | None, str, str | None, str | None]] = {}
    by_id = select(m.c.id, m.c.record_hash, m.c.status, m.c.integration_id, m.c.external_id).where(
        m.c.id.in_(bindparam("ids", expanding=True))
    )
    for id_part in chunks(ids, LOOKUP_CHUNK):
        for mid, digest, status, owner, ext in conn.execute(by_id, {"ids": list(id_part)}).tuples():
            current[mid] = (digest, status, owner, ext)
    keep_deactivations = []
    for deactivation in plan.deactivations:
        found = current.get(deactivation.membership_id)
        if found and found[:3] == (deactivation.expected_hash, ACTIVE, plan.integration_id):
            keep_deactivations.append(deactivation)
        else:
            stale("deactivated", found[3] if found else None, None)
    plan.deactivations = keep_deactivations

    emails_now: dict[int, str] = {}
    account_ids = [r.account_id for r in plan.account_updates]
    emails_by_id = select(a.c.id, a.c.email).where(a.c.id.in_(bindparam("ids", expanding=True)))
    for aid_part in chunks(account_ids, LOOKUP_CHUNK):
        for aid, email in conn.execute(emails_by_id, {"ids": list(aid_part)}).tuples():
            emails_now[aid] = email
    updates = plan.account_updates
    bad_accounts = {
        r.account_id for r in updates if emails_now.get(r.account_id) != r.expected_email
    }
    # an email change must still be free to take
    wanted = [
        r.email for r in updates if r.email != r.expected_email and r.account_id not in bad_accounts
    ]
    taken = lookup_accounts(conn, emails=wanted, school_id=plan.school_id) if wanted else {}
    bad_accounts |= {
        r.account_id
        for r in updates
        if r.email in taken and taken[r.email].account_id != r.account_id
    }
    keep_updates = []
    for row in plan.membership_updates:
        found = current.get(row.membership_id)
        if (
            found is not None
            and found[:3] == (row.expected_hash, row.expected_status, plan.integration_id)
            and row.account_id not in bad_accounts
        ):
            keep_updates.append(row)
        else:
            bad_accounts.add(row.account_id)
            kind = "reactivated" if row.expected_status != ACTIVE else "updated"
            stale(kind, row.external_id, None)
    plan.membership_updates = keep_updates
    plan.account_updates = [r for r in updates if r.account_id not in bad_accounts]


def _drop_stale_creates(conn: Connection, plan: Plan, stale: Stale) -> None:
    """A new account's email must still be free, a linked account must still have no
    membership at the school, and no membership of ours may hold the external id by now."""
    m = membership_table
    owned_ids = {
        ext
        for (ext,) in conn.execute(
            select(m.c.external_id).where(
                (m.c.integration_id == plan.integration_id) & (m.c.school_id == plan.school_id)
            )
        ).tuples()
    }
    found = lookup_accounts(
        conn, emails=[r.email for r in plan.new_accounts], school_id=plan.school_id
    )
    keep_new = []
    for new in plan.new_accounts:
        if new.email in found or new.external_id in owned_ids:
            stale("created", new.external_id, new.email)
        else:
            keep_new.append(new)
    plan.new_accounts = keep_new
    busy: set[int] = set()
    at_school = select(m.c.account_id).where(
        (m.c.school_id == plan.school_id) & m.c.account_id.in_(bindparam("ids", expanding=True))
    )
    for part in chunks([r.account_id for r in plan.links], LOOKUP_CHUNK):
        busy.update(aid for (aid,) in conn.execute(at_school, {"ids": list(part)}).tuples())
    keep_links = []
    for link in plan.links:
        if link.account_id in busy or link.external_id in owned_ids:
            stale("created", link.external_id, None)
        else:
            keep_links.append(link)
    plan.links = keep_links
