"""Turn the conversation's plain replies into Slack messages and files.

Text always goes out as a message (so it is searchable and threads stay readable); an
attachment follows as a file in the same place. Private attachments go to the person's own DM
channel, opened afresh with ``conversations.open`` rather than trusting where the request came
from. A failure to deliver one reply is logged and, for a private file, told to the person;
the rest still go out.
"""

from __future__ import annotations

import logging

from slack_sdk import WebClient

from bots.blocks import reply_blocks
from bots.replies import Reply
from bots.slack_files import SLACK_FAILURES, SlackCallFailed, open_dm, send_file, slack_error

log = logging.getLogger(__name__)


def post(
    client: WebClient, *, channel: str, reply: Reply, thread_ts: str | None = None
) -> str | None:
    """Post one reply's text (and buttons); returns the message ts."""
    response = client.chat_postMessage(
        channel=channel, text=reply.text, blocks=reply_blocks(reply), thread_ts=thread_ts
    )
    ts = response.get("ts")
    return str(ts) if ts else None


def deliver(
    client: WebClient,
    replies: list[Reply],
    *,
    channel: str,
    user: str,
    thread_ts: str | None,
    support_channel: str | None,
) -> None:
    for reply in replies:
        where = thread_ts if reply.about_file else None
        try:
            if reply.to_support:
                if support_channel:
                    post(client, channel=support_channel, reply=reply)
                continue
            if reply.private and reply.attachment is not None:
                send_file(
                    client,
                    channel=open_dm(client, user),
                    filename=reply.attachment.filename,
                    content=reply.attachment.content,
                    title=reply.attachment.title,
                    comment=reply.text,
                )
                continue
            post(client, channel=channel, reply=reply, thread_ts=where)
            if reply.attachment is not None:
                send_file(
                    client,
                    channel=channel,
                    filename=reply.attachment.filename,
                    content=reply.attachment.content,
                    title=reply.attachment.title,
                    thread_ts=where,
                )
        except (*SLACK_FAILURES, SlackCallFailed) as exc:
            reason = slack_error(exc) if not isinstance(exc, SlackCallFailed) else str(exc)
            log.warning("could not deliver a reply in %s: %s", channel, reason)
            if reply.private:
                _tell(
                    client,
                    channel,
                    "I applied your upload but could not send you the passwords file "
                    f"({reason}). Please ask your support contact to reset those passwords.",
                )


def _tell(client: WebClient, channel: str, text: str) -> None:
    try:
        client.chat_postMessage(channel=channel, text=text)
    except SLACK_FAILURES as exc:
        log.warning("could not post in %s: %s", channel, slack_error(exc))
