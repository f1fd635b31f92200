"""The sync engine: plan (diff a provider's roster against the database) and apply (bulk writes).

The hot path is set-based. Planning loads the integration's own memberships once into a dict,
streams the provider's records through the role mapping and compares record hashes; emails
that are new to the integration are resolved against the accounts table in batches. Applying
is a handful of executemany statements in the caller's transaction, so a failure part-way
applies nothing. No ORM object is created per person.

A :class:`Plan` is plain data (lists of tuples) so a held run can keep it (compressed JSON in
``Run.plan``) and apply it after approval; :func:`apply_plan` with ``guard=True`` then refuses
the whole plan (:class:`StalePlan`, nothing written) if any row it would change moved on since
the plan was made: a plan is applied as the view it was computed from, or not at all.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, select, update

from hub import bulk
from hub.bulk import insert_many, insert_returning
from hub.errors import Conflict
from hub.mapping import Mapped, Rejected, RoleMapper, record_hash
from hub.models import ACTIVE, DEACTIVATED, Account, Membership, utcnow
from hub.roster import Cursor, RosterRecord, Skip, normalize_email
from hub.run_status import COUNT_KEYS

ISSUE_CAP = 1000
"""Issues kept per run; the rest are summarised in one final issue."""
LOOKUP_CHUNK = 900
"""Emails per IN (...) lookup: well under every database's bound-parameter limit."""
WRITE_CHUNK = 5000
"""Rows per executemany batch: bounds the memory of parameter lists on very large rosters."""
MIN_HELD_DEACTIVATIONS = 5
"""The percentage safeguard holds a run only when it would deactivate more than this many."""

account_table = Account.__table__  # type: ignore[attr-defined]
membership_table = Membership.__table__  # type: ignore[attr-defined]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Issue:
    severity: str
    message: str
    external_id: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "external_id": self.external_id,
            "email": self.email,
            "message": self.message,
        }


# Plan rows (tuples keep a 500,000-person plan small and serialize as JSON arrays):
#   new_accounts:  (external_id, email, first_name, last_name, roles, hash)
#   links:         (account_id, external_id, roles, hash)           existing account, new membership
#   account_updates:    (account_id, email, first_name, last_name, expected_email)
#   membership_updates: (membership_id, account_id, external_id, roles, hash, status,
#                        expected_hash, expected_status)
#   deactivations: (membership_id, expected_hash)                   expected status: active


@dataclass
class Plan:
    """What a run would change, with its counts and issues."""

    integration_id: str
    school_id: str
    source: str
    full: bool
    new_accounts: list[tuple[str, str, str, str, str, str]] = field(default_factory=list)
    links: list[tuple[int, str, str, str]] = field(default_factory=list)
    account_updates: list[tuple[int, str, str, str, str]] = field(default_factory=list)
    membership_updates: list[tuple[int, int, str, str, str, str, str | None, str]] = field(
        default_factory=list
    )
    deactivations: list[tuple[int, str | None]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    issues: list[Issue] = field(default_factory=list)
    dropped_issues: int = 0
    cursor: str | None = None
    cursor_before: str | None = None
    records: int = 0
    active_before: int = 0
    settings_digest: str | None = None
    """What the integration's settings were when planning (a held plan is out of date once
    they change); None for plans stored before it was recorded."""

    @property
    def changes(self) -> int:
        return (
            len(self.new_accounts)
            + len(self.links)
            + len(self.membership_updates)
            + len(self.deactivations)
        )

    def add_issue(self, issue: Issue) -> None:
        """Keep the first ISSUE_CAP - 1 issues; the rest become one summary line."""
        if len(self.issues) < ISSUE_CAP - 1:
            self.issues.append(issue)
        else:
            self.dropped_issues += 1

    def all_issues(self) -> list[Issue]:
        if not self.dropped_issues:
            return list(self.issues)
        more = Issue("warning", f"{self.dropped_issues} more issues not shown")
        return [*self.issues, more]

    def to_bytes(self) -> bytes:
        data = {
            "integration_id": self.integration_id,
            "school_id": self.school_id,
            "source": self.source,
            "full": self.full,
            "new_accounts": self.new_accounts,
            "links": self.links,
            "account_updates": self.account_updates,
            "membership_updates": self.membership_updates,
            "deactivations": self.deactivations,
            "counts": self.counts,
            "issues": [i.as_dict() for i in self.issues],
            "dropped_issues": self.dropped_issues,
            "cursor": self.cursor,
            "cursor_before": self.cursor_before,
            "records": self.records,
            "active_before": self.active_before,
            "settings_digest": self.settings_digest,
        }
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode("utf-8"), 6)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Plan:
        data = json.loads(zlib.decompress(blob))
        return cls(
            integration_id=data["integration_id"],
            school_id=data["school_id"],
            source=data["source"],
            full=data["full"],
            new_accounts=[tuple(r) for r in data["new_accounts"]],
            links=[tuple(r) for r in data["links"]],
            account_updates=[tuple(r) for r in data["account_updates"]],
            membership_updates=[tuple(r) for r in data["membership_updates"]],
            deactivations=[tuple(r) for r in data["deactivations"]],
            counts={k: int(data["counts"].get(k, 0)) for k in COUNT_KEYS},
            issues=[Issue(**i) for i in data["issues"]],
            dropped_issues=data["dropped_issues"],
            cursor=data["cursor"],
            cursor_before=data["cursor_before"],
            records=data["records"],
            active_before=data["active_before"],
            settings_digest=data.get("settings_digest"),
        )


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- planning ------------------------------------------------------------------------------


