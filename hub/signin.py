"""Signing in to the console: who an email and password belong to, and the brakes on guessing.

Two kinds of people sign in: staff users (district IT, support) and school admins, with the
email and password of their own account (an account with an active ``admin`` membership). A
wrong pair is one answer whichever half was wrong, and costs the same time either way.

Failed attempts are recorded per email: after :data:`SLOW_AFTER` failures within
:data:`WINDOW` each further attempt first waits (doubling up to :data:`MAX_DELAY` seconds),
and after :data:`LOCK_AFTER` the email is locked until those failures are :data:`WINDOW` old.
An email that is not anyone's is slowed and locked exactly the same way, so the brakes do not
tell which emails exist. A success clears the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import Connection, delete, func, insert, select, update
from sqlmodel import col

from hub.context import Hub
from hub.errors import HubError
from hub.models import ACTIVE, Account, Membership, SignInAttempt, StaffUser, utcnow
from hub.passwords import hash_password, verify_and_update
from hub.roster import ADMIN, normalize_email
from hub.tokens import SCHOOL_ADMIN

WINDOW = timedelta(minutes=15)
SLOW_AFTER = 3
LOCK_AFTER = 10
MAX_DELAY = 8.0
KEEP_ATTEMPTS = timedelta(days=1)
INCORRECT = "Email or password is incorrect"

_attempt = SignInAttempt.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]
_staff = StaffUser.__table__  # type: ignore[attr-defined]


class SignInRefused(HubError):
    """Why a sign-in did not succeed, in words fit to show on the sign-in page."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who signed in: a staff user (``staff_id``) or a school admin's account (``account_id``)."""

    email: str
    role: str
    staff_id: str | None = None
    account_id: int | None = None
    district_id: str | None = None


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """Checked against when nobody has the email, so a miss costs what a wrong password does."""
    return hash_password("rosterhub-no-such-person")


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def recent_failures(hub: Hub, email: str, *, now: datetime | None = None) -> list[datetime]:
    """This email's failed attempts in the window since its last success, oldest first."""
    now = now or utcnow()
    t = _attempt
    with hub.engine.connect() as conn:
        last_ok = conn.execute(
            select(func.max(t.c.at)).where(t.c.email == email, t.c.succeeded.is_(True))
        ).scalar_one()
        since = now - WINDOW
        if last_ok is not None and _aware(last_ok) > since:
            since = _aware(last_ok)
        rows = conn.execute(
            select(t.c.at)
            .where(t.c.email == email, t.c.succeeded.is_(False), t.c.at > since)
            .order_by(t.c.at)
        ).scalars()
        return [_aware(at) for at in rows]


def delay_for(failures: int) -> float:
    """Seconds to wait before checking an attempt after ``failures`` recent failures."""
    if failures < SLOW_AFTER:
        return 0.0
    return min(MAX_DELAY, float(2 ** (failures - SLOW_AFTER)))


def locked_until(failures: list[datetime]) -> datetime | None:
    """When the lock on an email with these failures ends, or None when it is not locked."""
    if len(failures) < LOCK_AFTER:
        return None
    return failures[-LOCK_AFTER] + WINDOW


def check_lock(hub: Hub, email: str, *, now: datetime | None = None) -> float:
    """Raise when the email is locked; otherwise the seconds this attempt must wait."""
    now = now or utcnow()
    failures = recent_failures(hub, email, now=now)
    until = locked_until(failures)
    if until is not None and until > now:
        minutes = max(1, int((until - now).total_seconds() // 60) + 1)
        msg = (
            f"Too many failed sign-ins for this email. It is locked for {minutes} more "
            f"minute{'s' if minutes != 1 else ''}; try again then, or ask support to help."
        )
        raise SignInRefused(msg)
    return delay_for(len(failures))


def identify(hub: Hub, *, email: str, password: str, address: str = "") -> Identity:
    """The person this email and password belong to; records the attempt either way.
    Call :func:`check_lock` (and wait as it says) first."""
    address_email = normalize_email(email) or ""
    found = _find(hub, address_email) if address_email and password else None
    rehashed: str | None = None
    if found is None:
        _matches(password, _dummy_hash())  # the same cost as a wrong password
        ok, identity = False, None
    else:
        (ok, rehashed), identity = _matches(password, found[0]), found[1]
    now = utcnow()
    with hub.transaction() as session:
        conn = session.connection()
        if ok and rehashed and identity is not None:
            _store_rehash(conn, identity, found[0] if found else "", rehashed)
        conn.execute(
            insert(_attempt).values(
                email=address_email[:320], address=address[:64], at=now, succeeded=ok
            )
        )
        if ok:
            conn.execute(delete(_attempt).where(_attempt.c.at < now - KEEP_ATTEMPTS))
    if not ok or identity is None:
        raise SignInRefused(INCORRECT)
    return identity


def _matches(password: str, stored: str) -> tuple[bool, str | None]:
    """Whether it matches, and the hash at today's parameters when the stored one was made with
    others (a generated password's lighter ones): rehashed on the first successful sign-in."""
    try:
        return verify_and_update(password, stored)
    except Exception:  # noqa: BLE001 - an unreadable stored hash simply does not match
        return False, None


def _store_rehash(conn: Connection, identity: Identity, old: str, new: str) -> None:
    """Replace the stored hash, unless it changed meanwhile (a new password wins)."""
    table = _staff if identity.staff_id is not None else _account
    key = identity.staff_id if identity.staff_id is not None else identity.account_id
    conn.execute(
        update(table)
        .where(table.c.id == key, table.c.password_hash == old)
        .values(password_hash=new)
    )


def _find(hub: Hub, email: str) -> tuple[str, Identity] | None:
    """(stored hash, identity) of a staff user, else of a school admin's account."""
    with hub.session() as session:
        staff = (
            session.execute(select(StaffUser).where(col(StaffUser.email) == email))
            .scalars()
            .first()
        )
        if staff is not None:
            return staff.password_hash, Identity(
                email=staff.email,
                role=staff.role,
                staff_id=staff.id,
                district_id=staff.district_id,
            )
        row = session.execute(
            select(_account.c.id, _account.c.password_hash).where(_account.c.email == email)
        ).first()
    if row is None or not row.password_hash or not admin_schools(hub, row.id):
        return None
    return row.password_hash, Identity(email=email, role=SCHOOL_ADMIN, account_id=row.id)


def admin_schools(hub: Hub, account_id: int) -> list[str]:
    """The schools where this account is an active admin (a school admin's whole reach)."""
    m = _membership
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(m.c.school_id)
            .where(m.c.account_id == account_id, m.c.status == ACTIVE)
            .where(m.c.roles.like(f"%{ADMIN}%"))
            .order_by(m.c.school_id)
        ).scalars()
        return list(rows)
