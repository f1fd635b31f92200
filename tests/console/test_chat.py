"""The chat window's routes without a browser: the guide's dialogue end to end, support
answering from the console, and who may reach what (own conversation only, rate limits)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from bots import window as assistant
from hub.chat import store, window
from tests.bots.conftest import HEADER, workbook
from tests.console.conftest import Console, csrf_of, sign_in

YES_INTEGRATIONS = "Correct, I do not want to use those integrations"


@pytest.fixture
def chat(console: Console) -> Iterator[Console]:
    assistant.install(console.hub)
    yield console
    window.set_dialogue(console.hub, None)


def signed_in(console: Console, who: tuple[str, str]) -> tuple[TestClient, str]:
    client = console.client()
    sign_in(client, *who)
    return client, csrf_of(client)


def good_file() -> bytes:
    return workbook(
        {
            "Student": [HEADER, ["kid1@ada.example.org", "Kid", "One", ""]],
            "Teacher": [HEADER, ["teach@ada.example.org", "Tea", "Cher", "Str0ng-Passw0rd!"]],
            "Admin": [HEADER],
        }
    )


def bad_file() -> bytes:
    return workbook(
        {
            "Student": [
                HEADER,
                ["not-an-email", "Kid", "One", ""],
                ["ok@ada.example.org", "", "X", ""],
            ],
            "Teacher": [HEADER],
            "Admin": [HEADER],
        }
    )


def press(
    client: TestClient, csrf: str, lines: list[dict[str, Any]], label: str
) -> list[dict[str, Any]]:
    for line in reversed(lines):
        for button in line["buttons"]:
            if button["label"] == label and not line["answered"]:
                answer = client.post(
                    "/console/chat/choices",
                    data={
                        "csrf_token": csrf,
                        "line": line["id"],
                        "choice": button["choice"],
                        "value": button["value"],
                    },
                )
                assert answer.status_code == 200, answer.text
                return list(client.get("/console/chat/lines").json()["lines"])
    msg = f"no button {label!r} in {[ln['text'][:40] for ln in lines]}"
    raise AssertionError(msg)


def wait_lines(client: TestClient, check: Any, what: str) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = list(client.get("/console/chat/lines").json()["lines"])
        if check(found):
            return found
        time.sleep(0.2)
    msg = f"timed out waiting for {what}"
    raise AssertionError(msg)


def test_the_guides_dialogue_through_the_window(chat: Console) -> None:
    client, csrf = signed_in(chat, chat.admin_a)
    begun = client.post("/console/chat/begin", data={"csrf_token": csrf}).json()["lines"]
    assert "Are you looking to bulk upload accounts?" in begun[-1]["text"]
    labels = [b["label"] for b in begun[-1]["buttons"]]
    assert labels == ["Yes", "No", "Sync my accounts now"]  # the school has an integration
    lines = press(client, csrf, begun, "Yes")
    assert [b["label"] for b in lines[-1]["buttons"]] == [YES_INTEGRATIONS, "Tell me about those"]
    lines = press(client, csrf, lines, YES_INTEGRATIONS)
    template = lines[-1]
    assert template["file"]["title"] == "Accounts template"
    got = client.get(template["file"]["url"])
    assert got.status_code == 200 and got.content[:2] == b"PK"

    rejected = client.post(
        "/console/chat/uploads",
        data={"csrf_token": csrf},
        files={"file": ("roster.xlsx", bad_file())},
    ).json()["lines"]
    text = rejected[-1]["text"]
    assert "I couldn't accept `roster.xlsx`: it has 2 problems" in text
    assert "Student, row 2, Email" in text and "Student, row 3, First Name" in text
    problems = client.get(rejected[-1]["file"]["url"])
    assert b"Sheet,Row,Column,Message" in problems.content

    preview = client.post(
        "/console/chat/uploads",
        data={"csrf_token": csrf},
        files={"file": ("roster.xlsx", good_file())},
    ).json()["lines"]
    assert "2 new, 0 updated, 0 unchanged" in preview[-1]["text"]
    assert [b["label"] for b in preview[-1]["buttons"]] == ["Confirm", "Cancel"]
    press(client, csrf, preview, "Confirm")
    done = wait_lines(
        client,
        lambda ls: any(ln["file"] and ln["file"]["title"] == "Download passwords" for ln in ls),
        "passwords",
    )
    assert any(ln["progress"] and ln["progress"]["total"] == 2 for ln in done)
    assert any("not notified" in ln["text"] for ln in done)
    passwords = next(
        ln for ln in done if ln["file"] and ln["file"]["title"] == "Download passwords"
    )
    first = client.get(passwords["file"]["url"])
    assert first.status_code == 200 and b"kid1@ada.example.org" in first.content
    assert client.get(passwords["file"]["url"]).status_code == 404  # once
    after = client.get("/console/chat/lines").json()["lines"]
    shown = next(ln for ln in after if ln["id"] == passwords["id"])
    assert shown["file"]["available"] is False and shown["file"]["url"] is None


def test_support_answers_from_the_console(chat: Console) -> None:
    admin, csrf = signed_in(chat, chat.admin_a)
    admin.post("/console/chat/messages", data={"csrf_token": csrf, "text": "Hello <b>there</b>"})
    support, support_csrf = signed_in(chat, chat.support)
    listing = support.get("/console/conversations")
    assert listing.status_code == 200 and "principal@ada.example.org" in listing.text
    conversation = store.conversations(chat.hub, None)[0]
    page = support.get(f"/console/conversations/{conversation.id}")
    assert "Hello &lt;b&gt;there&lt;/b&gt;" in page.text  # escaped
    support.post(
        f"/console/conversations/{conversation.id}/replies",
        data={"csrf_token": support_csrf, "text": "Hi Pat, I can help."},
    )
    lines = admin.get("/console/chat/lines").json()["lines"]
    agent = lines[-1]
    assert (
        agent["author"] == "agent"
        and agent["name"] == "Help"
        and agent["text"] == "Hi Pat, I can help."
    )


def test_only_a_school_admin_has_a_window_and_only_their_own(chat: Console) -> None:
    a, csrf_a = signed_in(chat, chat.admin_a)
    a.post("/console/chat/begin", data={"csrf_token": csrf_a})
    lines = a.post(
        "/console/chat/messages", data={"csrf_token": csrf_a, "text": "template"}
    ).json()["lines"]
    url = next(ln for ln in lines if ln["file"])["file"]["url"]
    b, csrf_b = signed_in(chat, chat.admin_b)
    assert b.get("/console/chat/lines").json()["lines"] == []
    assert b.get(url).status_code == 404  # another conversation's file
    first_line = lines[0]["id"]
    answer = b.post(
        "/console/chat/choices",
        data={"csrf_token": csrf_b, "line": first_line, "choice": "bulk_yes", "value": ""},
    )
    assert answer.status_code == 400  # not a line of theirs
    support, support_csrf = signed_in(chat, chat.support)
    assert support.get("/console/chat/lines").status_code == 404
    assert b.get("/console/conversations").status_code == 403
    assert (
        a.post("/console/chat/messages", data={"csrf_token": "forged", "text": "hi"}).status_code
        == 403
    )
    anonymous = chat.client()
    assert anonymous.get("/console/chat/lines", follow_redirects=False).status_code == 303


def test_messages_and_files_are_rate_limited(
    chat: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(window, "MESSAGES_PER_MINUTE", 3)
    monkeypatch.setattr(window, "FILES_PER_TEN_MINUTES", 1)
    client, csrf = signed_in(chat, chat.admin_a)
    codes = [
        client.post(
            "/console/chat/messages", data={"csrf_token": csrf, "text": f"hi {i}"}
        ).status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    monkeypatch.setattr(window, "MESSAGES_PER_MINUTE", 100)
    sent = client.post(
        "/console/chat/uploads", data={"csrf_token": csrf}, files={"file": ("a.xlsx", good_file())}
    )
    assert sent.status_code == 200
    again = client.post(
        "/console/chat/uploads", data={"csrf_token": csrf}, files={"file": ("a.xlsx", good_file())}
    )
    assert again.status_code == 429 and "ten minutes" in again.json()["error"]


def test_a_file_that_is_not_a_spreadsheet_is_refused_before_reading(chat: Console) -> None:
    client, csrf = signed_in(chat, chat.admin_a)
    lines = client.post(
        "/console/chat/uploads",
        data={"csrf_token": csrf},
        files={"file": ("notes.pdf", b"%PDF-1.4")},
    ).json()["lines"]
    assert "doesn't look like a spreadsheet" in lines[-1]["text"]


def test_sync_by_free_text_asks_support(chat: Console) -> None:
    client, csrf = signed_in(chat, chat.admin_a)
    lines = client.post(
        "/console/chat/messages", data={"csrf_token": csrf, "text": "Please sync my accounts now"}
    ).json()["lines"]
    assert "asked support to sync" in lines[-1]["text"]
    assert assistant.wants_sync("resync please") and not assistant.wants_sync("what is a sync")


def test_a_file_from_someone_no_longer_an_admin_is_never_read(chat: Console) -> None:
    from sqlalchemy import func, select, update

    from hub.models import Account, Membership, Upload

    client, csrf = signed_in(chat, chat.admin_a)
    assert client.get("/console/chat/lines").status_code == 200
    with chat.hub.transaction() as session:
        account_id = session.scalar(select(Account.id).where(Account.email == chat.admin_a[0]))
        session.execute(
            update(Membership)
            .where(Membership.account_id == account_id)  # type: ignore[arg-type]
            .values(roles="teacher")
        )
    refused = client.post(
        "/console/chat/uploads",
        data={"csrf_token": csrf},
        files={"file": ("roster.xlsx", good_file())},
        follow_redirects=False,
    )
    assert refused.status_code == 303  # the session ends with the admin role
    conversation = store.conversations(chat.hub, None)[0]
    assistant.WindowDialogue(chat.hub).sent(conversation, "roster.xlsx", good_file())
    last = store.lines(chat.hub, conversation.id)[-1]
    assert "I haven't opened your file" in last.text
    with chat.hub.session() as session:
        assert session.scalar(select(func.count()).select_from(Upload)) == 0


def test_new_lines_arrive_as_server_sent_events(
    chat: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.console import chat as routes

    monkeypatch.setattr(routes, "STREAM_SECONDS", 1.5)
    monkeypatch.setattr(routes, "POLL_SECONDS", 0.1)
    client, csrf = signed_in(chat, chat.admin_a)
    client.post("/console/chat/messages", data={"csrf_token": csrf, "text": "first"})
    with client.stream("GET", "/console/chat/stream?after=0") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        body = "".join(events.iter_text())
    assert body.startswith("retry: 1500")
    assert "event: line" in body and '"text": "first"' in body
    ids = [int(x.split(": ")[1]) for x in body.splitlines() if x.startswith("id: ")]
    assert ids == sorted(ids) and len(ids) == len(set(ids))
    with client.stream(
        "GET", "/console/chat/stream", headers={"Last-Event-ID": str(ids[-1])}
    ) as events:
        again = "".join(events.iter_text())
    assert "event: line" not in again  # resumes after the last line it saw


def test_a_confirm_stopped_by_a_restart_is_offered_again(chat: Console) -> None:
    """The process applying a window's Confirm died (nothing was written: the upload is still
    pending); the window says so once and offers Confirm again, which applies it."""
    from datetime import timedelta

    from sqlalchemy import update

    from bots import state as st
    from hub.models import ChatMessage, utcnow

    client, csrf = signed_in(chat, chat.admin_a)
    begun = client.post("/console/chat/begin", data={"csrf_token": csrf}).json()["lines"]
    lines = press(client, csrf, begun, "Yes")
    press(client, csrf, lines, YES_INTEGRATIONS)
    preview = client.post(
        "/console/chat/uploads",
        data={"csrf_token": csrf},
        files={"file": ("roster.xlsx", good_file())},
    ).json()["lines"]
    confirm = next(b for b in preview[-1]["buttons"] if b["label"] == "Confirm")
    upload_id = confirm["value"]
    conversation = store.latest_for(chat.hub, school_id=chat.school_a, email=chat.admin_a[0])
    assert conversation is not None
    channel, user = f"console:{conversation.id}", f"account-{conversation.account_id}"

    # What Confirm leaves behind when its process dies mid-apply.
    def applying(s: st.State) -> None:
        s.state = st.APPLYING
        s.stamp("applying_at")

    st.change(chat.hub, channel=channel, user=user, mutate=applying)
    store.answer(chat.hub, conversation.id, preview[-1]["id"], "Confirmed")
    line = store.add_line(
        chat.hub,
        conversation.id,
        author=store.ASSISTANT,
        key=f"apply-{upload_id}",
        text="Applying `roster.xlsx`: 1 of 2…",
        progress={"done": 1, "total": 2},
    )
    seen = client.get("/console/chat/lines").json()["lines"]
    assert not any("stopped" in ln["text"] for ln in seen)  # it moved a moment ago: left alone

    with chat.hub.transaction() as session:
        session.execute(
            update(ChatMessage)
            .where(ChatMessage.id == line)  # type: ignore[arg-type]
            .values(created_at=utcnow() - timedelta(minutes=10))
        )
    seen = client.get("/console/chat/lines").json()["lines"]
    again = client.get("/console/chat/lines").json()["lines"]
    stopped = [ln for ln in again if "stopped before it finished" in ln["text"]]
    assert len(stopped) == 1 and "nothing was changed" in stopped[0]["text"]  # told once
    assert stopped[0]["progress"] is None
    offer = again[-1]
    assert "still waiting" in offer["text"]
    assert [b["label"] for b in offer["buttons"]] == ["Confirm", "Cancel"]
    assert len(seen) == len(again)

    press(client, csrf, again, "Confirm")
    done = wait_lines(
        client,
        lambda ls: any(ln["file"] and ln["file"]["title"] == "Download passwords" for ln in ls),
        "passwords after confirming again",
    )
    assert any("Done: `roster.xlsx` is applied" in ln["text"] for ln in done)