class Planner:
    """Builds a :class:`Plan` from a stream of provider items.

    ``full`` runs deactivate the integration's memberships that the provider no longer
    returns; incremental runs (a change feed) only apply what they are given.
    """

    def __init__(
        self,
        conn: Connection,
        *,
        integration_id: str,
        school_id: str,
        source: str,
        admin_implies_teacher: bool = True,
        full: bool = True,
    ) -> None:
        self.conn = conn
        self.plan = Plan(
            integration_id=integration_id, school_id=school_id, source=source, full=full
        )
        self.mapper = RoleMapper(admin_implies_teacher=admin_implies_teacher)
        # external_id -> (membership id, account id, record hash, status, roles, account email)
        self.owned: dict[str, tuple[int, int, str | None, str, str, str]] = {}
        self.owned_by_email: dict[str, str] = {}
        self.seen: set[str] = set()
        self.claimed: dict[str, str] = {}  # emails new records / email changes take in this run
        self.pending_new: list[Mapped] = []
        self.pending_change: list[tuple[Mapped, tuple[int, int, str | None, str, str, str]]] = []
        self.adopt: list[tuple[Mapped, str]] = []
        self._load_owned()

    def _load_owned(self) -> None:
        m, a = membership_table, account_table
        query = (
            select(
                m.c.external_id,
                m.c.id,
                m.c.account_id,
                m.c.record_hash,
                m.c.status,
                m.c.roles,
                a.c.email,
            )
            .join(a, a.c.id == m.c.account_id)
            .where(m.c.integration_id == self.plan.integration_id)
        )
        owned = self.owned
        by_email = self.owned_by_email
        active = 0
        for ext, mid, aid, digest, status, roles, email in self.conn.execute(query).tuples():
            if ext is None:
                continue
            owned[ext] = (mid, aid, digest, status, roles, email)
            by_email[email] = ext
            if status == ACTIVE:
                active += 1
        self.plan.active_before = active

    # The per-record path is deliberately flat: it runs once per person.
    def feed(self, item: RosterRecord | Skip | Cursor) -> None:
        if type(item) is RosterRecord or isinstance(item, RosterRecord):
            self._record(item)
        elif isinstance(item, Cursor):
            self.plan.cursor = item.value
        elif isinstance(item, Skip):
            # The provider still has this person, just not in a usable shape (no email, say):
            # keep what the hub has rather than deactivate them.
            if item.external_id:
                self.seen.add(item.external_id)
            self.plan.counts["skipped"] += 1
            self.plan.add_issue(Issue(item.severity, item.message, item.external_id, item.email))
        else:
            msg = f"the provider yielded an unexpected item: {type(item).__name__}"
            raise TypeError(msg)

    def _record(self, record: RosterRecord) -> None:
        plan = self.plan
        counts = plan.counts
        ext = record.external_id
        if ext in self.seen:
            counts["skipped"] += 1
            plan.add_issue(
                Issue("warning", "returned twice by the provider; the first was used", ext)
            )
            return
        self.seen.add(ext)
        plan.records += 1
        mapped = self.mapper.map(record)
        current = self.owned.get(ext)
        if current is None:
            self._new(record, mapped)
            return
        mid, aid, digest, status, _roles, email = current
        if not record.active:
            if status == ACTIVE:
                plan.deactivations.append((mid, digest))
                counts["deactivated"] += 1
            else:
                counts["unchanged"] += 1
            return
        if type(mapped) is Rejected:
            counts["skipped"] += 1
            message = mapped.message
            if mapped.conflict:
                message += "; the account keeps the roles it had"
            plan.add_issue(Issue(mapped.severity, message, ext, email))
            return
        assert type(mapped) is Mapped
        if mapped.hash == digest:
            if status == ACTIVE:
                counts["unchanged"] += 1
            else:
                plan.membership_updates.append(
                    (mid, aid, ext, mapped.roles, mapped.hash, ACTIVE, digest, status)
                )
                counts["reactivated"] += 1
            return
        if mapped.email != email:
            holder = self.owned_by_email.get(mapped.email)
            if holder is not None or mapped.email in self.claimed:
                other = holder or self.claimed[mapped.email]
                counts["skipped"] += 1
                plan.add_issue(
                    Issue(
                        "error",
                        f"email changed to {mapped.email}, which belongs to another account "
                        f"(external id {other}); not changed",
                        ext,
                        email,
                    )
                )
                return
            self.claimed[mapped.email] = ext
            self.pending_change.append((mapped, current))
            if len(self.pending_change) + len(self.pending_new) >= LOOKUP_CHUNK:
                self._resolve()
            return
        self._change(mapped, current)

    def _new(self, record: RosterRecord, mapped: Mapped | Rejected) -> None:
        plan = self.plan
        if not record.active:
            plan.counts["skipped"] += 1  # inactive and never seen: nothing to create
            return
        if type(mapped) is Rejected:
            plan.counts["skipped"] += 1
            email = normalize_email(record.email)
            plan.add_issue(Issue(mapped.severity, mapped.message, record.external_id, email))
            return
        assert type(mapped) is Mapped
        holder = self.owned_by_email.get(mapped.email)
        if holder is not None:
            self.adopt.append((mapped, holder))
            return
        other = self.claimed.get(mapped.email)
        if other is not None:
            plan.counts["skipped"] += 1
            plan.add_issue(
                Issue(
                    "error",
                    f"same email as external id {other} in this roster; not synced",
                    mapped.external_id,
                    mapped.email,
                )
            )
            return
        self.claimed[mapped.email] = mapped.external_id
        self.pending_new.append(mapped)
        if len(self.pending_new) + len(self.pending_change) >= LOOKUP_CHUNK:
            self._resolve()

    def _change(self, mapped: Mapped, current: tuple[int, int, str | None, str, str, str]) -> None:
        """An owned membership whose record changed (or is adopted under a new external id)."""
        plan = self.plan
        mid, aid, digest, status, roles, email = current
        names_changed = (
            digest is None
            or record_hash(
                email=email,
                first_name=mapped.first_name,
                last_name=mapped.last_name,
                roles=roles,
                active=True,
            )
            != digest
        )
        if names_changed or mapped.email != email:
            plan.account_updates.append(
                (aid, mapped.email, mapped.first_name, mapped.last_name, email)
            )
        plan.membership_updates.append(
            (mid, aid, mapped.external_id, mapped.roles, mapped.hash, ACTIVE, digest, status)
        )
        plan.counts["reactivated" if status != ACTIVE else "updated"] += 1

    def _resolve(self) -> None:
        """Look up, in one query, the accounts behind every email waiting for resolution."""
        new, changes = self.pending_new, self.pending_change
        self.pending_new, self.pending_change = [], []
        if not new and not changes:
            return
        emails = [m.email for m in new] + [m.email for m, _ in changes]
        found = lookup_accounts(self.conn, emails=emails, school_id=self.plan.school_id)
        plan = self.plan
        counts = plan.counts
        for mapped in new:
            hit = found.get(mapped.email)
            if hit is None:
                plan.new_accounts.append(
                    (
                        mapped.external_id,
                        mapped.email,
                        mapped.first_name,
                        mapped.last_name,
                        mapped.roles,
                        mapped.hash,
                    )
                )
                counts["created"] += 1
                continue
            aid, mid, owner, source, _ext = hit
            if mid is None:
                plan.links.append((aid, mapped.external_id, mapped.roles, mapped.hash))
                counts["created"] += 1
                continue
            counts["skipped"] += 1
            if owner == plan.integration_id:
                message = "already synced by this integration under another id; not synced"
            else:
                by = f"integration {owner}" if owner else f"a {source} entry"
                message = f"already at this school from {by}; left as it is"
            plan.add_issue(Issue("warning", message, mapped.external_id, mapped.email))
        for mapped, current in changes:
            hit = found.get(mapped.email)
            if hit is not None and hit[0] != current[1]:
                counts["skipped"] += 1
                plan.add_issue(
                    Issue(
                        "error",
                        f"email changed to {mapped.email}, which belongs to another account; not changed",
                        mapped.external_id,
                        current[5],
                    )
                )
                continue
            self._change(mapped, current)

    def finish(self) -> Plan:
        self._resolve()
        plan = self.plan
        adopted: set[str] = set()
        for mapped, holder in self.adopt:
            # A new external id with the email of one of our own memberships: the provider
            # re-keyed the person. Take the membership over only if its old id is gone.
            if plan.full and holder not in self.seen and holder not in adopted:
                adopted.add(holder)
                self._change(mapped, self.owned[holder])
                continue
            plan.counts["skipped"] += 1
            plan.add_issue(
                Issue(
                    "error",
                    f"same email as external id {holder} of this integration; not synced",
                    mapped.external_id,
                    mapped.email,
                )
            )
        if plan.full:
            seen = self.seen
            for ext, (mid, _aid, digest, status, _roles, _email) in self.owned.items():
                if status == ACTIVE and ext not in seen and ext not in adopted:
                    plan.deactivations.append((mid, digest))
                    plan.counts["deactivated"] += 1
        return plan


