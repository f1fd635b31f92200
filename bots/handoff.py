"""Support's side of the console chat window: a thread per conversation in the support
channel.

The window's :class:`hub.chat.window.Relay` posts there what the admin types and what the
assistant did (counts and row errors; never a file's contents or a password). A support
agent's reply in the thread appears in the admin's window under the agent's first name; a
reply by anyone else is not passed on. In the thread an agent can also run the ``/rosterhub``
commands for that school (``rosterhub status``, ``rosterhub resync``, ``rosterhub approve
RUN``), typed as a message since Slack does not run slash commands in threads.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient

from bots import payload, resync
from bots.commands import approve_run, approved_text, is_agent, resync_targets, status_text
from bots.slack_files import SLACK_FAILURES, slack_error
from hub import schools
from hub.chat import store, window
from hub.context import Hub
from hub.errors import HubError
from hub.models import ChatConversation

log = logging.getLogger(__name__)

THREAD_COMMANDS = ("/rosterhub", "rosterhub")
THREAD_HELP = (
    "In this thread: `rosterhub status`, `rosterhub resync` (this school), "
    "`rosterhub approve RUN`. Anything else you write goes to the admin's chat window."
)


class SlackRelay:
    """Posts to the conversation's thread, opening it with a first message the first time."""

    def __init__(self, hub: Hub, client: WebClient, channel: str) -> None:
        self.hub = hub
        self.client = client
        self.channel = channel

    def thread_of(self, conversation: ChatConversation) -> str | None:
        fresh = store.get_conversation(self.hub, conversation.id)
        if fresh.slack_thread:
            return fresh.slack_thread
        school = schools.get_school(self.hub, fresh.school_id)
        who = f"{fresh.name} ({fresh.email})" if fresh.name else fresh.email
        text = (
            f"*{school.name}*: chat window conversation with {who}. Reply in this thread to "
            f"answer them.\n{THREAD_HELP}"
        )
        try:
            answer = self.client.chat_postMessage(channel=self.channel, text=text)
        except SLACK_FAILURES as exc:
            log.warning("could not open a support thread: %s", slack_error(exc))
            return None
        ts = str(answer["ts"])
        if store.set_thread(self.hub, fresh.id, channel=self.channel, thread=ts):
            return ts
        return store.get_conversation(self.hub, fresh.id).slack_thread

    def post(self, conversation: ChatConversation, text: str) -> None:
        thread = self.thread_of(conversation)
        if thread is None:
            return
        try:
            self.client.chat_postMessage(channel=self.channel, thread_ts=thread, text=text)
        except SLACK_FAILURES as exc:
            log.warning("could not post to support thread %s: %s", thread, slack_error(exc))


def first_name(client: WebClient, user: str) -> str:
    """What the admin sees an agent called: their first name from their Slack profile."""
    try:
        info: dict[str, Any] = client.users_info(user=user)["user"]
    except SLACK_FAILURES as exc:
        log.info("users.info failed for %s: %s", user, slack_error(exc))
        return "Support"
    profile = info.get("profile") or {}
    for name in (
        profile.get("first_name"),
        profile.get("real_name"),
        info.get("real_name"),
        profile.get("display_name"),
    ):
        if isinstance(name, str) and name.strip():
            return name.split()[0][:60]
    return "Support"


def _thread_command(
    hub: Hub,
    client: WebClient,
    conversation: ChatConversation,
    *,
    user: str,
    text: str,
    thread: str,
) -> str | None:
    """Run an agent's command for the thread's school; the answer, or None when the
    command posts its own progress."""
    words = text.split()
    verb = words[1].lower() if len(words) > 1 else "help"
    rest = " ".join(words[2:])
    try:
        if verb == "status":
            return status_text(hub, conversation.school_id)
        if verb == "resync":
            targets = resync_targets(hub, conversation.school_id)
            resync.start(
                hub,
                client,
                targets=targets,
                user=user,
                channel=conversation.slack_channel or "",
                thread_ts=thread,
            )
            return None
        if verb == "approve" and rest:
            return approved_text(approve_run(hub, rest, user=user, channel=None), user)
    except HubError as exc:
        return str(exc)
    return THREAD_HELP


def register(app: App, *, hub: Hub, client: WebClient) -> None:
    """The relay for the window, and the listener for replies in its threads."""
    channel = hub.settings.support_channel
    if not channel:
        return
    window.set_relay(hub, SlackRelay(hub, client, channel))

    def in_a_thread(event: dict[str, Any]) -> bool:
        return (
            payload.id_of(event, "channel") == channel
            and bool(payload.text(event, "thread_ts"))
            and payload.text(event, "thread_ts") != payload.text(event, "ts")
        )

    def on_reply(event: dict[str, Any], client: WebClient) -> None:
        user = payload.id_of(event, "user")
        thread = payload.text(event, "thread_ts") or ""
        if (
            not user
            or event.get("bot_id")
            or event.get("subtype") not in (None, "thread_broadcast")
        ):
            return
        conversation = store.by_thread(hub, channel, thread)
        if conversation is None:
            return
        if not is_agent(hub, user):
            log.info("a reply by %s, not a support agent, stays in the thread", user)
            return
        text = (payload.text(event, "text") or "").strip()
        if not text:
            return
        if text.split()[0].lower() in THREAD_COMMANDS:
            answer = _thread_command(hub, client, conversation, user=user, text=text, thread=thread)
            if answer:
                try:
                    client.chat_postMessage(channel=channel, thread_ts=thread, text=answer)
                except SLACK_FAILURES as exc:
                    log.warning("could not answer in thread %s: %s", thread, slack_error(exc))
            return
        window.agent_said(hub, conversation, name=first_name(client, user), text=text)

    app.event("message", matchers=[in_a_thread])(on_reply)
