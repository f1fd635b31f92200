"""The channel-neutral conversation and its stored state, without Slack: what a web chat
window (or any other surface) would drive."""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass, field

import pytest
from sqlalchemy import update
from sqlmodel import col

from bots import blocks, state
from bots.conversation import (
    ASK_BULK,
    NOT_ADMIN_FILE,
    Person,
    UploadConversation,
    admin_schools,
    check_file,
)
from bots.replies import BULK_YES, CONFIRM, USE_SPREADSHEET, Button, FileMeta, Reply
from hub import schools
from hub.accounts import add_manual_account
from hub.context import Hub
from hub.models import Conversation, utcnow
from tests.bots.conftest import HEADER, workbook


@dataclass
class Files:
    """A FileSource that records what was asked of it."""

    content: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    described: list[str] = field(default_factory=list)
    fetched: list[str] = field(default_factory=list)

    def describe(self, file_id: str) -> FileMeta:
        self.described.append(file_id)
        name, data = self.content[file_id]
        return FileMeta(file_id, name, len(data))

    def fetch(self, meta: FileMeta) -> bytes:
        self.fetched.append(meta.id)
        return self.content[meta.id][1]


@pytest.fixture
def school(hub: Hub) -> str:
    lincoln = schools.create_school(hub, name="Lincoln High", actor="test")
    add_manual_account(
        hub,
        school_id=lincoln.id,
        email="pat@lincoln.example.org",
        first_name="Pat",
        last_name="Principal",
        roles=["admin"],
        actor="test",
    )
    return lincoln.id


ADMIN = Person("web-17", "PAT@lincoln.example.org ")
NOBODY = Person("web-99", "nobody@example.org")


def test_admin_schools_match_active_admins_case_insensitively(hub: Hub, school: str) -> None:
    assert [s.id for s in admin_schools(hub, ADMIN.email)] == [school]
    assert admin_schools(hub, NOBODY.email) == []
    assert admin_schools(hub, None) == []


def test_the_dialogue_works_on_any_surface(hub: Hub, school: str) -> None:
    talk = UploadConversation(hub, surface="web")
    files = Files()
    first = talk.on_text(channel="web:17", person=ADMIN, text="Hi there", files=files)
    assert ASK_BULK in first.replies[0].text
    assert [b.choice for b in first.replies[0].buttons] == [BULK_YES, "bulk_no"]
    second = talk.on_choice(channel="web:17", person=ADMIN, choice=BULK_YES, value="", files=files)
    assert "Clever, ClassLink or Google" in second.replies[0].text
    third = talk.on_choice(
        channel="web:17", person=ADMIN, choice=USE_SPREADSHEET, value="", files=files
    )
    template = third.replies[0].attachment
    assert template is not None and template.content.startswith(b"PK")
    good = workbook({"Student": [HEADER, ["ada@lincoln.example.org", "Ada", "L", ""]]})
    files.content["f1"] = ("people.xlsx", good)
    preview = talk.on_file(channel="web:17", person=ADMIN, file_id="f1", files=files)
    confirm = next(b for b in preview.replies[0].buttons if b.choice == CONFIRM)
    done = talk.on_choice(
        channel="web:17", person=ADMIN, choice=CONFIRM, value=confirm.value, files=files
    )
    private = [r for r in done.replies if r.private]
    assert private and private[0].attachment is not None
    assert b"ada@lincoln.example.org" in private[0].attachment.content
    assert [r for r in done.replies if r.to_support]
    # the actor names the surface
    stored = state.load(hub, channel="web:17", user=ADMIN.user)
    assert stored.state == state.START


def test_a_non_admin_file_is_neither_described_nor_read(hub: Hub, school: str) -> None:
    files = Files(content={"f1": ("x.xlsx", b"PK")})
    outcome = UploadConversation(hub).on_file(
        channel="D1", person=NOBODY, file_id="f1", files=files
    )
    assert outcome.replies[0].text == NOT_ADMIN_FILE
    assert files.described == [] and files.fetched == []


