"""Slack listeners for the school-admin upload conversation (direct messages only).

They translate Slack events into calls on :class:`bots.conversation.UploadConversation` and
deliver what it answers. Who the person is comes from ``users.info`` (the email on their Slack
profile, which Slack verifies), never from anything they typed.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import App, BoltContext
from slack_bolt.context.ack import Ack
from slack_sdk import WebClient

from bots import payload
from bots.blocks import answered, message_text, parse_choice
from bots.conversation import Person, UploadConversation
from bots.delivery import deliver
from bots.replies import Outcome
from bots.slack_files import SLACK_FAILURES, SlackFiles, slack_error
from bots.upload_progress import ChatProgress
from hub import limits
from hub.context import Hub
from hub.uploads.progress import reporting

log = logging.getLogger(__name__)

# Message subtypes that are a person talking (plain text, or a file with optional text).
_PERSON_SUBTYPES = (None, "file_share")


def email_of(client: WebClient, user: str) -> str | None:
    """The verified email on a Slack profile (needs ``users:read.email``); None for bots,
    deactivated users, or when Slack will not say."""
    try:
        info: dict[str, Any] = client.users_info(user=user)["user"]
    except SLACK_FAILURES as exc:
        log.warning("users.info failed for %s: %s", user, slack_error(exc))
        return None
    if info.get("is_bot") or info.get("deleted"):
        return None
    email = (info.get("profile") or {}).get("email")
    return str(email) if email else None


def _objects(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def is_direct(channel: str | None, channel_type: str | None = None) -> bool:
    return channel_type == "im" or (channel or "").startswith("D")


def register(app: App, *, hub: Hub, conversation: UploadConversation) -> None:
    settings = hub.settings

    def files_for(client: WebClient) -> SlackFiles:
        return SlackFiles(client, api_url=settings.slack_api_url, max_bytes=limits.MAX_FILE_BYTES)

    def send(
        client: WebClient, outcome: Outcome, *, channel: str, user: str, thread: str | None
    ) -> None:
        deliver(
            client,
            outcome.replies,
            channel=channel,
            user=user,
            thread_ts=outcome.thread or thread,
            support_channel=settings.support_channel,
        )

    def on_message(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        channel, user = payload.id_of(event, "channel"), payload.id_of(event, "user")
        if not channel or not user or not is_direct(channel, payload.text(event, "channel_type")):
            return
        if event.get("subtype") not in _PERSON_SUBTYPES or event.get("bot_id"):
            return
        if user == context.bot_user_id:
            return
        person = Person(user, email_of(client, user))
        files = files_for(client)
        shared = [f for f in _objects(event.get("files")) if payload.text(f, "id")]
        thread = payload.text(event, "thread_ts") or payload.text(event, "ts")
        if shared:
            for item in shared:
                outcome = conversation.on_file(
                    channel=channel, person=person, file_id=item["id"], files=files, thread=thread
                )
                send(client, outcome, channel=channel, user=user, thread=thread)
            return
        text = (payload.text(event, "text") or "").strip()
        if text:
            outcome = conversation.on_text(channel=channel, person=person, text=text, files=files)
            send(client, outcome, channel=channel, user=user, thread=None)

    def on_file_shared(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        channel, user = payload.text(event, "channel_id"), payload.text(event, "user_id")
        file_id = payload.text(event, "file_id") or payload.id_of(event, "file")
        if not channel or not user or not file_id or not is_direct(channel):
            return
        if user == context.bot_user_id:
            return
        person = Person(user, email_of(client, user))
        outcome = conversation.on_file(
            channel=channel, person=person, file_id=file_id, files=files_for(client)
        )
        send(client, outcome, channel=channel, user=user, thread=None)

    def on_choice(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        choice = parse_choice(payload.text(action, "action_id") or "")
        user = payload.id_of(body, "user")
        channel = payload.id_of(body, "channel") or payload.text(
            payload.obj(body, "container"), "channel_id"
        )
        if choice is None or not user or not channel:
            return
        message = payload.obj(body, "message")
        thread = payload.text(message, "thread_ts")
        ts = payload.text(message, "ts")
        person = Person(user, email_of(client, user))
        with reporting(ChatProgress(client, channel=channel, thread=thread)):
            outcome = conversation.on_choice(
                channel=channel,
                person=person,
                choice=choice,
                value=payload.text(action, "value") or "",
                files=files_for(client),
            )
        if outcome.clicked_note and ts:
            text = message_text(message.get("blocks")) or payload.text(message, "text") or ""
            try:
                client.chat_update(
                    channel=channel,
                    ts=ts,
                    text=text,
                    blocks=answered(text, outcome.clicked_note, user),
                )
            except SLACK_FAILURES as exc:
                log.warning("could not update the answered message: %s", slack_error(exc))
        send(client, outcome, channel=channel, user=user, thread=thread)

    app.event("message")(on_message)
    app.event("file_shared")(on_file_shared)
    app.action(re.compile(r"^conv\."))(on_choice)
