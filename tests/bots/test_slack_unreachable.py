"""When Slack cannot be reached at all, a call fails the way a refusal does: logged, the
conversation or watcher carries on. (slack_sdk raises urllib's URLError, not one of its own
errors, for a refused connection.)"""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from bots import resync
from bots.delivery import deliver
from bots.replies import Reply
from bots.slack_files import SlackCallFailed, SlackFiles, open_dm
from bots.uploads import email_of


@pytest.fixture
def nowhere() -> Iterator[str]:
    """The address of a port nothing listens on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    yield f"http://127.0.0.1:{port}/api/"


def test_calls_to_an_unreachable_slack_fail_softly(nowhere: str) -> None:
    client = WebClient(token="xoxb-unused", base_url=nowhere)
    assert email_of(client, "U1") is None
    with pytest.raises(SlackCallFailed):
        open_dm(client, "U1")
    with pytest.raises(SlackCallFailed):
        SlackFiles(client, api_url=nowhere, max_bytes=10).describe("F1")
    deliver(client, [Reply("hello")], channel="D1", user="U1", thread_ts=None, support_channel=None)
    resync._update(client, channel="C1", ts="1.2", text="progress")
