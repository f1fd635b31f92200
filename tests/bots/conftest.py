"""The Slack app under test: the service's FastAPI app (with the Slack router and the embedded
worker) talking to a fake Slack Web API on loopback, driven with signed requests."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from pydantic import SecretStr

from bots import resync
from hub import hookimpl, integrations, schools
from hub.accounts import add_manual_account
from hub.context import Hub
from hub.plugins import make_plugin_manager
from hub.provider import CheckResult, Provider, ProviderSettings, Source
from hub.roster import Item, RosterRecord
from hub.server import build_app
from hub.testing import serve
from tests.bots.fake_slack import FakeFile, FakeSlack

TOKEN = "xoxb-test-0000-secret-bot-token"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
AGENT = "UAGENT"
SUPPORT = "CSUPPORT"
ADMIN = "UADMIN"
ADMIN_DM = "DUADMIN"
STRANGER = "USTRANGER"

# -- a provider whose roster the test controls ---------------------------------------------

ROSTERS: dict[str, list[RosterRecord]] = {}


class ListSettings(ProviderSettings):
    roster: str


class ListProvider(Provider):
    """Returns ``ROSTERS[roster]``: lets a test grow, shrink or empty a provider's roster."""

    name = "listed"
    title = "Listed (tests)"
    Settings = ListSettings

    def check(self) -> CheckResult:
        return CheckResult(True, "ok", [Source("s1", "School 1")])

    def sources(self) -> list[Source]:
        return [Source("s1", "School 1")]

    def fetch(self) -> Iterator[Item]:
        yield from ROSTERS.get(self.settings.roster, [])  # type: ignore[attr-defined]


def people(count: int, *, domain: str = "lincoln.example.org") -> list[RosterRecord]:
    return [
        RosterRecord(
            external_id=f"p{i}",
            email=f"student{i}@{domain}",
            first_name=f"Stu{i}",
            last_name="Dent",
            roles=frozenset({"student"}),
        )
        for i in range(count)
    ]


_plugin = SimpleNamespace(rosterhub_register_providers=hookimpl(lambda: [ListProvider]))

# -- signing --------------------------------------------------------------------------------


def signature(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(
    body: str, *, content_type: str, timestamp: int | None = None, secret: str = SIGNING_SECRET
) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else timestamp
    return {
        "content-type": content_type,
        "x-slack-request-timestamp": str(ts),
        "x-slack-signature": signature(body, ts, secret),
    }


def resync_form(
    integration: str, *, trigger: str = "t", response_url: str = "http://127.0.0.1:9/respond"
) -> str:
    """A support agent's ``/rosterhub resync`` as Slack posts it (form-encoded)."""
    return urlencode(
        {
            "command": "/rosterhub",
            "text": f"resync {integration}",
            "user_id": AGENT,
            "channel_id": "COPS",
            "team_id": "T1",
            "response_url": response_url,
            "trigger_id": trigger,
        }
    )


# -- the driver -----------------------------------------------------------------------------


@dataclass
class Slack:
    """Sends what Slack would send, signed; reads what the app sent back to the fake."""

    hub: Hub
    http: TestClient
    fake: FakeSlack
    _n: int = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    def post_form(self, form: dict[str, str], **kw: Any) -> Any:
        body = urlencode(form)
        headers = signed_headers(body, content_type="application/x-www-form-urlencoded", **kw)
        return self.http.post("/slack/events", content=body, headers=headers)

    def post_json(self, payload: dict[str, Any], **kw: Any) -> Any:
        body = json.dumps(payload)
        headers = signed_headers(body, content_type="application/json", **kw)
        return self.http.post("/slack/events", content=body, headers=headers)

    def command(self, user: str, text: str, *, channel: str = "COPS") -> Any:
        return self.post_form(
            {
                "token": "legacy",
                "team_id": "T1",
                "channel_id": channel,
                "channel_name": "ops",
                "user_id": user,
                "user_name": user.lower(),
                "command": "/rosterhub",
                "text": text,
                "api_app_id": "A1",
                "response_url": f"{self.fake.base_url}/respond/{self._next()}",
                "trigger_id": f"trigger.{self._next()}",
            }
        )

    def event(self, event: dict[str, Any]) -> Any:
        n = self._next()
        return self.post_json(
            {
                "token": "legacy",
                "team_id": "T1",
                "api_app_id": "A1",
                "type": "event_callback",
                "event_id": f"Ev{n}",
                "event_time": int(time.time()),
                "event": event,
            }
        )

    def say(self, user: str, channel: str, text: str) -> Any:
        ts = f"1700001{self._next():03d}.000200"
        return self.event(
            {
                "type": "message",
                "channel": channel,
                "channel_type": "im",
                "user": user,
                "text": text,
                "ts": ts,
                "event_ts": ts,
            }
        )

    def share(self, user: str, channel: str, file: FakeFile, *, both: bool = True) -> str:
        """Share a file in a DM: a ``message`` (subtype file_share) and, like Slack, a
        ``file_shared`` event too."""
        self.fake.add_file(file)
        ts = f"1700002{self._next():03d}.000300"
        file.share_ts = ts
        response = self.event(
            {
                "type": "message",
                "subtype": "file_share",
                "channel": channel,
                "channel_type": "im",
                "user": user,
                "text": "",
                "ts": ts,
                "event_ts": ts,
                "files": [{"id": file.id, "name": file.name, "size": len(file.content)}],
            }
        )
        assert response.status_code == 200
        if both:
            shared = self.event(
                {
                    "type": "file_shared",
                    "channel_id": channel,
                    "file_id": file.id,
                    "user_id": user,
                    "file": {"id": file.id},
                    "event_ts": ts,
                }
            )
            assert shared.status_code == 200
        return ts

    def click(
        self, user: str, channel: str, *, action_id: str, value: str, message: dict[str, Any]
    ) -> Any:
        payload = {
            "type": "block_actions",
            "team": {"id": "T1", "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": "T1"},
            "api_app_id": "A1",
            "token": "legacy",
            "container": {
                "type": "message",
                "message_ts": message["ts"],
                "channel_id": channel,
                "is_ephemeral": False,
            },
            "trigger_id": f"trigger.{self._next()}",
            "channel": {"id": channel, "name": "directmessage"},
            "message": {"type": "message", "user": "UBOT", **message},
            "response_url": f"{self.fake.base_url}/respond/{self._next()}",
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": "b1",
                    "value": value,
                    "action_ts": str(time.time()),
                    "text": {"type": "plain_text", "text": "x"},
                }
            ],
        }
        return self.post_form({"payload": json.dumps(payload)})

    def press(self, user: str, channel: str, label: str, *, after: int = 0) -> Any:
        """Press the button labelled ``label`` on the newest message that has it."""
        message, channel_of = self.find_button_message(label, channel=channel, after=after)
        button = next(
            e
            for b in message["blocks"]
            if b.get("type") == "actions"
            for e in b["elements"]
            if e["text"]["text"] == label
        )
        return self.click(
            user,
            channel_of,
            action_id=button["action_id"],
            value=button["value"],
            message={
                k: v for k, v in message.items() if k in ("ts", "text", "blocks", "thread_ts")
            },
        )

    def find_button_message(
        self, label: str, *, channel: str, after: int = 0
    ) -> tuple[dict[str, Any], str]:
        def find() -> tuple[dict[str, Any], str] | None:
            for (ch, _ts), message in reversed(list(self.fake.messages.items())[after:]):
                if ch != channel:
                    continue
                for block in message.get("blocks") or []:
                    if block.get("type") == "actions" and any(
                        e["text"]["text"] == label for e in block["elements"]
                    ):
                        return message, ch
            return None

        return self.fake.wait_for(find, what=f"a message with a '{label}' button")