def lookup_accounts(
    conn: Connection, *, emails: Sequence[str], school_id: str
) -> dict[str, tuple[int, int | None, str | None, str | None, str | None]]:
    """email -> (account id, membership id at the school or None, its owner, source, external id)."""
    a, m = account_table, membership_table
    query = (
        select(a.c.email, a.c.id, m.c.id, m.c.integration_id, m.c.source, m.c.external_id)
        .select_from(
            a.outerjoin(m, (m.c.account_id == a.c.id) & (m.c.school_id == bindparam("school")))
        )
        .where(a.c.email.in_(bindparam("emails", expanding=True)))
    )
    found: dict[str, tuple[int, int | None, str | None, str | None, str | None]] = {}
    for part in chunks(list(dict.fromkeys(emails)), LOOKUP_CHUNK):
        rows = conn.execute(query, {"school": school_id, "emails": list(part)}).tuples()
        for email, aid, mid, owner, source, ext in rows:
            found[email] = (aid, mid, owner, source, ext)
    return found


def plan_sync(
    conn: Connection,
    items: Iterable[RosterRecord | Skip | Cursor],
    *,
    integration_id: str,
    school_id: str,
    source: str,
    admin_implies_teacher: bool = True,
    full: bool = True,
    progress: Callable[[int, int | None], None] | None = None,
    every: int = 1000,
) -> Plan:
    """Plan a run from provider items (``full=False`` for a change feed)."""
    planner = Planner(
        conn,
        integration_id=integration_id,
        school_id=school_id,
        source=source,
        admin_implies_teacher=admin_implies_teacher,
        full=full,
    )
    feed = planner.feed
    if progress is None:
        for item in items:
            feed(item)
    else:
        done = 0
        for item in items:
            feed(item)
            done += 1
            if done % every == 0:
                progress(done, None)
        progress(done, done)
    return planner.finish()


