"""The accounts behind a batch of emails, and their membership at one school."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, select

from hub.bulk import LOOKUP_CHUNK, account_table, chunks, membership_table


class Found(NamedTuple):
    """An account with a given email, and its membership at the school (if any)."""

    account_id: int
    membership_id: int | None
    owner: str | None
    """The integration that syncs that membership (None: an upload's or a hand-made one)."""
    source: str | None
    external_id: str | None


def lookup_accounts(conn: Connection, *, emails: Sequence[str], school_id: str) -> dict[str, Found]:
    """email -> :class:`Found`, for the emails that have an account."""
    a, m = account_table, membership_table
    query = (
        select(a.c.email, a.c.id, m.c.id, m.c.integration_id, m.c.source, m.c.external_id)
        .select_from(
            a.outerjoin(m, (m.c.account_id == a.c.id) & (m.c.school_id == bindparam("school")))
        )
        .where(a.c.email.in_(bindparam("emails", expanding=True)))
    )
    found: dict[str, Found] = {}
    for part in chunks(list(dict.fromkeys(emails)), LOOKUP_CHUNK):
        rows = conn.execute(query, {"school": school_id, "emails": list(part)}).tuples()
        for email, aid, mid, owner, source, ext in rows:
            found[email] = Found(aid, mid, owner, source, ext)
    return found