# -- fixtures -------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _fast_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(resync, "POLL_SECONDS", 0.05)


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    fake = FakeSlack(token=TOKEN)
    with serve(fake.app()) as url:
        fake.base_url = url
        fake.add_user(AGENT, "agent@support.example.com")
        fake.add_user(STRANGER, "stranger@example.com")
        fake.add_user(ADMIN, "Principal@Lincoln.example.org")
        yield fake


def slack_settings_hub(hub: Hub, fake: FakeSlack) -> Hub:
    settings = hub.settings.model_copy(
        update={
            "slack_bot_token": SecretStr(TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_api_url": f"{fake.base_url}/api/",
            "support_channel": SUPPORT,
            "support_agents_raw": AGENT,
        }
    )
    return Hub(settings=settings, engine=hub.engine, pm=make_plugin_manager(extra=[_plugin]))


@pytest.fixture
def slack_hub(hub: Hub, fake_slack: FakeSlack) -> Hub:
    return slack_settings_hub(hub, fake_slack)


@dataclass
class District:
    lincoln: str
    jefferson: str
    integration: str


@pytest.fixture
def district(slack_hub: Hub) -> District:
    """Two schools; Lincoln has a provider integration (10 students) and an admin who is also
    on Slack (``UADMIN``)."""
    lincoln = schools.create_school(slack_hub, name="Lincoln High", actor="test")
    jefferson = schools.create_school(slack_hub, name="Jefferson Middle", actor="test")
    key = f"lincoln-{lincoln.id}"
    ROSTERS[key] = people(10)
    integration = integrations.create_integration(
        slack_hub,
        school_id=lincoln.id,
        provider="listed",
        settings={"roster": key},
        secrets={},
        actor="test",
    )
    add_manual_account(
        slack_hub,
        school_id=lincoln.id,
        email="principal@lincoln.example.org",
        first_name="Pat",
        last_name="Principal",
        roles=["admin"],
        actor="test",
    )
    return District(lincoln.id, jefferson.id, integration.id)


@pytest.fixture
def slack(slack_hub: Hub, fake_slack: FakeSlack) -> Iterator[Slack]:
    app = build_app(slack_hub, scheduler=False)
    with TestClient(app) as http:
        yield Slack(slack_hub, http, fake_slack)


# -- spreadsheets ---------------------------------------------------------------------------


def workbook(sheets: dict[str, list[list[str]]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


HEADER = ["Email", "First Name", "Last Name", "Password"]
