"""What exists for the people of a file: their accounts and memberships, read in chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlmodel import Session

from hub.actors import Actor
from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table
from hub.formats import UploadPerson


@dataclass(frozen=True, slots=True)
class Existing:
    id: int
    first_name: str
    last_name: str
    password_hash: str | None


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    roles: str
    status: str
    integration_id: str | None
    source: str


@dataclass
class Snapshot:
    accounts: dict[str, Existing] = field(default_factory=dict)
    memberships: dict[tuple[int, str], Member] = field(default_factory=dict)
    elsewhere: set[int] = field(default_factory=set)
    """Accounts with a membership at a school the uploader may not touch (restricted actors)."""


def load(
    session: Session, people: Sequence[UploadPerson], school_ids: set[str], actor: Actor
) -> Snapshot:
    snapshot = Snapshot()
    a, m = account_table, membership_table
    if session.execute(select(a.c.id).limit(1)).first() is None:
        return snapshot  # a first upload into an empty hub: nobody to look up
    emails = [person.email for person in people]
    query = select(a.c.id, a.c.email, a.c.first_name, a.c.last_name, a.c.password_hash).where(
        a.c.email.in_(bindparam("emails", expanding=True))
    )  # compiled once, bound per chunk
    for chunk in chunks(emails, LOOKUP_CHUNK):
        for row in session.execute(query, {"emails": list(chunk)}):
            snapshot.accounts[row.email] = Existing(
                row.id, row.first_name, row.last_name, row.password_hash
            )
    ids = [account.id for account in snapshot.accounts.values()]
    for chunk_ids in chunks(ids, LOOKUP_CHUNK):
        query = select(
            m.c.id,
            m.c.account_id,
            m.c.school_id,
            m.c.roles,
            m.c.status,
            m.c.integration_id,
            m.c.source,
        ).where(m.c.account_id.in_(chunk_ids), m.c.school_id.in_(school_ids))
        for row in session.execute(query):
            snapshot.memberships[(row.account_id, row.school_id)] = Member(
                row.id, row.roles, row.status, row.integration_id, row.source
            )
    if actor.schools is not None:
        for chunk_ids in chunks(ids, LOOKUP_CHUNK):
            query = (
                select(m.c.account_id)
                .where(m.c.account_id.in_(chunk_ids), m.c.school_id.not_in(actor.schools))
                .distinct()
            )
            snapshot.elsewhere.update(session.scalars(query))
    return snapshot
