"""The console chat window's conversations, stored: every line, who said it, the buttons the
assistant offered, and the files it handed over (so reloads, sign-ins and restarts keep it).

Text is stored as text and rendered escaped by the window. Files the assistant offers belong
to one conversation and are only handed to it; generated passwords are encrypted at rest and
handed over once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hub.context import Hub
from hub.errors import UsageError
from hub.models import ChatConversation, ChatFile, ChatMessage, iso, utcnow

ASSISTANT = "assistant"
AGENT = "agent"
ADMIN = "admin"
AUTHORS = (ASSISTANT, AGENT, ADMIN)
MAX_TEXT = 4000
PAGE = 500


@dataclass(frozen=True, slots=True)
class Choice:
    """A button the assistant offers: its label, the choice it makes and the value it carries."""

    label: str
    choice: str
    value: str = ""


@dataclass(frozen=True, slots=True)
class Offered:
    """A file a line links to, as the window shows it."""

    id: str
    title: str
    filename: str
    available: bool


@dataclass(frozen=True, slots=True)
class Line:
    """One stored line, with its file."""

    id: int
    author: str
    name: str
    text: str
    buttons: tuple[Choice, ...]
    file: Offered | None
    key: str | None
    progress: dict[str, Any] | None
    answered: str | None
    at: datetime


def conversation_for(
    hub: Hub, *, school_id: str, account_id: int, email: str, name: Callable[[], str]
) -> ChatConversation:
    """The admin's conversation at ``school_id`` (made the first time, labelled ``name()``:
    it is looked up only then)."""
    query = select(ChatConversation).where(
        ChatConversation.school_id == school_id, ChatConversation.account_id == account_id
    )
    with hub.session() as session:
        found = session.exec(query).first()
    if found is not None:
        return found
    try:
        with hub.transaction() as session:
            row = ChatConversation(
                school_id=school_id, account_id=account_id, email=email, name=name()[:200]
            )
            session.add(row)
        return row
    except IntegrityError:  # made at the same moment by another request
        with hub.session() as session:
            return session.exec(query).one()


def get_conversation(hub: Hub, conversation_id: str) -> ChatConversation:
    with hub.session() as session:
        row = session.get(ChatConversation, conversation_id)
    if row is None:
        msg = f"unknown conversation '{conversation_id}'"
        raise UsageError(msg)
    return row


def by_thread(hub: Hub, channel: str, thread: str) -> ChatConversation | None:
    """The conversation whose support thread this is."""
    with hub.session() as session:
        return session.exec(
            select(ChatConversation).where(
                ChatConversation.slack_channel == channel, ChatConversation.slack_thread == thread
            )
        ).first()


def latest_for(hub: Hub, *, school_id: str, email: str) -> ChatConversation | None:
    with hub.session() as session:
        return session.exec(
            select(ChatConversation)
            .where(ChatConversation.school_id == school_id, ChatConversation.email == email)
            .order_by(col(ChatConversation.updated_at).desc())
        ).first()


def set_thread(hub: Hub, conversation_id: str, *, channel: str, thread: str) -> bool:
    """Record the support thread; False when another request recorded one first."""
    with hub.transaction() as session:
        done = session.execute(
            update(ChatConversation)
            .where(
                col(ChatConversation.id) == conversation_id,
                col(ChatConversation.slack_thread).is_(None),
            )
            .values(slack_channel=channel, slack_thread=thread)
        ).rowcount
    return bool(done == 1)


def set_resync(hub: Hub, conversation_id: str, request_id: str | None) -> None:
    """The resync request whose runs the window follows (None: nothing to follow)."""
    with hub.transaction() as session:
        session.execute(
            update(ChatConversation)
            .where(col(ChatConversation.id) == conversation_id)
            .values(resync_request_id=request_id)
        )


def claim_report(hub: Hub, conversation_id: str, key: str) -> bool:
    """Note that ``key`` (a run's start or end) was told to the window; False when it was
    already (two windows polling at once tell it once)."""
    for _ in range(5):
        row = get_conversation(hub, conversation_id)
        reported = dict(row.reported or {})
        if key in reported:
            return False
        reported[key] = iso(utcnow())
        with hub.transaction() as session:
            done = session.execute(
                update(ChatConversation)
                .where(
                    col(ChatConversation.id) == conversation_id,
                    col(ChatConversation.updated_at) == row.updated_at,
                )
                .values(reported=reported, updated_at=utcnow())
            ).rowcount
        if done == 1:
            return True
    return False


def add_line(
    hub: Hub,
    conversation_id: str,
    *,
    author: str,
    text: str,
    name: str = "",
    buttons: Sequence[Choice] = (),
    file_id: str | None = None,
    key: str | None = None,
    progress: dict[str, Any] | None = None,
    has_upload: bool = False,
) -> int:
    """Store one line; returns its id (ids only grow, so the window asks for lines after one)."""
    if author not in AUTHORS:
        msg = f"unknown author '{author}'"
        raise UsageError(msg)
    row = ChatMessage(
        conversation_id=conversation_id,
        author=author,
        name=name[:200],
        text=text[:MAX_TEXT],
        buttons=[{"label": b.label, "choice": b.choice, "value": b.value} for b in buttons],
        file_id=file_id,
        key=key,
        progress=progress,
        has_upload=has_upload,
    )
    with hub.transaction() as session:
        session.add(row)
        session.flush()
        line_id = row.id
        session.execute(
            update(ChatConversation)
            .where(col(ChatConversation.id) == conversation_id)
            .values(updated_at=utcnow())
        )
    assert line_id is not None
    return line_id


def answer(hub: Hub, conversation_id: str, line_id: int, note: str) -> None:
    """The admin pressed one of this line's buttons: they are not offered again."""
    with hub.transaction() as session:
        session.execute(
            update(ChatMessage)
            .where(
                col(ChatMessage.id) == line_id,
                col(ChatMessage.conversation_id) == conversation_id,
            )
            .values(answered=note[:200])
        )


def offered_choice(hub: Hub, conversation_id: str, line_id: int, choice: str, value: str) -> bool:
    """Whether this conversation's line offered that button (a crafted request offers none)."""
    with hub.session() as session:
        row = session.get(ChatMessage, line_id)
    if row is None or row.conversation_id != conversation_id or row.answered:
        return False
    return any(b.get("choice") == choice and b.get("value") == value for b in row.buttons)


def lines(hub: Hub, conversation_id: str, *, after: int = 0, limit: int = PAGE) -> list[Line]:
    """Lines after ``after``, oldest first."""
    with hub.session() as session:
        rows = list(
            session.exec(
                select(ChatMessage)
                .where(ChatMessage.conversation_id == conversation_id, col(ChatMessage.id) > after)
                .order_by(col(ChatMessage.id))
                .limit(limit)
            )
        )
        file_ids = [r.file_id for r in rows if r.file_id]
        files = (
            {f.id: f for f in session.exec(select(ChatFile).where(col(ChatFile.id).in_(file_ids)))}
            if file_ids
            else {}
        )
    return [_line(row, files.get(row.file_id or "")) for row in rows]


def last_keyed(hub: Hub, conversation_id: str, key: str) -> Line | None:
    """The newest line with ``key`` (a progress line is written again under its key as it
    moves, so its time says when it last moved)."""
    with hub.session() as session:
        row = session.exec(
            select(ChatMessage)
            .where(ChatMessage.conversation_id == conversation_id, ChatMessage.key == key)
            .order_by(col(ChatMessage.id).desc())
            .limit(1)
        ).first()
    return None if row is None else _line(row, None)


def _line(row: ChatMessage, offered: ChatFile | None) -> Line:
    assert row.id is not None
    return Line(
        id=row.id,
        author=row.author,
        name=row.name,
        text=row.text,
        buttons=tuple(Choice(**b) for b in row.buttons),
        file=None
        if offered is None
        else Offered(offered.id, offered.title, offered.filename, offered.taken_at is None),
        key=row.key,
        progress=row.progress,
        answered=row.answered,
        at=row.created_at,
    )


def line_json(line: Line, file_url: str | None) -> dict[str, Any]:
    return {
        "id": line.id,
        "author": line.author,
        "name": line.name,
        "text": line.text,
        "buttons": [{"label": b.label, "choice": b.choice, "value": b.value} for b in line.buttons],
        "file": None
        if line.file is None
        else {
            "title": line.file.title,
            "filename": line.file.filename,
            "available": line.file.available,
            "url": file_url,
        },
        "key": line.key,
        "progress": line.progress,
        "answered": line.answered,
        "at": iso(line.at),
    }


def add_file(
    hub: Hub, conversation_id: str, *, filename: str, title: str, content: bytes, once: bool
) -> str:
    """Keep a file for the window; ``once`` ones (passwords) encrypted, for one download."""
    row = ChatFile(
        conversation_id=conversation_id,
        filename=filename[:255],
        title=title[:255],
        content=None if once else content,
        secret=hub.vault.encrypt(content) if once else None,
        once=once,
    )
    with hub.transaction() as session:
        session.add(row)
    return row.id


def take_file(hub: Hub, conversation_id: str, file_id: str) -> tuple[str, bytes] | None:
    """The file, if it belongs to this conversation and is still there; a ``once`` file is
    gone afterwards (two downloads at once: one wins)."""
    with hub.session() as session:
        row = session.get(ChatFile, file_id)
    if row is None or row.conversation_id != conversation_id or row.taken_at is not None:
        return None
    if not row.once:
        return row.filename, row.content or b""
    if row.secret is None:
        return None
    data = hub.vault.decrypt(row.secret)
    with hub.transaction() as session:
        taken = session.execute(
            update(ChatFile)
            .where(col(ChatFile.id) == row.id, col(ChatFile.taken_at).is_(None))
            .values(taken_at=utcnow(), secret=None)
        ).rowcount
    return (row.filename, data) if taken == 1 else None


def recent(hub: Hub, conversation_id: str, *, since: datetime, uploads: bool) -> int:
    """How many lines (or files) the admin sent since ``since``: what rate limits count."""
    query = select(func.count()).where(
        col(ChatMessage.conversation_id) == conversation_id,
        col(ChatMessage.author) == ADMIN,
        col(ChatMessage.created_at) >= since,
    )
    if uploads:
        query = query.where(col(ChatMessage.has_upload).is_(True))
    with hub.session() as session:
        return int(session.exec(query).one())


def conversations(
    hub: Hub, school_ids: Iterable[str] | None, *, limit: int = 200
) -> list[ChatConversation]:
    """Conversations newest first (``school_ids`` None: every school)."""
    query = select(ChatConversation)
    if school_ids is not None:
        query = query.where(col(ChatConversation.school_id).in_(list(school_ids)))
    query = query.order_by(col(ChatConversation.updated_at).desc()).limit(limit)
    with hub.session() as session:
        return list(session.exec(query))
