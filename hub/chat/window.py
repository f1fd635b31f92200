"""What the console's chat window does with what an admin sends, whoever answers it.

The window's routes (:mod:`hub.console.chat`) call these functions; the answers come from a
:class:`Dialogue` (the upload assistant, which the chat bots register when the service
starts) and from people: a :class:`Relay` (the support channel's thread, when the chat app is
set up) hears everything the admin types, never a file's contents. Both are registered on the
hub, the way :mod:`hub.resync_requests` takes its notifiers, so the core never imports a bot.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Protocol

from hub.chat import store
from hub.context import Hub
from hub.errors import UsageError
from hub.models import ChatConversation, utcnow

log = logging.getLogger(__name__)

MESSAGES_PER_MINUTE = 20
FILES_PER_TEN_MINUTES = 10
_ATTRIBUTE = "_chat_window"
_lock = threading.Lock()


class RateLimited(UsageError):
    """Too many messages or files in a short time."""


class Dialogue(Protocol):
    """The assistant: answers by adding lines to the conversation."""

    def begin(self, conversation: ChatConversation) -> None: ...

    def said(self, conversation: ChatConversation, text: str) -> None: ...

    def chose(self, conversation: ChatConversation, choice: str, value: str) -> str | None:
        """Act on a pressed button; returns the note that replaces the buttons."""
        ...

    def sent(self, conversation: ChatConversation, filename: str, content: bytes) -> None: ...

    def refresh(self, conversation: ChatConversation) -> None:
        """Tell the window what changed meanwhile (a run it asked for)."""
        ...


class Relay(Protocol):
    """Where support hears the conversation (a thread per conversation)."""

    def post(self, conversation: ChatConversation, text: str) -> None: ...


def _parts(hub: Hub) -> dict[str, object]:
    with _lock:
        found: dict[str, object] = hub.__dict__.setdefault(_ATTRIBUTE, {})
        return found


def set_dialogue(hub: Hub, dialogue: Dialogue | None) -> None:
    _parts(hub)["dialogue"] = dialogue


def set_relay(hub: Hub, relay: Relay | None) -> None:
    _parts(hub)["relay"] = relay


def dialogue_of(hub: Hub) -> Dialogue | None:
    found = _parts(hub).get("dialogue")
    return found  # type: ignore[return-value]


def relay_of(hub: Hub) -> Relay | None:
    found = _parts(hub).get("relay")
    return found  # type: ignore[return-value]


def tell_support(hub: Hub, conversation: ChatConversation, text: str) -> None:
    """Post ``text`` to the conversation's support thread, if there is one; chat being down
    never stops the window."""
    relay = relay_of(hub)
    if relay is None:
        return
    try:
        relay.post(conversation, text)
    except Exception:  # noqa: BLE001 - the admin's window works while support's chat is down
        log.exception("could not post to the support thread of %s", conversation.id)


def _check_rate(hub: Hub, conversation: ChatConversation, *, upload: bool) -> None:
    now = utcnow()
    if recent := store.recent(
        hub, conversation.id, since=now - timedelta(minutes=1), uploads=False
    ):
        if recent >= MESSAGES_PER_MINUTE:
            msg = "You are sending messages very fast; please wait a minute and try again."
            raise RateLimited(msg)
    if upload:
        files = store.recent(hub, conversation.id, since=now - timedelta(minutes=10), uploads=True)
        if files >= FILES_PER_TEN_MINUTES:
            msg = (
                f"You have sent {files} files in the last ten minutes; please wait a few "
                "minutes before sending another."
            )
            raise RateLimited(msg)


def _assistant(hub: Hub) -> Dialogue:
    dialogue = dialogue_of(hub)
    if dialogue is None:
        msg = "the chat assistant is not running on this server"
        raise UsageError(msg)
    return dialogue


def begin(hub: Hub, conversation: ChatConversation) -> None:
    """The window was opened to bulk add accounts: the assistant asks its first question."""
    _check_rate(hub, conversation, upload=False)
    _assistant(hub).begin(conversation)


def say(hub: Hub, conversation: ChatConversation, text: str) -> None:
    text = text.strip()
    if not text:
        msg = "Type a message first."
        raise UsageError(msg)
    if len(text) > store.MAX_TEXT:
        msg = f"A message can be at most {store.MAX_TEXT} characters."
        raise UsageError(msg)
    _check_rate(hub, conversation, upload=False)
    store.add_line(hub, conversation.id, author=store.ADMIN, text=text, name=conversation.name)
    tell_support(hub, conversation, f"*{conversation.name or conversation.email}*: {text}")
    _assistant(hub).said(conversation, text)


def choose(hub: Hub, conversation: ChatConversation, line_id: int, choice: str, value: str) -> None:
    """A button pressed on one of this conversation's lines (only buttons it offered)."""
    if not store.offered_choice(hub, conversation.id, line_id, choice, value):
        msg = "That choice is no longer open."
        raise UsageError(msg)
    _check_rate(hub, conversation, upload=False)
    label = next(
        (
            b.label
            for line in store.lines(hub, conversation.id, after=line_id - 1, limit=1)
            for b in line.buttons
            if b.choice == choice and b.value == value
        ),
        choice,
    )
    store.add_line(hub, conversation.id, author=store.ADMIN, text=label, name=conversation.name)
    tell_support(hub, conversation, f"*{conversation.name or conversation.email}* chose “{label}”")
    note = _assistant(hub).chose(conversation, choice, value)
    store.answer(hub, conversation.id, line_id, note or label)


def send_file(hub: Hub, conversation: ChatConversation, filename: str, content: bytes) -> None:
    _check_rate(hub, conversation, upload=True)
    store.add_line(
        hub,
        conversation.id,
        author=store.ADMIN,
        text=f"Sent {filename}",
        name=conversation.name,
        has_upload=True,
    )
    tell_support(
        hub,
        conversation,
        f"*{conversation.name or conversation.email}* sent a file ({len(content):,} bytes).",
    )
    _assistant(hub).sent(conversation, filename, content)


def refresh(hub: Hub, conversation: ChatConversation) -> None:
    dialogue = dialogue_of(hub)
    if dialogue is not None:
        dialogue.refresh(conversation)


def agent_said(hub: Hub, conversation: ChatConversation, *, name: str, text: str) -> int:
    """A support agent's reply (from the thread or the console) in the admin's window."""
    return store.add_line(hub, conversation.id, author=store.AGENT, name=name, text=text)
