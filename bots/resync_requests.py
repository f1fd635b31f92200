"""School admins' resync requests (made in the web console) in the support channel: one
message per request with an "Approve resync" button; only support agents' clicks count, and
approving queues the school's runs exactly as the console's Approve does."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bots import blocks
from bots.commands import REFUSED, is_agent
from bots.slack_files import slack_error
from hub import resync_requests
from hub.chat import store as chat_store
from hub.context import Hub
from hub.errors import HubError
from hub.models import ResyncRequest, School

log = logging.getLogger(__name__)

APPROVE_RESYNC = "resync_request.approve"


def request_text(row: ResyncRequest, school: School) -> str:
    who = row.requested_by.removeprefix("console:")
    lines = [f"*{school.name}* asks for a resync (from {who} in the web console)."]
    if row.note:
        lines.append(f"> {row.note}")
    lines.append("Approve to sync the school's integrations now.")
    return "\n".join(lines)


def request_blocks(text: str, request_id: str) -> list[dict[str, Any]]:
    return [
        *blocks.sections(text),
        {
            "type": "actions",
            "elements": [blocks.button("Approve resync", APPROVE_RESYNC, request_id, "primary")],
        },
    ]


def chat_thread(hub: Hub, row: ResyncRequest, channel: str) -> str | None:
    """The requester's chat window thread, where the request belongs when they have one."""
    email = row.requested_by.removeprefix("console:")
    conversation = chat_store.latest_for(hub, school_id=row.school_id, email=email)
    if conversation is None or conversation.slack_channel != channel:
        return None
    return conversation.slack_thread


def notifier(client: WebClient, channel: str) -> resync_requests.Notifier:
    """Posts each new request in ``channel``."""

    def notify(hub: Hub, row: ResyncRequest, school: School) -> None:
        text = request_text(row, school)
        thread = chat_thread(hub, row, channel)
        try:
            client.chat_postMessage(
                channel=channel, thread_ts=thread, text=text, blocks=request_blocks(text, row.id)
            )
        except (SlackApiError, SlackRequestError) as exc:
            log.warning("could not post resync request %s: %s", row.id, slack_error(exc))

    return notify


def register(app: App, *, hub: Hub, client: WebClient) -> None:
    support = hub.settings.support_channel
    if support:
        resync_requests.set_notifier(hub, "slack", notifier(client, support))

    def on_approve(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], respond: Respond
    ) -> None:
        ack()
        user = (body.get("user") or {}).get("id")
        if not is_agent(hub, user) or not user:
            respond(text=REFUSED, response_type="ephemeral", replace_original=False)
            return
        try:
            outcome = resync_requests.approve_request(
                hub, str(action.get("value") or ""), actor=f"slack:{user}", trigger="chat"
            )
        except HubError as exc:
            respond(text=f"Not approved: {exc}", response_type="ephemeral", replace_original=False)
            return
        queued = ", ".join(f"`{run.id}`" for run in outcome["runs"]) or "none"
        text = f"Resync approved by <@{user}>: runs queued {queued}."
        if outcome["failures"]:
            text += " Not queued: " + "; ".join(outcome["failures"])
        message = body.get("message") or {}
        original = blocks.message_text(message.get("blocks") or []) or message.get("text") or ""
        respond(
            text=f"{original}\n{text}",
            blocks=blocks.sections(f"{original}\n{text}"),
            replace_original=True,
        )

    app.action(APPROVE_RESYNC)(on_approve)
