"""Staff users: district IT and support people who sign in to the web console.

School admins are not staff: they sign in with their own account (an active ``admin``
membership). A staff user's password is generated, shown once and stored only as a hash.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hub import audit
from hub.accounts import check_email
from hub.context import Hub
from hub.errors import UsageError
from hub.models import StaffUser
from hub.passwords import generate_password, hash_password
from hub.tokens import DISTRICT_IT, SUPPORT

STAFF_ROLES: tuple[str, ...] = (DISTRICT_IT, SUPPORT)


def add_staff(
    hub: Hub, *, email: str, role: str, district_id: str | None = None, actor: str
) -> tuple[StaffUser, str]:
    """Make a staff user; the returned password is the only time it exists in the clear."""
    role = role.strip().lower()
    if role not in STAFF_ROLES:
        msg = f"unknown staff role '{role}' (district_it or support)"
        raise UsageError(msg)
    address = check_email(email)
    district = (district_id or "").strip() or None
    password = generate_password(groups=4)
    row = StaffUser(
        email=address, role=role, district_id=district, password_hash=hash_password(password)
    )
    try:
        with hub.transaction() as session:
            session.add(row)
            audit.record(
                session,
                actor=actor,
                action="staff.add",
                target=address,
                role=role,
                district_id=district,
            )
    except IntegrityError:
        msg = f"{address} is already a staff user"
        raise UsageError(msg) from None
    return row, password


def find_staff(hub: Hub, email: str) -> StaffUser | None:
    with hub.session() as session:
        return session.exec(select(StaffUser).where(StaffUser.email == email)).first()


def list_staff(hub: Hub) -> list[StaffUser]:
    with hub.session() as session:
        return list(session.exec(select(StaffUser).order_by(col(StaffUser.email))))


def staff_json(row: StaffUser, password: str | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {"email": row.email, "role": row.role, "district_id": row.district_id}
    if password is not None:
        doc["password"] = password
    return doc