def hold_reason(plan: Plan, *, max_deactivate_percent: float) -> str | None:
    """Why the safeguard holds this plan, or None. Both rules protect against a provider that
    suddenly returns far fewer people than before (a bad filter, a half-broken export)."""
    active = plan.active_before
    if plan.full and plan.records == 0 and active > 0:
        return (
            f"held by the safeguard: the provider returned no users but {active} accounts "
            "are active; approve the run to deactivate them"
        )
    count = plan.counts["deactivated"]
    if active and count > MIN_HELD_DEACTIVATIONS and count * 100 > max_deactivate_percent * active:
        percent = count * 100 / active
        return (
            f"held by the safeguard: would deactivate {count} of {active} active accounts "
            f"({percent:.0f}%, more than max_deactivate_percent {max_deactivate_percent:g}%); "
            "approve the run to apply it"
        )
    return None


# -- applying ------------------------------------------------------------------------------


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


def apply_plan(
    conn: Connection, plan: Plan, *, now: datetime | None = None, guard: bool = False
) -> None:
    """Write a plan with bulk statements in the caller's transaction.

    ``guard=True`` (approving a held run) first re-reads every row the plan touches; if any of
    them moved on since planning (a newer sync, an upload, a change by hand) it raises
    :class:`StalePlan` before writing anything, so a stale plan never overwrites newer data.
    """
    now = now or utcnow()
    if guard:
        stale = _drop_stale(conn, plan)
        if stale:
            raise StalePlan(stale)
    m, a = membership_table, account_table
    if plan.deactivations:
        stmt = (
            update(m)
            .where(m.c.id.in_(bindparam("ids", expanding=True)))
            .values(status=DEACTIVATED, updated_at=now)
        )
        for d_part in chunks(plan.deactivations, LOOKUP_CHUNK):
            conn.execute(stmt, {"ids": [row[0] for row in d_part]})
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
                    {"b_id": aid, "b_email": email, "b_first": first, "b_last": last}
                    for aid, email, first, last, _expected in a_part
                ],
            )
    if plan.membership_updates:
        stmt = (
            update(m)
            .where(m.c.id == bindparam("b_id"))
            .values(
                external_id=bindparam("b_ext"),
                roles=bindparam("b_roles"),
                record_hash=bindparam("b_hash"),
                status=bindparam("b_status"),
                updated_at=now,
            )
        )
        for m_part in chunks(plan.membership_updates, WRITE_CHUNK):
            conn.execute(
                stmt,
                [
                    {"b_id": r[0], "b_ext": r[2], "b_roles": r[3], "b_hash": r[4], "b_status": r[5]}
                    for r in m_part
                ],
            )
    if plan.new_accounts:
        _insert_new_accounts(conn, plan, now)
    if plan.links:
        stamp = bulk.timestamp(conn, now)
        insert_many(
            conn,
            membership_table,
            MEMBERSHIP_COLUMNS,
            [
                _membership_row(plan, aid, ext, roles, digest, stamp)
                for aid, ext, roles, digest in plan.links
            ],
        )