def test_the_same_file_is_handled_once(hub: Hub, school: str) -> None:
    files = Files(content={"f1": ("x.csv", b"Email,First Name,Last Name\n")})
    talk = UploadConversation(hub)
    results: list[int] = []

    def share() -> None:
        outcome = talk.on_file(channel="D1", person=ADMIN, file_id="f1", files=files)
        results.append(len(outcome.replies))

    threads = [threading.Thread(target=share) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [0, 0, 0, 0, 0, 1]
    assert files.fetched == ["f1"]


def test_a_write_in_between_makes_a_change_retry_on_fresh_state(hub: Hub) -> None:
    state.load(hub, channel="D1", user="U1")
    calls: list[str] = []

    def mutate(s: state.State) -> bool:
        calls.append(s.state)
        if len(calls) == 1:  # someone else (another process) writes meanwhile
            with hub.transaction() as session:
                session.execute(
                    update(Conversation)
                    .where(col(Conversation.channel) == "D1")
                    .values(state=state.AWAITING_FILE, updated_at=utcnow())
                )
        return s.claim_file("F1")

    assert state.change(hub, channel="D1", user="U1", mutate=mutate) is True
    assert calls == [state.START, state.AWAITING_FILE]
    stored = state.load(hub, channel="D1", user="U1")
    assert stored.state == state.AWAITING_FILE and stored.data["seen_files"] == ["F1"]


@pytest.mark.parametrize(
    ("name", "size", "filetype", "problem"),
    [
        ("people.xlsx", 100, "", None),
        ("PEOPLE.CSV", 100, "", None),
        ("export", 100, "xlsx", None),  # a name without an extension, typed by Slack
        ("people.ods", 100, "", None),
        ("people.xls", 100, "", None),
        ("people.pdf", 100, "pdf", "doesn't look like a spreadsheet"),
        ("people.xlsx", 0, "", "is empty"),
        ("people.xlsx", 21 * 1024 * 1024, "", "larger than 20 MB"),
    ],
)
def test_check_file(name: str, size: int, filetype: str, problem: str | None) -> None:
    found = check_file(FileMeta("F", name, size, filetype))
    assert (found is None) if problem is None else (problem in (found or ""))


def test_long_text_is_split_into_sections_under_slacks_limit() -> None:
    text = "\n".join(f"• line {i} " + "x" * 80 for i in range(100))
    sections = blocks.sections(text)
    assert len(sections) > 1
    assert all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert "\n".join(b["text"]["text"] for b in sections) == text


def test_buttons_carry_the_choice_in_the_action_id() -> None:
    reply = Reply("Pick", buttons=(Button("A", "school", "sch_1"), Button("B", "school", "sch_2")))
    actions = blocks.reply_blocks(reply)[-1]["elements"]
    assert [a["action_id"] for a in actions] == ["conv.school.0", "conv.school.1"]
    assert [blocks.parse_choice(a["action_id"]) for a in actions] == ["school", "school"]
    assert blocks.parse_choice("run.approve") is None


def test_the_problems_file_of_a_rejected_upload_is_formula_escaped(hub: Hub, school: str) -> None:
    """Messages quote the file (here an address starting with '='; a .csv's sheet is its
    name): the problems CSV must not hand a spreadsheet program a formula."""
    evil = "=1+cmd@example.org"  # a valid address, twice
    content = f"Email,First Name,Last Name,Role\n{evil},E,One,student\n{evil},E,Two,student\n"
    files = Files(content={"f1": ("=SUM(A1)+evil.csv", content.encode())})
    outcome = UploadConversation(hub).on_file(channel="D1", person=ADMIN, file_id="f1", files=files)
    [reply] = outcome.replies
    assert reply.attachment is not None
    text = reply.attachment.content.decode("utf-8-sig")
    [header, *rows] = list(csv.reader(io.StringIO(text, newline="")))
    assert header == ["Sheet", "Row", "Column", "Message"]
    assert rows[0][0] == "'=SUM(A1)+evil.csv"
    assert rows[0][3].startswith("'=1+cmd@example.org appears more than once")
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
