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
from slack_sdk.errors import SlackApiError, SlackRequestError

from bots.blocks import answered, message_text, parse_choice
from bots.conversation import Person, UploadConversation
from bots.delivery import deliver
from bots.replies import Outcome
from bots.slack_files import SlackFiles, slack_error
from hub import limits
from hub.context import Hub

log = logging.getLogger(__name__)

# Message subtypes that are a person talking (plain text, or a file with optional text).
_PERSON_SUBTYPES = (None, "file_share")


def email_of(client: WebClient, user: str) -> str | None:
    """The verified email on a Slack profile (needs ``users:read.email``); None for bots,
    deactivated users, or when Slack will not say."""
    try:
        info: dict[str, Any] = client.users_info(user=user)["user"]
    except (SlackApiError, SlackRequestError) as exc:
        log.warning("users.info failed for %s: %s", user, slack_error(exc))
        return None
    if info.get("is_bot") or info.get("deleted"):
        return None
    email = (info.get("profile") or {}).get("email")
    return str(email) if email else None


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
        channel, user = event.get("channel"), event.get("user")
        if not channel or not user or not is_direct(channel, event.get("channel_type")):
            return
        if event.get("subtype") not in _PERSON_SUBTYPES or event.get("bot_id"):
            return
        if user == context.bot_user_id:
            return
        person = Person(user, email_of(client, user))
        files = files_for(client)
        shared = [f for f in event.get("files") or [] if f.get("id")]
        thread = event.get("thread_ts") or event.get("ts")
        if shared:
            for item in shared:
                outcome = conversation.on_file(
                    channel=channel, person=person, file_id=item["id"], files=files, thread=thread
                )
                send(client, outcome, channel=channel, user=user, thread=thread)
            return
        text = (event.get("text") or "").strip()
        if text:
            outcome = conversation.on_text(channel=channel, person=person, text=text, files=files)
            send(client, outcome, channel=channel, user=user, thread=None)

    def on_file_shared(event: dict[str, Any], client: WebClient, context: BoltContext) -> None:
        channel, user = event.get("channel_id"), event.get("user_id")
        file_id = event.get("file_id") or (event.get("file") or {}).get("id")
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
        choice = parse_choice(str(action.get("action_id", "")))
        user = (body.get("user") or {}).get("id")
        channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
            "channel_id"
        )
        if choice is None or not user or not channel:
            return
        message: dict[str, Any] = body.get("message") or {}
        thread = message.get("thread_ts")
        person = Person(user, email_of(client, user))
        outcome = conversation.on_choice(
            channel=channel,
            person=person,
            choice=choice,
            value=str(action.get("value") or ""),
            files=files_for(client),
        )
        if outcome.clicked_note and message.get("ts"):
            text = message_text(message.get("blocks") or []) or message.get("text") or ""
            try:
                client.chat_update(
                    channel=channel,
                    ts=message["ts"],
                    text=text,
                    blocks=answered(text, outcome.clicked_note, user),
                )
            except (SlackApiError, SlackRequestError) as exc:
                log.warning("could not update the answered message: %s", slack_error(exc))
        send(client, outcome, channel=channel, user=user, thread=thread)

    app.event("message")(on_message)
    app.event("file_shared")(on_file_shared)
    app.action(re.compile(r"^conv\."))(on_choice)