MEMBERSHIP_COLUMNS = (
    "account_id",
    "school_id",
    "roles",
    "status",
    "integration_id",
    "source",
    "external_id",
    "record_hash",
    "created_at",
    "updated_at",
)
ACCOUNT_COLUMNS = ("email", "first_name", "last_name", "password_hash", "created_at", "updated_at")


def _membership_row(
    plan: Plan, account_id: int, external_id: str, roles: str, digest: str, stamp: Any
) -> tuple[Any, ...]:
    return (
        account_id,
        plan.school_id,
        roles,
        ACTIVE,
        plan.integration_id,
        plan.source,
        external_id,
        digest,
        stamp,
        stamp,
    )


def _insert_new_accounts(conn: Connection, plan: Plan, now: datetime) -> None:
    stamp = bulk.timestamp(conn, now)
    rows = [
        (email, first, last, None, stamp, stamp)
        for _ext, email, first, last, _roles, _digest in plan.new_accounts
    ]
    ids = {
        email: aid
        for aid, email in insert_returning(
            conn, account_table, ACCOUNT_COLUMNS, rows, ("id", "email")
        )
    }
    insert_many(
        conn,
        membership_table,
        MEMBERSHIP_COLUMNS,
        [
            _membership_row(plan, ids[email], ext, roles, digest, stamp)
            for ext, email, _first, _last, roles, digest in plan.new_accounts
        ],
    )


