"""Accounts as seen from one school, and accounts added by hand."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session

from hub import audit
from hub.context import Hub
from hub.errors import UsageError
from hub.models import ACTIVE, MANUAL, Account, Membership
from hub.passwords import generate_password, hash_password
from hub.roles import RoleConflict, resolve
from hub.roster import (
    ROLES,
    normalize_email,
    roles_list,
    roles_text,
)
from hub.schema import account_doc
from hub.schools import get_school

_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]


def _query(school_id: str) -> Any:
    return (
        select(
            _account.c.email,
            _account.c.first_name,
            _account.c.last_name,
            _membership.c.roles,
            _membership.c.status,
            _membership.c.source,
            _membership.c.external_id,
        )
        .join(_membership, _membership.c.account_id == _account.c.id)
        .where(_membership.c.school_id == school_id)
    )


def list_accounts(
    hub: Hub, *, school_id: str, role: str | None = None, include_all: bool = False
) -> list[dict[str, Any]]:
    """Active accounts of a school (``include_all`` adds deactivated ones), by email."""
    query = _query(school_id)
    if role is not None:
        if role not in ROLES:
            msg = f"unknown role '{role}' (student, teacher or admin)"
            raise UsageError(msg)
        # Role names share no substrings, so a LIKE on the sorted list is exact.
        query = query.where(_membership.c.roles.like(f"%{role}%"))
    if not include_all:
        query = query.where(_membership.c.status == ACTIVE)
    with hub.engine.connect() as conn:
        rows = conn.execute(query.order_by(_account.c.email)).tuples().all()
    return [account_doc(*row) for row in rows]


def check_email(value: str) -> str:
    # Imported here: every command that loads this module would otherwise load the email
    # grammar, and only adding an account by hand needs it.
    from email_validator import EmailNotValidError, validate_email

    email = normalize_email(value) or ""
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        msg = f"'{value.strip()}' is not a valid email address: {exc}"
        raise UsageError(msg) from None
    return email


def hub_roles(roles: list[str], *, admin_implies_teacher: bool = True) -> frozenset[str]:
    """The roles an account gets: admin brings teacher; student with staff is refused."""
    wanted = frozenset(r.strip().lower() for r in roles if r.strip())
    unknown = wanted - set(ROLES)
    if unknown or not wanted:
        msg = (
            f"roles must be student, teacher or admin (got {', '.join(sorted(unknown)) or 'none'})"
        )
        raise UsageError(msg)
    resolved = resolve(wanted, admin_implies_teacher=admin_implies_teacher)
    if isinstance(resolved, RoleConflict):
        msg = "an account cannot be a student and staff (teacher/admin) at once"
        raise UsageError(msg)
    return resolved


def add_manual_account(
    hub: Hub,
    *,
    school_id: str,
    email: str,
    first_name: str,
    last_name: str,
    roles: list[str],
    actor: str,
) -> tuple[dict[str, Any], str | None]:
    """Add one account by hand (source ``manual``). Returns it and, when the person had no
    password yet, the generated one (shown once, stored only as a hash)."""
    school = get_school(hub, school_id)
    email = check_email(email)
    first, last = " ".join(first_name.split()), " ".join(last_name.split())
    if not first or not last:
        msg = "first and last name are required"
        raise UsageError(msg)
    wanted = hub_roles(roles)
    password: str | None = None
    with hub.transaction() as session:
        account = _find_account(session, email)
        if account is None:
            password = generate_password()
            account = Account(
                email=email, first_name=first, last_name=last, password_hash=hash_password(password)
            )
            session.add(account)
            session.flush()
        else:
            existing = session.execute(
                select(_membership.c.source).where(
                    _membership.c.account_id == account.id, _membership.c.school_id == school.id
                )
            ).first()
            if existing is not None:
                msg = f"{email} already has an account at {school.name} (source {existing.source})"
                raise UsageError(msg)
            if account.password_hash is None:
                password = generate_password()
                account.password_hash = hash_password(password)
                session.add(account)
        assert account.id is not None
        session.add(
            Membership(
                account_id=account.id,
                school_id=school.id,
                roles=roles_text(wanted),
                status=ACTIVE,
                source=MANUAL,
            )
        )
        audit.record(
            session,
            actor=actor,
            action="account.add",
            target=email,
            school_id=school.id,
            roles=sorted(wanted),
        )
        account_view = {
            "email": account.email,
            "first_name": account.first_name,
            "last_name": account.last_name,
            "roles": sorted(wanted),
            "status": ACTIVE,
            "source": MANUAL,
            "external_id": None,
        }
    return account_view, password


def _find_account(session: Session, email: str) -> Account | None:
    from sqlmodel import select as sm_select

    return session.exec(sm_select(Account).where(Account.email == email)).first()


STATUSES = (ACTIVE, "deactivated")


def search_accounts(
    hub: Hub,
    *,
    school_id: str,
    text: str = "",
    role: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[dict[str, Any]]]:
    """(how many match, one page of them by email): every word of ``text`` matches some part
    of the email or the full name (case-insensitively); ``role``/``status`` narrow it."""
    conditions = [_membership.c.school_id == school_id]
    if role is not None:
        if role not in ROLES:
            msg = f"unknown role '{role}' (student, teacher or admin)"
            raise UsageError(msg)
        conditions.append(_membership.c.roles.like(f"%{role}%"))
    if status is not None:
        if status not in STATUSES:
            msg = f"unknown status '{status}' (active or deactivated)"
            raise UsageError(msg)
        conditions.append(_membership.c.status == status)
    words = " ".join(text.split())[:200].split()
    full_name = _account.c.first_name + " " + _account.c.last_name
    for word in words:
        escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern = f"%{escaped}%"
        conditions.append(
            or_(
                _account.c.email.ilike(pattern, escape="\\"),
                full_name.ilike(pattern, escape="\\"),
            )
        )
    # Only a text search needs the account's columns to count; otherwise the memberships
    # (one per account at the school) count alone, by their (school, status) index.
    counted = (
        _account.join(_membership, _membership.c.account_id == _account.c.id)
        if words
        else _membership
    )
    count = select(func.count()).select_from(counted).where(*conditions)
    query = _query(school_id).where(*conditions[1:]).order_by(_account.c.email)
    with hub.engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        rows = conn.execute(query.offset(offset).limit(limit)).tuples().all()
    return total, [account_doc(*row) for row in rows]


def role_counts(hub: Hub, *, school_id: str) -> dict[str, int]:
    """Active accounts per role at a school (an admin who is also a teacher counts in both)."""
    query = (
        select(_membership.c.roles, func.count())
        .where(_membership.c.school_id == school_id, _membership.c.status == ACTIVE)
        .group_by(_membership.c.roles)
    )
    found = dict.fromkeys(ROLES, 0)
    with hub.engine.connect() as conn:
        for roles, count in conn.execute(query).tuples():
            for role in roles_list(roles):
                if role in found:
                    found[role] += int(count)
    return found


def schools_of(hub: Hub, email: str) -> list[str]:
    """The schools where ``email`` has a membership (active or not), by school id."""
    address = (email or "").strip().lower()
    m, a = _membership, _account
    query = (
        select(m.c.school_id)
        .join(a, a.c.id == m.c.account_id)
        .where(a.c.email == address)
        .order_by(m.c.school_id)
    )
    with hub.engine.connect() as conn:
        return [str(sid) for sid in conn.execute(query).scalars()]
