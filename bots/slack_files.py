"""Files through the Slack Web API: describe (``files.info``), download (``url_private_download``
with the bot token) and send (``files.getUploadURLExternal`` + ``files.completeUploadExternal``;
the old ``files.upload`` is retired).

The bot token is only ever sent to Slack's own hosts (or the configured API host, for a
sandbox), so a download address that points elsewhere cannot collect it.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from bots.replies import FileMeta
from hub.errors import HubError

log = logging.getLogger(__name__)

DOWNLOAD_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_SLACK_DOMAINS = (".slack.com", ".slack-edge.com", ".slack-files.com")


# What a Web API call can raise: Slack's refusal, a bad request, or the network (slack_sdk
# lets urllib's URLError, an OSError, through when Slack cannot be reached at all).
SLACK_FAILURES = (SlackApiError, SlackRequestError, OSError)


class SlackCallFailed(HubError):
    """A Web API call failed; the message names Slack's error code, never a token."""


def api_base(url: str) -> str:
    """``SLACK_API_URL`` as the Web API client wants it (ending in a slash)."""
    return url if url.endswith("/") else url + "/"


def slack_error(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or "an error")
    return type(exc).__name__


def _trusted(url: str, api_url: str) -> bool:
    target = urlsplit(url)
    api = urlsplit(api_url)
    if target.scheme not in ("https", "http"):
        return False
    if target.hostname == api.hostname and target.port == api.port:
        return True
    host = target.hostname or ""
    return target.scheme == "https" and (host == "slack.com" or host.endswith(_SLACK_DOMAINS))


class SlackFiles:
    """Describe and read files shared with the bot (the conversation's ``FileSource``)."""

    def __init__(self, client: WebClient, *, api_url: str, max_bytes: int) -> None:
        self.client = client
        self.api_url = api_url
        self.max_bytes = max_bytes
        self._urls: dict[str, str] = {}

    def describe(self, file_id: str) -> FileMeta:
        try:
            info: dict[str, Any] = self.client.files_info(file=file_id)["file"]
        except SLACK_FAILURES as exc:
            msg = f"Slack answered files.info with {slack_error(exc)}"
            raise SlackCallFailed(msg) from None
        url = info.get("url_private_download") or info.get("url_private")
        if url:
            self._urls[file_id] = url
        return FileMeta(
            id=file_id,
            name=str(info.get("name") or info.get("title") or file_id),
            size=int(info.get("size") or 0),
            filetype=str(info.get("filetype") or ""),
            thread=_share_ts(info),
        )

    def fetch(self, meta: FileMeta) -> bytes:
        url = self._urls.get(meta.id)
        if url is None:
            self.describe(meta.id)
            url = self._urls.get(meta.id)
        if not url:
            msg = "Slack gave no download address for it"
            raise SlackCallFailed(msg)
        if not _trusted(url, self.api_url):
            msg = "its download address is not on Slack, so I won't send credentials there"
            raise SlackCallFailed(msg)
        token = self.client.token or ""
        chunks: list[bytes] = []
        received = 0
        try:
            with (
                httpx.Client(
                    timeout=DOWNLOAD_TIMEOUT, follow_redirects=True, max_redirects=5
                ) as http,
                http.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as response,
            ):
                if response.status_code != 200:
                    msg = f"Slack answered the download with HTTP {response.status_code}"
                    raise SlackCallFailed(msg)
                if response.headers.get("content-type", "").startswith("text/html"):
                    # Slack answers a download it won't authorize with its sign-in page.
                    msg = "Slack did not let the app read it (is the files:read scope granted?)"
                    raise SlackCallFailed(msg)
                for chunk in response.iter_bytes():
                    received += len(chunk)
                    if received > self.max_bytes:
                        msg = f"it is larger than {self.max_bytes // (1024 * 1024)} MB"
                        raise SlackCallFailed(msg)
                    chunks.append(chunk)
        except httpx.HTTPError as exc:
            msg = f"the download failed ({type(exc).__name__})"
            raise SlackCallFailed(msg) from None
        return b"".join(chunks)


def _share_ts(info: dict[str, Any]) -> str | None:
    """The timestamp of the message that shared the file (to reply in its thread)."""
    shares = info.get("shares") or {}
    for kind in ("private", "public"):
        for entries in (shares.get(kind) or {}).values():
            for entry in entries or []:
                ts = entry.get("thread_ts") or entry.get("ts")
                if ts:
                    return str(ts)
    return None


def open_dm(client: WebClient, user: str) -> str:
    """The bot's direct-message channel with ``user``."""
    try:
        return str(client.conversations_open(users=user)["channel"]["id"])
    except SLACK_FAILURES as exc:
        msg = f"Slack answered conversations.open with {slack_error(exc)}"
        raise SlackCallFailed(msg) from None


def send_file(
    client: WebClient,
    *,
    channel: str,
    filename: str,
    content: bytes,
    title: str,
    comment: str | None = None,
    thread_ts: str | None = None,
) -> None:
    """Share a file in ``channel`` (a DM channel for private files)."""
    try:
        client.files_upload_v2(
            channel=channel,
            filename=filename,
            content=content,
            title=title,
            initial_comment=comment,
            thread_ts=thread_ts,
        )
    except SLACK_FAILURES as exc:
        msg = f"Slack refused the file {filename}: {slack_error(exc)}"
        raise SlackCallFailed(msg) from None