def _drop_stale(conn: Connection, plan: Plan) -> list[Issue]:
    """Remove from ``plan`` every change whose precondition no longer holds; one warning
    each."""
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


def _drop_stale_changes(
    conn: Connection, plan: Plan, stale: Callable[[str, str | None, str | None], None]
) -> None:
    m, a = membership_table, account_table
    ids = [r[0] for r in plan.deactivations] + [r[0] for r in plan.membership_updates]
    current: dict[int, tuple[str | None, str, str | None, str | None]] = {}
    by_id = select(m.c.id, m.c.record_hash, m.c.status, m.c.integration_id, m.c.external_id).where(
        m.c.id.in_(bindparam("ids", expanding=True))
    )
    for id_part in chunks(ids, LOOKUP_CHUNK):
        for mid, digest, status, owner, ext in conn.execute(by_id, {"ids": list(id_part)}).tuples():
            current[mid] = (digest, status, owner, ext)
    keep_deactivations = []
    for deactivation in plan.deactivations:
        found = current.get(deactivation[0])
        if found and found[:3] == (deactivation[1], ACTIVE, plan.integration_id):
            keep_deactivations.append(deactivation)
        else:
            stale("deactivated", found[3] if found else None, None)
    plan.deactivations = keep_deactivations

    emails_now: dict[int, str] = {}
    account_ids = [r[0] for r in plan.account_updates]
    emails_by_id = select(a.c.id, a.c.email).where(a.c.id.in_(bindparam("ids", expanding=True)))
    for aid_part in chunks(account_ids, LOOKUP_CHUNK):
        for aid, email in conn.execute(emails_by_id, {"ids": list(aid_part)}).tuples():
            emails_now[aid] = email
    bad_accounts = {r[0] for r in plan.account_updates if emails_now.get(r[0]) != r[4]}
    # an email change must still be free to take
    wanted = [r[1] for r in plan.account_updates if r[1] != r[4] and r[0] not in bad_accounts]
    taken = lookup_accounts(conn, emails=wanted, school_id=plan.school_id) if wanted else {}
    bad_accounts |= {r[0] for r in plan.account_updates if r[1] in taken and taken[r[1]][0] != r[0]}
    keep_updates = []
    for update_row in plan.membership_updates:
        mid, aid, ext, _roles, _digest, _status, expected_hash, expected_status = update_row
        found = current.get(mid)
        if (
            found is not None
            and found[:3] == (expected_hash, expected_status, plan.integration_id)
            and aid not in bad_accounts
        ):
            keep_updates.append(update_row)
        else:
            bad_accounts.add(aid)
            stale("reactivated" if expected_status != ACTIVE else "updated", ext, None)
    plan.membership_updates = keep_updates
    plan.account_updates = [r for r in plan.account_updates if r[0] not in bad_accounts]


def _drop_stale_creates(
    conn: Connection, plan: Plan, stale: Callable[[str, str | None, str | None], None]
) -> None:
    """A new account's email must still be free, a linked account must still have no
    membership at the school, and no membership of ours may hold the external id by now."""
    m = membership_table
    owned_ids = {
        ext
        for (ext,) in conn.execute(
            select(m.c.external_id).where(m.c.integration_id == plan.integration_id)
        ).tuples()
    }
    found = lookup_accounts(
        conn, emails=[r[1] for r in plan.new_accounts], school_id=plan.school_id
    )
    keep_new = []
    for new in plan.new_accounts:
        if new[1] in found or new[0] in owned_ids:
            stale("created", new[0], new[1])
        else:
            keep_new.append(new)
    plan.new_accounts = keep_new
    busy: set[int] = set()
    at_school = select(m.c.account_id).where(
        (m.c.school_id == plan.school_id) & m.c.account_id.in_(bindparam("ids", expanding=True))
    )
    for part in chunks([r[0] for r in plan.links], LOOKUP_CHUNK):
        busy.update(aid for (aid,) in conn.execute(at_school, {"ids": list(part)}).tuples())
    keep_links = []
    for link in plan.links:
        if link[0] in busy or link[1] in owned_ids:
            stale("created", link[1], None)
        else:
            keep_links.append(link)
    plan.links = keep_links
