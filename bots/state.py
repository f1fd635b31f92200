"""Conversation state in the database, changed by compare-and-swap.

Slack delivers one shared file twice (a ``message`` event and a ``file_shared`` event), often
at the same moment on two threads (or two processes), and a button can be clicked twice. Every
change therefore re-reads the row and writes it back only if nobody else wrote in between
(``updated_at`` is the version); a loser re-reads and decides again on fresh state.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hub.context import Hub
from hub.models import Conversation, utcnow

T = TypeVar("T")

START = "start"
CHOOSING_SCHOOL = "choosing_school"
ASKED_BULK = "asked_bulk"
ASKED_PROVIDER = "asked_provider"
AWAITING_FILE = "awaiting_file"
PREVIEW = "preview"
APPLYING = "applying"
# A rooms file instead of accounts: the admin said so, one waits for Confirm, one is applying.
AWAITING_ROOMS = "awaiting_rooms"
ROOMS_PREVIEW = "rooms_preview"
ROOMS_APPLYING = "rooms_applying"

SEEN_FILES_KEPT = 200
_ATTEMPTS = 20
_locks: dict[tuple[str, str], threading.Lock] = {}
_locks_guard = threading.Lock()


class ConflictError(RuntimeError):
    """The row kept changing under us; practically impossible outside a bug."""


@dataclass
class State:
    """A plain copy of one conversation row; changed by the functions given to :func:`change`."""

    channel: str
    user: str
    state: str = START
    school_id: str | None = None
    upload_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def claim_file(self, file_id: str) -> bool:
        """Mark a file as handled; False when it already was (the second event about it)."""
        seen: list[str] = list(self.data.get("seen_files", []))
        if file_id in seen:
            return False
        seen.append(file_id)
        self.data["seen_files"] = seen[-SEEN_FILES_KEPT:]
        return True

    def stamp(self, key: str) -> None:
        self.data[key] = utcnow().isoformat()

    def age(self, key: str) -> timedelta | None:
        value = self.data.get(key)
        if not value:
            return None
        return utcnow() - datetime.fromisoformat(value)


def _lock(channel: str, user: str) -> threading.Lock:
    with _locks_guard:
        return _locks.setdefault((channel, user), threading.Lock())


def _row(hub: Hub, channel: str, user: str) -> Conversation:
    with hub.session() as session:
        row = session.exec(
            select(Conversation).where(Conversation.channel == channel, Conversation.user == user)
        ).first()
        if row is not None:
            return row
    try:
        with hub.transaction() as session:
            row = Conversation(channel=channel, user=user)
            session.add(row)
        return row
    except IntegrityError:  # created at the same moment elsewhere
        with hub.session() as session:
            found = session.exec(
                select(Conversation).where(
                    Conversation.channel == channel, Conversation.user == user
                )
            ).one()
        return found


def peek(hub: Hub, *, channel: str, user: str) -> tuple[str, str | None] | None:
    """(state, upload id) of a conversation, if it has begun; one read, nothing created."""
    query = select(Conversation.state, Conversation.upload_id).where(
        Conversation.channel == channel, Conversation.user == user
    )
    with hub.session() as session:
        row = session.exec(query).first()
    return None if row is None else (row[0], row[1])


def load(hub: Hub, *, channel: str, user: str) -> State:
    row = _row(hub, channel, user)
    return State(
        channel=row.channel,
        user=row.user,
        state=row.state,
        school_id=row.school_id,
        upload_id=row.upload_id,
        data=copy.deepcopy(row.data or {}),
    )


def change(hub: Hub, *, channel: str, user: str, mutate: Callable[[State], T]) -> T:
    """Apply ``mutate`` (pure: it may run more than once) to fresh state and store the result
    atomically. Returns what ``mutate`` returned on the attempt that was stored."""
    with _lock(channel, user):
        for _ in range(_ATTEMPTS):
            row = _row(hub, channel, user)
            current = State(
                channel=row.channel,
                user=row.user,
                state=row.state,
                school_id=row.school_id,
                upload_id=row.upload_id,
                data=copy.deepcopy(row.data or {}),
            )
            result = mutate(current)
            now = utcnow()
            if row.updated_at is not None and now <= aware(row.updated_at):
                now = aware(row.updated_at) + timedelta(microseconds=1)
            with hub.transaction() as session:
                outcome = session.execute(
                    update(Conversation)
                    .where(
                        col(Conversation.id) == row.id,
                        col(Conversation.updated_at) == row.updated_at,
                    )
                    .values(
                        state=current.state,
                        school_id=current.school_id,
                        upload_id=current.upload_id,
                        data=current.data,
                        updated_at=now,
                    )
                )
            if outcome.rowcount == 1:
                return result
        msg = f"conversation {channel}/{user} kept changing; giving up"
        raise ConflictError(msg)


def aware(value: datetime) -> datetime:
    """SQLite hands datetimes back naive; they are UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
