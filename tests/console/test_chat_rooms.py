"""A rooms file through the chat window: the admin says they are sending rooms, a file with
problems is answered with each problem by sheet, row and column (nothing written), a good one
with a preview, and Confirm imports it; Cancel drops it. The rooms template on request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from bots import window as assistant
from hub.chat import window
from hub.models import AuditEvent
from hub.rooms import queries
from hub.rooms.template import template_bytes
from tests.console.conftest import Console
from tests.console.test_chat import press, signed_in

GOOD = (
    ("Gym", "G1", "", "Athletics", "10", "Round Trip", "", "Yes"),
    ("Art Room", "A2", "", "", "", "Both", "20", "No"),
)
BAD = (
    ("A very long room name", "101", "", "", "", "", "", ""),
    ("Library", "L1", "", "", "1000", "", "", ""),
)


@pytest.fixture
def chat(console: Console) -> Iterator[Console]:
    assistant.install(console.hub)
    yield console
    window.set_dialogue(console.hub, None)


def say(client: TestClient, csrf: str, text: str) -> list[dict[str, Any]]:
    answer = client.post("/console/chat/messages", data={"csrf_token": csrf, "text": text})
    assert answer.status_code == 200, answer.text
    return list(answer.json()["lines"])


def send(client: TestClient, csrf: str, name: str, content: bytes) -> list[dict[str, Any]]:
    answer = client.post(
        "/console/chat/uploads", data={"csrf_token": csrf}, files={"file": (name, content)}
    )
    assert answer.status_code == 200, answer.text
    return list(answer.json()["lines"])


def room_names(chat: Console) -> list[str]:
    return [r["name"] for r in queries.list_rooms(chat.hub, school_id=chat.school_a)]


def test_a_bad_rooms_file_then_a_good_one_and_confirm(chat: Console) -> None:
    client, csrf = signed_in(chat, chat.admin_a)
    client.post("/console/chat/begin", data={"csrf_token": csrf})
    asked = say(client, csrf, "Import rooms")
    assert "Send the rooms spreadsheet here" in asked[-1]["text"]

    rejected = send(client, csrf, "ours.xlsx", template_bytes(BAD))
    text = rejected[-1]["text"]
    assert "I couldn't accept `ours.xlsx`: it has 2 problems, so nothing was changed" in text
    assert "• Rooms, row 2, Room Name: the room name 'A very long room name' has 21" in text
    assert "• Rooms, row 3, Time Limit:" in text and "from 1 to 999" in text
    problems = client.get(rejected[-1]["file"]["url"])
    assert problems.content.decode("utf-8-sig").splitlines()[:2] == [
        "Sheet,Row,Column,Message",
        "Rooms,2,Room Name,the room name 'A very long room name' has 21 characters; at most 15 are allowed",
    ]
    assert room_names(chat) == []

    # still rooms: the next file is taken as rooms although its name does not say so
    preview = send(client, csrf, "ours.xlsx", template_bytes(GOOD))
    assert (
        "`ours.xlsx` for *Ada Lovelace Elementary* looks good. If you confirm, I will import "
        "the rooms: 2 new, 0 updated, 0 unchanged." in preview[-1]["text"]
    )
    assert [b["label"] for b in preview[-1]["buttons"]] == ["Confirm", "Cancel"]
    assert room_names(chat) == [], "nothing is written before Confirm"

    done = press(client, csrf, preview, "Confirm")
    assert any(
        "Done: the rooms in `ours.xlsx` are imported into *Ada Lovelace Elementary* "
        "(2 new, 0 updated, 0 unchanged)." in ln["text"]
        for ln in done
    )
    assert sorted(room_names(chat)) == ["Art Room", "Gym"]
    gym = next(
        r for r in queries.list_rooms(chat.hub, school_id=chat.school_a) if r["name"] == "Gym"
    )
    assert (gym["folder"], gym["time_limit"]) == ("Athletics", 10)
    assert room_names_of(chat, chat.school_b) == [], "only the admin's own school"
    with chat.hub.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "chat.rooms.preview" in actions and "chat.rooms.confirm" in actions
    assert "rooms.imported" in actions

    # the same file again creates nothing twice
    again = send(client, csrf, "Ada rooms.xlsx", template_bytes(GOOD))
    assert "0 new, 0 updated, 2 unchanged" in again[-1]["text"]


def room_names_of(chat: Console, school_id: str) -> list[str]:
    return [r["name"] for r in queries.list_rooms(chat.hub, school_id=school_id)]


def test_a_file_named_rooms_with_the_rooms_columns_is_rooms_and_cancel_drops_it(
    chat: Console,
) -> None:
    client, csrf = signed_in(chat, chat.admin_a)
    client.post("/console/chat/begin", data={"csrf_token": csrf})
    preview = send(client, csrf, "Ada Rooms 2026.xlsx", template_bytes(GOOD))
    assert "I will import the rooms: 2 new" in preview[-1]["text"]
    lines = press(client, csrf, preview, "Cancel")
    assert "Cancelled: no room was changed" in lines[-1]["text"]
    assert room_names(chat) == []
    # a Confirm of the dropped file does nothing
    stale = client.post(
        "/console/chat/choices",
        data={
            "csrf_token": csrf,
            "line": preview[-1]["id"],
            "choice": "rooms_confirm",
            "value": preview[-1]["buttons"][0]["value"],
        },
    )
    assert stale.status_code == 400, stale.text
    assert room_names(chat) == []


def test_the_rooms_template_on_request(chat: Console) -> None:
    client, csrf = signed_in(chat, chat.admin_a)
    lines = say(client, csrf, "rooms template")
    offered = lines[-1]
    assert "Here is the rooms template" in offered["text"]
    assert offered["file"]["title"] == "Rooms template"
    got = client.get(offered["file"]["url"])
    assert got.status_code == 200 and got.content == template_bytes()


def test_an_accounts_file_named_rooms_is_still_accounts(chat: Console) -> None:
    from tests.console.test_chat import good_file

    client, csrf = signed_in(chat, chat.admin_a)
    client.post("/console/chat/begin", data={"csrf_token": csrf})
    preview = send(client, csrf, "classroom-accounts.xlsx", good_file())
    assert "2 new, 0 updated, 0 unchanged" in preview[-1]["text"]
    assert "import the rooms" not in preview[-1]["text"]
