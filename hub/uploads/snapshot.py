"""What exists for the people of a file: their accounts and memberships, read in chunks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import bindparam, func, select
from sqlmodel import Session

from hub.actors import Actor
from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table
from hub.formats import UploadPerson


class Existing(NamedTuple):
    id: int
    first_name: str
    last_name: str
    password_hash: str | None


class Member(NamedTuple):
    id: int
    roles: str
    status: str
    integration_id: str | None
    source: str


SCAN_FROM = 4
"""When the hub holds at most this many accounts per row of the file, one read of them all
(and of the involved schools' memberships) is cheaper than looking the file's people up a
chunk at a time (a re-upload of a whole school)."""


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
    held = session.execute(select(func.count()).select_from(a)).scalar_one()
    if not held:
        return snapshot  # a first upload into an empty hub: nobody to look up
    emails = [person.email for person in people]
    if held <= SCAN_FROM * len(emails):
        _scan(session, snapshot, set(emails), school_ids)
    else:
        _look_up(session, snapshot, emails, school_ids)
    ids = [account.id for account in snapshot.accounts.values()]
    if actor.schools is not None:
        for chunk_ids in chunks(ids, LOOKUP_CHUNK):
            query = (
                select(m.c.account_id)
                .where(m.c.account_id.in_(chunk_ids), m.c.school_id.not_in(actor.schools))
                .distinct()
            )
            snapshot.elsewhere.update(session.scalars(query))
    return snapshot


_ACCOUNT_COLUMNS = (
    account_table.c.id,
    account_table.c.email,
    account_table.c.first_name,
    account_table.c.last_name,
    account_table.c.password_hash,
)
_MEMBER_COLUMNS = (
    membership_table.c.id,
    membership_table.c.account_id,
    membership_table.c.school_id,
    membership_table.c.roles,
    membership_table.c.status,
    membership_table.c.integration_id,
    membership_table.c.source,
)


def _scan(session: Session, snapshot: Snapshot, emails: set[str], school_ids: set[str]) -> None:
    """Every account, and every membership at the involved schools, in two reads; kept when
    they are the file's people."""
    found = snapshot.accounts
    for aid, email, first, last, password_hash in session.execute(select(*_ACCOUNT_COLUMNS)).all():
        if email in emails:
            found[email] = Existing(aid, first, last, password_hash)
    ids = {account.id for account in found.values()}
    members = snapshot.memberships
    query = select(*_MEMBER_COLUMNS).where(membership_table.c.school_id.in_(sorted(school_ids)))
    for mid, aid, sid, roles, status, integration_id, source in session.execute(query).all():
        if aid in ids:
            members[(aid, sid)] = Member(mid, roles, status, integration_id, source)


def _look_up(session: Session, snapshot: Snapshot, emails: list[str], school_ids: set[str]) -> None:
    """The file's people and their memberships at the involved schools, a chunk at a time;
    each statement is compiled once and bound per chunk."""
    accounts = select(*_ACCOUNT_COLUMNS).where(
        account_table.c.email.in_(bindparam("emails", expanding=True))
    )
    found = snapshot.accounts
    for chunk in chunks(emails, LOOKUP_CHUNK):
        for aid, email, first, last, password_hash in session.execute(
            accounts, {"emails": list(chunk)}
        ).all():
            found[email] = Existing(aid, first, last, password_hash)
    ids = [account.id for account in found.values()]
    memberships = select(*_MEMBER_COLUMNS).where(
        membership_table.c.account_id.in_(bindparam("ids", expanding=True)),
        membership_table.c.school_id.in_(bindparam("schools", expanding=True)),
    )
    members = snapshot.memberships
    wanted = sorted(school_ids)
    for chunk_ids in chunks(ids, LOOKUP_CHUNK):
        for mid, aid, sid, roles, status, integration_id, source in session.execute(
            memberships, {"ids": list(chunk_ids), "schools": wanted}
        ).all():
            members[(aid, sid)] = Member(mid, roles, status, integration_id, source)
