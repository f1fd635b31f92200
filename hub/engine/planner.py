"""Planning: diff a provider's roster against the database, without writing anything.

The hot path is set-based. The integration's own memberships are loaded once into a dict;
the provider's records stream through the role mapping and are compared by record hash;
emails new to the integration are resolved against the accounts table in batches. No ORM
object is created per person. Ownership decides what a plan may touch: only memberships
this integration synced are updated or deactivated; anyone else's account at the school is
reported and left as it is.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, select

from hub.bulk import LOOKUP_CHUNK, account_table, membership_table
from hub.engine.lookup import lookup_accounts
from hub.engine.mapping import Mapped, Rejected, RoleMapper, record_hash
from hub.engine.plan import AccountUpdate, Deactivation, Link, MembershipUpdate, NewAccount, Plan
from hub.issues import Issue
from hub.models import ACTIVE
from hub.roster import Cursor, RosterRecord, Skip, normalize_email

_make = tuple.__new__
"""Builds a row type from a tuple without NamedTuple's Python-level ``__new__``: the rows
made once per person (every owned membership, every new account) cost what a tuple costs."""


class Owned(NamedTuple):
    """One of the integration's memberships as planning found it."""

    membership_id: int
    account_id: int
    hash: str | None
    status: str
    roles: str
    email: str


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
        load: bool = True,
    ) -> None:
        self.conn = conn
        self.plan = Plan(
            integration_id=integration_id, school_id=school_id, source=source, full=full
        )
        self.mapper = RoleMapper(admin_implies_teacher=admin_implies_teacher)
        # external_id -> (membership id, account id, record hash, status, roles, account email)
        self.owned: dict[str, Owned] = {}
        self.owned_by_email: dict[str, str] = {}
        self.seen: set[str] = set()
        self.claimed: dict[str, str] = {}  # emails new records / email changes take in this run
        self.pending_new: list[Mapped] = []
        self.pending_change: list[tuple[Mapped, Owned]] = []
        self.adopt: list[tuple[Mapped, str]] = []
        if load:
            query = owned_query(integration_id).where(membership_table.c.school_id == school_id)
            for row in conn.execute(query).tuples():
                self.take(row)

    def take(self, row: tuple[Any, ...]) -> None:
        """One owned membership, as :func:`owned_query` reads it."""
        ext, mid, aid, digest, status, roles, email, _school = row
        if ext is None:
            return
        self.owned[ext] = _make(Owned, (mid, aid, digest, status, roles, email))
        self.owned_by_email[email] = ext
        if status == ACTIVE:
            self.plan.active_before += 1

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

    def _record(self, record: RosterRecord, mapped: Mapped | Rejected | None = None) -> None:
        """One record (``mapped``: its mapping when the caller already has it: a district
        run maps a person placed in several schools once)."""
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
        if mapped is None:
            mapped = self.mapper.map(record)
        current = self.owned.get(ext)
        if current is None:
            self._new(record, mapped)
            return
        mid, aid, digest, status, _roles, email = current
        if not record.active:
            if status == ACTIVE:
                plan.deactivations.append(Deactivation(mid, digest))
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
                    MembershipUpdate(
                        mid, aid, ext, mapped.roles, mapped.hash, ACTIVE, digest, status
                    )
                )  # the same record: its origin is already stored
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

    def _change(self, mapped: Mapped, current: Owned) -> None:
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
                AccountUpdate(aid, mapped.email, mapped.first_name, mapped.last_name, email)
            )
        plan.membership_updates.append(
            MembershipUpdate(
                mid,
                aid,
                mapped.external_id,
                mapped.roles,
                mapped.hash,
                ACTIVE,
                digest,
                status,
                self.mapper.origin(mapped.roles, mapped.why),
            )
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
                    _make(
                        NewAccount,
                        (
                            mapped.external_id,
                            mapped.email,
                            mapped.first_name,
                            mapped.last_name,
                            mapped.roles,
                            mapped.hash,
                            self.mapper.origin(mapped.roles, mapped.why),
                        ),
                    )
                )
                counts["created"] += 1
                continue
            if hit.membership_id is None:
                plan.links.append(
                    Link(
                        hit.account_id,
                        mapped.external_id,
                        mapped.roles,
                        mapped.hash,
                        self.mapper.origin(mapped.roles, mapped.why),
                    )
                )
                counts["created"] += 1
                continue
            counts["skipped"] += 1
            if hit.owner == plan.integration_id:
                message = "already synced by this integration under another id; not synced"
            else:
                by = f"integration {hit.owner}" if hit.owner else f"a {hit.source} entry"
                message = f"already at this school from {by}; left as it is"
            plan.add_issue(Issue("warning", message, mapped.external_id, mapped.email))
        for mapped, current in changes:
            hit = found.get(mapped.email)
            if hit is not None and hit.account_id != current.account_id:
                counts["skipped"] += 1
                plan.add_issue(
                    Issue(
                        "error",
                        f"email changed to {mapped.email}, which belongs to another account; not changed",
                        mapped.external_id,
                        current.email,
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
            for ext, owned in self.owned.items():
                if owned.status == ACTIVE and ext not in seen and ext not in adopted:
                    plan.deactivations.append(Deactivation(owned.membership_id, owned.hash))
                    plan.counts["deactivated"] += 1
        return plan


def owned_query(integration_id: str) -> Select[Any]:
    """The memberships an integration owns, with their account's email and their school."""
    m, a = membership_table, account_table
    return (
        select(
            m.c.external_id,
            m.c.id,
            m.c.account_id,
            m.c.record_hash,
            m.c.status,
            m.c.roles,
            a.c.email,
            m.c.school_id,
        )
        .join(a, a.c.id == m.c.account_id)
        .where(m.c.integration_id == integration_id)
    )


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
