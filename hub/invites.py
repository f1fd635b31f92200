"""One-time links for school admins to set a console password.

Accounts that came from a provider (Clever, ClassLink, Google) have no password. An operator
makes an invite (``rosterhub accounts invite``): a link valid for :data:`INVITE_TTL` that sets
the password once. Only the SHA-256 of the link's secret is stored.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlmodel import col

from hub import audit
from hub.context import Hub
from hub.errors import UsageError
from hub.models import Account, Invite, iso, utcnow
from hub.passwords import hash_password, password_problem
from hub.roster import normalize_email
from hub.schools import get_school
from hub.signin import admin_schools

INVITE_TTL = timedelta(hours=24)
INVALID = "This link is not valid any more: it was used already or is more than 24 hours old. Ask your district IT or support for a new one."

_invite = Invite.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def invite_url(hub: Hub, token: str) -> str:
    return f"{hub.settings.console_url}/invite/{token}"


def create_invite(hub: Hub, *, email: str, school_id: str, actor: str) -> dict[str, Any]:
    """``{"url", "expires_at"}`` for an active admin of ``school_id``; earlier unused invites
    of the same account stop working."""
    school = get_school(hub, school_id)
    address = normalize_email(email) or ""
    with hub.session() as session:
        account = (
            session.execute(select(Account).where(col(Account.email) == address)).scalars().first()
        )
    if account is None or account.id is None or school.id not in admin_schools(hub, account.id):
        msg = (
            f"{address or email!r} is not an active admin of {school.name}; only school admins "
            "sign in to the console (see 'rosterhub accounts list --school ...')"
        )
        raise UsageError(msg)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    row = Invite(
        token_hash=_digest(token),
        account_id=account.id,
        school_id=school.id,
        created_by=actor,
        expires_at=now + INVITE_TTL,
    )
    with hub.transaction() as session:
        session.execute(
            update(_invite)
            .where(_invite.c.account_id == account.id, _invite.c.used_at.is_(None))
            .values(used_at=now)
        )
        session.add(row)
        audit.record(
            session, actor=actor, action="account.invite", target=address, school_id=school.id
        )
    return {"url": invite_url(hub, token), "expires_at": iso(row.expires_at)}


def pending_invite(hub: Hub, token: str) -> tuple[Invite, str]:
    """The live invite for a link and its account's email; UsageError when it is not live."""
    if not token or len(token) > 100:
        raise UsageError(INVALID)
    with hub.session() as session:
        invite = (
            session.execute(select(Invite).where(col(Invite.token_hash) == _digest(token)))
            .scalars()
            .first()
        )
        account = session.get(Account, invite.account_id) if invite is not None else None
    if invite is None or account is None or invite.used_at is not None or _expired(invite):
        raise UsageError(INVALID)
    return invite, account.email


def redeem_invite(hub: Hub, token: str, *, password: str, confirm: str) -> str:
    """Set the password once; returns the account's email. A refused password is a
    UsageError saying why (the invite stays usable)."""
    invite, email = pending_invite(hub, token)
    if password != confirm:
        msg = "The two passwords are not the same"
        raise UsageError(msg)
    problem = password_problem(password, email=email)
    if problem:
        raise UsageError(problem[0].upper() + problem[1:])
    digest = hash_password(password)
    now = utcnow()
    with hub.transaction() as session:
        taken = session.execute(
            update(_invite)
            .where(_invite.c.id == invite.id, _invite.c.used_at.is_(None))
            .values(used_at=now)
        ).rowcount
        if taken != 1:
            raise UsageError(INVALID)
        session.execute(
            update(_account)
            .where(_account.c.id == invite.account_id)
            .values(password_hash=digest, updated_at=now)
        )
        audit.record(
            session,
            actor=f"console:{email}",
            action="account.password_set",
            target=email,
            invite_id=invite.id,
        )
    return email


def _expired(invite: Invite) -> bool:
    expires = invite.expires_at
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=UTC)
    return expires <= datetime.now(UTC)
