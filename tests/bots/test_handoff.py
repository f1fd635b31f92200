"""The chat window's support thread, against the fake Slack Web API with signed events: the
admin's words reach the thread, an agent's reply reaches the window, and "Sync my accounts
now" becomes an "Approve resync" that only agents can press, whose result the window shows."""

from __future__ import annotations

import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub import resync_requests
from hub.accounts import add_manual_account
from hub.chat import store
from tests.bots.conftest import AGENT, STRANGER, SUPPORT, District, Slack
from tests.bots.fake_slack import FakeSlack
from tests.console.conftest import csrf_of, sign_in

ADMIN_EMAIL = "dana@lincoln.example.org"


@pytest.fixture
def window(slack: Slack, district: District) -> tuple[TestClient, str]:
    _account, password = add_manual_account(
        slack.hub,
        school_id=district.lincoln,
        email=ADMIN_EMAIL,
        first_name="Dana",
        last_name="Dean",
        roles=["admin"],
        actor="test",
    )
    assert password
    sign_in(slack.http, ADMIN_EMAIL, password)
    return slack.http, csrf_of(slack.http)


def lines(client: TestClient) -> list[dict[str, Any]]:
    return list(client.get("/console/chat/lines").json()["lines"])


def wait_line(client: TestClient, check: Any, what: str, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = next((line for line in lines(client) if check(line)), None)
        if found is not None:
            return found
        time.sleep(0.1)
    msg = f"timed out waiting for {what}: {[ln['text'] for ln in lines(client)]}"
    raise AssertionError(msg)


def thread_of(fake: FakeSlack) -> str:
    opened = fake.wait_posted(
        lambda p: (
            p.get("channel") == SUPPORT and "chat window conversation" in (p.get("text") or "")
        ),
        "the thread's first message",
    )
    return next(
        ts for (ch, ts), m in fake.messages.items() if ch == SUPPORT and m["text"] == opened["text"]
    )


def reply_in_thread(slack: Slack, user: str, thread: str, text: str) -> None:
    ts = f"{time.time():.6f}"
    answer = slack.event(
        {
            "type": "message",
            "channel": SUPPORT,
            "channel_type": "channel",
            "user": user,
            "text": text,
            "ts": ts,
            "thread_ts": thread,
            "event_ts": ts,
        }
    )
    assert answer.status_code == 200


def test_admin_words_reach_the_thread_and_an_agents_reply_reaches_the_window(
    slack: Slack, window: tuple[TestClient, str]
) -> None:
    client, csrf = window
    slack.fake.users[AGENT]["profile"]["first_name"] = "Morgan"
    client.post("/console/chat/messages", data={"csrf_token": csrf, "text": "Can someone help me?"})
    thread = thread_of(slack.fake)
    said = slack.fake.wait_posted(
        lambda p: p.get("thread_ts") == thread and "Can someone help me?" in (p.get("text") or ""),
        "the admin's words in the thread",
    )
    assert said["text"] == "*Dana*: Can someone help me?"
    reply_in_thread(slack, AGENT, thread, "Hi Dana, Morgan here. What do you need?")
    agent = wait_line(client, lambda ln: ln["author"] == "agent", "the agent's reply", timeout=5)
    assert agent["name"] == "Morgan" and agent["text"] == "Hi Dana, Morgan here. What do you need?"
    reply_in_thread(slack, STRANGER, thread, "not an agent")
    time.sleep(0.5)
    assert not any(ln["text"] == "not an agent" for ln in lines(client))
    client.post("/console/chat/messages", data={"csrf_token": csrf, "text": "Thanks, Morgan!"})
    slack.fake.wait_posted(
        lambda p: p.get("thread_ts") == thread and "Thanks, Morgan!" in (p.get("text") or ""),
        "the admin's reply in the thread",
    )


def test_an_agent_runs_commands_for_the_school_from_the_thread(
    slack: Slack, window: tuple[TestClient, str]
) -> None:
    client, csrf = window
    client.post("/console/chat/messages", data={"csrf_token": csrf, "text": "hello"})
    thread = thread_of(slack.fake)
    reply_in_thread(slack, AGENT, thread, "rosterhub status")
    status = slack.fake.wait_posted(
        lambda p: (
            p.get("thread_ts") == thread
            and "Lincoln High" in (p.get("text") or "")
            and "status" not in (p.get("text") or "")[:10]
        ),
        "the status answer in the thread",
    )
    assert "listed" in status["text"]
    reply_in_thread(slack, AGENT, thread, "rosterhub resync")
    slack.fake.wait_for(
        lambda: any(
            "Resync requested by" in (c.params.get("text") or "")
            and "succeeded" in (c.params.get("text") or "")
            for c in slack.fake.of("chat.update")
        ),
        what="the resync of the thread's school, run to the end",
    )
    (progress,) = [p for p in slack.fake.posted() if "Resync requested by" in (p.get("text") or "")]
    assert progress.get("thread_ts") == thread  # in the thread it was typed in
    reply_in_thread(slack, STRANGER, thread, "rosterhub resync")
    time.sleep(0.5)
    assert (
        len([p for p in slack.fake.posted() if "Resync requested by" in (p.get("text") or "")]) == 1
    )
    assert not any(
        ln["text"].startswith("rosterhub") for ln in lines(client)
    )  # commands stay in Slack


def test_sync_my_accounts_now_approved_by_an_agent_shows_the_result(
    slack: Slack, window: tuple[TestClient, str]
) -> None:
    client, csrf = window
    begun = client.post("/console/chat/begin", data={"csrf_token": csrf}).json()["lines"]
    greeting = begun[-1]
    sync = next(b for b in greeting["buttons"] if b["label"] == "Sync my accounts now")
    client.post(
        "/console/chat/choices",
        data={
            "csrf_token": csrf,
            "line": greeting["id"],
            "choice": sync["choice"],
            "value": sync["value"],
        },
    )
    thread = thread_of(slack.fake)
    request = slack.fake.wait_posted(
        lambda p: p.get("thread_ts") == thread and "asks for a resync" in (p.get("text") or ""),
        "the resync request in the thread",
    )
    assert "Approve resync" in str(request["blocks"])

    slack.press(STRANGER, SUPPORT, "Approve resync")
    slack.fake.wait_for(
        lambda: any("only rosterhub support agents" in t for t in slack.fake.texts()),
        what="the refusal",
    )
    assert resync_requests.list_requests(slack.hub)[0].status == resync_requests.OPEN

    slack.press(AGENT, SUPPORT, "Approve resync")
    result = wait_line(client, lambda ln: "synced" in ln["text"], "the run's result in the window")
    assert result["text"] == (
        "Your accounts are synced: created 10, updated 0, deactivated 0, reactivated 0, "
        "unchanged 0, skipped 0."
    )
    assert resync_requests.list_requests(slack.hub, status=None)[0].status == "approved"
    conversation = store.conversations(slack.hub, None)[0]
    assert conversation.resync_request_id is None  # told: the window stops following it
    told = [ln for ln in lines(client) if "synced" in ln["text"]]
    assert len(told) == 1  # told once, however often the window asks
    slack.fake.wait_posted(
        lambda p: "Told the admin: Your accounts are synced" in (p.get("text") or ""),
        "the thread told what the admin was told",
    )


def test_support_never_receives_passwords_or_file_contents(
    slack: Slack, window: tuple[TestClient, str]
) -> None:
    from tests.bots.conftest import HEADER, workbook

    client, csrf = window
    content = workbook(
        {
            "Student": [
                HEADER,
                ["secret.kid@lincoln.example.org", "Kid", "Secret", "Zebra-Horse-42!"],
                ["other.kid@lincoln.example.org", "Other", "Kid", ""],
            ],
            "Teacher": [HEADER],
            "Admin": [HEADER],
        }
    )
    client.post(
        "/console/chat/uploads", data={"csrf_token": csrf}, files={"file": ("r.xlsx", content)}
    )
    preview = lines(client)[-1]
    confirm = next(b for b in preview["buttons"] if b["label"] == "Confirm")
    client.post(
        "/console/chat/choices",
        data={
            "csrf_token": csrf,
            "line": preview["id"],
            "choice": confirm["choice"],
            "value": confirm["value"],
        },
    )
    offered = wait_line(
        client, lambda ln: ln["file"] and ln["file"]["title"] == "Download passwords", "passwords"
    )
    generated = client.get(offered["file"]["url"]).text.strip().splitlines()[-1].split(",")[-1]
    assert len(generated) >= 12
    slack.fake.wait_posted(
        lambda p: "uploaded `r.xlsx`" in (p.get("text") or ""), "the support notice"
    )
    sent = "\n".join(slack.fake.texts())
    assert "Zebra-Horse-42!" not in sent and generated not in sent
    assert "secret.kid@lincoln.example.org" not in sent
