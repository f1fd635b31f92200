"""API bearer tokens: 256 random bits shown once, stored only as their SHA-256.

A token is looked up by its hash (an index hit, so lookup time does not depend on how much
of a guess matches) and the stored hash is then compared with :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from hub import audit
from hub.context import Hub
from hub.errors import UsageError
from hub.models import ApiToken, utcnow
from hub.schools import resolve_school

DISTRICT_IT = "district_it"
SUPPORT = "support"
SCHOOL_ADMIN = "school_admin"
TOKEN_ROLES: tuple[str, ...] = (DISTRICT_IT, SUPPORT, SCHOOL_ADMIN)
PREFIX = "rh_"
# Writing last_used_at on every request would turn each read into a write; once a minute is
# plenty to tell a live token from a forgotten one.
_TOUCH_EVERY = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    hub: Hub,
    *,
    role: str,
    school_id: str | None = None,
    district_id: str | None = None,
    actor: str,
) -> tuple[ApiToken, str]:
    """Make a token; the returned text is the only time it exists outside the caller."""
    role = role.strip().lower()
    if role not in TOKEN_ROLES:
        msg = f"unknown token role '{role}' (district_it, support or school_admin)"
        raise UsageError(msg)
    if role == SCHOOL_ADMIN and not school_id:
        msg = "a school_admin token belongs to one school: give --school"
        raise UsageError(msg)
    if role != SCHOOL_ADMIN and school_id:
        msg = f"a {role} token is not limited to one school; --school is only for school_admin"
        raise UsageError(msg)
    if district_id and role != DISTRICT_IT:
        msg = f"a {role} token cannot be limited to a district; --district is only for district_it"
        raise UsageError(msg)
    school = resolve_school(hub, school_id) if school_id else None
    token = PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        token_hash=hash_token(token),
        role=role,
        school_id=school.id if school else None,
        district_id=district_id or None,
    )
    with hub.transaction() as session:
        session.add(row)
        audit.record(
            session,
            actor=actor,
            action="token.create",
            target=row.id,
            role=role,
            school_id=row.school_id,
            district_id=row.district_id,
        )
    return row, token


def authenticate(hub: Hub, token: str) -> ApiToken | None:
    """The token's row, or None for anything that is not a live token."""
    if not token or not token.startswith(PREFIX) or len(token) > 200:
        return None
    digest = hash_token(token)
    with hub.session() as session:
        row = session.exec(select(ApiToken).where(ApiToken.token_hash == digest)).first()
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    now = utcnow()
    last = row.last_used_at
    if last is not None and last.tzinfo is None:
        last = last.replace(tzinfo=now.tzinfo)
    if last is None or now - last > _TOUCH_EVERY:
        with hub.transaction() as session:
            session.execute(
                update(ApiToken).where(col(ApiToken.id) == row.id).values(last_used_at=now)
            )
    return row


def token_json(row: ApiToken) -> dict[str, Any]:
    """:class:`hub.schema.TokenOut` as a plain document: never the token, nor its hash."""
    from hub.schema import TokenOut  # the shapes load when one is shown, not for every command

    return TokenOut.from_row(row).model_dump()


def list_tokens(hub: Hub) -> list[ApiToken]:
    with hub.session() as session:
        return list(session.exec(select(ApiToken).order_by(col(ApiToken.created_at))))


def revoke_token(hub: Hub, token_id: str, *, actor: str) -> ApiToken:
    """Delete the token's row: the next request made with it is refused (401)."""
    with hub.transaction() as session:
        row = session.get(ApiToken, token_id.strip())
        if row is None:
            msg = f"unknown token '{token_id}' (see 'rosterhub token list')"
            raise UsageError(msg)
        session.delete(row)
        audit.record(
            session,
            actor=actor,
            action="token.revoke",
            target=row.id,
            role=row.role,
            school_id=row.school_id,
        )
    return row
