"""The lookups the upload dialogue makes: who administers which school, and whose upload
an id names."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from hub.context import Hub
from hub.models import ACTIVE, Account, Membership, School, Upload
from hub.roster import ADMIN, normalize_email


def admin_schools(hub: Hub, email: str | None) -> list[School]:
    """Schools where ``email`` is an active admin, by name."""
    email = normalize_email(email)
    if not email:
        return []
    query = (
        select(School)
        .join(Membership, col(Membership.school_id) == col(School.id))
        .join(Account, col(Account.id) == col(Membership.account_id))
        .where(
            col(Account.email) == email,
            col(Membership.status) == ACTIVE,
            col(Membership.roles).like(f"%{ADMIN}%"),
        )
        .order_by(col(School.name))
    )
    with hub.session() as session:
        return list(session.scalars(query))


def upload_by(hub: Hub, upload_id: str, actor: str) -> Upload | None:
    """The upload, if ``actor`` made it: an id carried by someone else learns nothing."""
    with hub.session() as session:
        upload = session.get(Upload, upload_id)
    return upload if upload is not None and upload.actor == actor else None


def first_name(hub: Hub, account_id: int | None) -> str:
    """An account's first name, as the chat window labels the admin."""
    if account_id is None:
        return ""
    with hub.session() as session:
        account = session.get(Account, account_id)
    return account.first_name if account is not None else ""
