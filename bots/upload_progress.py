"""Progress of a confirmed upload in chat: "applying 2,300 of 5,000", posted once and edited
as the passwords are hashed (``chat.update``, at most every :data:`EVERY_SECONDS`), then a last
edit when the rows are written. The dialogue (:mod:`bots.conversation`) knows nothing of it:
the listener sets it around the confirm with :func:`hub.uploads.progress.reporting`."""

from __future__ import annotations

import logging
import time

from slack_sdk import WebClient

from bots.slack_files import SLACK_FAILURES, slack_error

log = logging.getLogger(__name__)

EVERY_SECONDS = 2.0
"""Slack allows about one edit per second per message; every two leaves room for the rest."""
MIN_ROWS = 200
"""Smaller uploads apply in a moment: no progress message at all."""


def progress_text(done: int, total: int) -> str:
    if done >= total:
        return f"applied {total:,} of {total:,}"
    return f"applying {done:,} of {total:,}"


class ChatProgress:
    """A ``report(done, total)`` that posts and edits one message in a conversation."""

    def __init__(self, client: WebClient, *, channel: str, thread: str | None = None) -> None:
        self.client, self.channel, self.thread = client, channel, thread
        self.ts: str | None = None
        self._last = 0.0
        self._failed = False

    def __call__(self, done: int, total: int) -> None:
        if total < MIN_ROWS or self._failed:
            return
        now = time.monotonic()
        if self.ts is not None and done < total and now - self._last < EVERY_SECONDS:
            return
        self._last = now
        text = progress_text(done, total)
        try:
            if self.ts is None:
                answer = self.client.chat_postMessage(
                    channel=self.channel, text=text, thread_ts=self.thread
                )
                self.ts = str(answer.get("ts") or "") or None
            else:
                self.client.chat_update(channel=self.channel, ts=self.ts, text=text)
        except SLACK_FAILURES as exc:  # progress is a courtesy: the apply goes on
            self._failed = True
            log.warning("could not post upload progress: %s", slack_error(exc))
