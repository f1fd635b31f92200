"""The upload dialogue's rooms steps as a pure state machine: what the admin's words mean, and
how each transition moves the conversation (no database, no file)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bots import dialogue as dg
from bots import state as st
from bots.replies import ROOMS_CANCEL, ROOMS_CONFIRM
from hub.models import utcnow


def state(name: str = st.START, **data: object) -> st.State:
    return st.State(channel="D1", user="U1", state=name, data=dict(data))


def held(token: str = "t1", school: str = "sch_a") -> dg.PendingRooms:
    return dg.PendingRooms(
        token=token, school_id=school, filename="rooms.xlsx", content="UEs=", at="2026-01-01"
    )


@pytest.mark.parametrize(
    "said",
    [
        "import rooms",
        "Upload rooms",
        "here are our rooms",
        "Here's our rooms file",
        "I'd like to import our rooms",
        "can I upload the rooms spreadsheet?",
        "rooms",
        "please send rooms now",
    ],
)
def test_saying_rooms_asks_for_a_rooms_file(said: str) -> None:
    assert dg.wants_rooms(dg.words(said))
    assert dg.interpret(state(), dg.words(said)).step is dg.Step.ROOMS
    assert dg.interpret(state(st.AWAITING_FILE), dg.words(said)).step is dg.Step.ROOMS


@pytest.mark.parametrize(
    "said", ["upload", "import accounts", "template", "the rooms are full", "no rooms yet"]
)
def test_other_words_are_not_about_rooms(said: str) -> None:
    assert not dg.wants_rooms(dg.words(said))
    assert dg.interpret(state(), dg.words(said)).step is not dg.Step.ROOMS


@pytest.mark.parametrize(
    "said",
    ["rooms template", "Send the rooms template", "room template please", "template for rooms"],
)
def test_rooms_template_in_any_state(said: str) -> None:
    for name in (st.START, st.AWAITING_FILE, st.AWAITING_ROOMS, st.PREVIEW):
        assert dg.interpret(state(name), dg.words(said)).step is dg.Step.ROOMS_TEMPLATE
    assert dg.interpret(state(), "template").step is dg.Step.TEMPLATE  # accounts, as before


def test_rooms_while_something_waits_is_a_reminder() -> None:
    accounts = state(st.PREVIEW)
    accounts.upload_id = "upl_1"
    assert dg.interpret(accounts, "import rooms").step is dg.Step.REMIND_PREVIEW
    rooms = state(st.ROOMS_PREVIEW, rooms=held())
    assert dg.interpret(rooms, "import rooms").step is dg.Step.REMIND_ROOMS_PREVIEW


def test_a_waiting_rooms_file_is_confirmed_or_cancelled_by_words() -> None:
    waiting = state(st.ROOMS_PREVIEW, rooms=held("tok"))
    assert dg.interpret(waiting, "confirm") == dg.Intent(dg.Step.CHOICE, ROOMS_CONFIRM, "tok")
    assert dg.interpret(waiting, "yes") == dg.Intent(dg.Step.CHOICE, ROOMS_CONFIRM, "tok")
    assert dg.interpret(waiting, "cancel") == dg.Intent(dg.Step.CHOICE, ROOMS_CANCEL, "tok")
    assert dg.interpret(waiting, "what now").step is dg.Step.REMIND_ROOMS_PREVIEW


def test_awaiting_a_rooms_file_reminds_but_upload_starts_over() -> None:
    awaiting = state(st.AWAITING_ROOMS)
    assert dg.interpret(awaiting, "when").step is dg.Step.REMIND_ROOMS_FILE
    assert dg.interpret(awaiting, "upload").step is dg.Step.BEGIN


def test_expect_rooms_unless_something_waits() -> None:
    s = state(st.ASKED_BULK)
    assert dg.expect_rooms(s) is True
    assert s.state == st.AWAITING_ROOMS
    waiting = state(st.PREVIEW)
    waiting.upload_id = "upl_1"
    assert dg.expect_rooms(waiting) is False
    assert (waiting.state, waiting.upload_id) == (st.PREVIEW, "upl_1")


def test_choosing_the_school_keeps_a_rooms_file_expected() -> None:
    s = state()
    dg.ask_school(s, None, rooms=True)
    assert s.state == st.CHOOSING_SCHOOL and s.data["expect"] == dg.ROOMS
    assert dg.choose_school(s, "sch_a") is None
    assert (s.state, s.school_id, "expect" in s.data) == (st.AWAITING_ROOMS, "sch_a", False)
    # a file sent while a rooms file was awaited, before the school was known
    s = state(st.AWAITING_ROOMS)
    dg.ask_school(s, {"id": "F1", "thread": None})
    assert dg.choose_school(s, "sch_b") == {"id": "F1", "thread": None}
    assert s.state == st.AWAITING_ROOMS
    # without rooms the accounts dialogue goes on as before
    s = state()
    dg.ask_school(s, None)
    dg.choose_school(s, "sch_a")
    assert s.state == st.ASKED_BULK


def test_a_checked_rooms_file_replaces_a_waiting_accounts_preview() -> None:
    s = state(st.PREVIEW)
    s.upload_id = "upl_1"
    assert dg.hold_rooms(s, held("tok")) == "upl_1"
    assert (s.state, s.upload_id, s.school_id) == (st.ROOMS_PREVIEW, None, "sch_a")
    assert dg.held_rooms(s) == held("tok")
    # and an accounts preview replaces a waiting rooms file
    dg.replace_preview(s, "upl_2", "sch_a", "accounts.xlsx", None)
    assert (s.state, dg.held_rooms(s)) == (st.PREVIEW, None)


def test_a_rooms_file_with_problems_leaves_rooms_expected_and_nothing_waiting() -> None:
    s = state(st.ROOMS_PREVIEW, rooms=held())
    assert dg.refuse_rooms(s, "sch_a") is None
    assert (s.state, dg.held_rooms(s)) == (st.AWAITING_ROOMS, None)


def test_confirm_is_claimed_once() -> None:
    s = state(st.ROOMS_PREVIEW, rooms=held("tok"))
    assert dg.start_rooms_confirm(s, "other") == "stale"
    assert dg.start_rooms_confirm(s, "tok") == "go"
    assert s.state == st.ROOMS_APPLYING
    assert dg.start_rooms_confirm(s, "tok") == "busy"
    s.data["applying_at"] = (utcnow() - dg.APPLYING_STALE - timedelta(seconds=1)).isoformat()
    assert dg.start_rooms_confirm(s, "tok") == "go"  # a confirm that died half-way
    dg.finish_rooms(s, "tok", again=False)
    assert (s.state, s.school_id, dg.held_rooms(s)) == (st.START, None, None)
    assert dg.start_rooms_confirm(s, "tok") == "stale"


def test_a_refused_confirm_takes_the_next_file_as_rooms() -> None:
    s = state(st.ROOMS_APPLYING, rooms=held("tok"))
    s.school_id = "sch_a"
    dg.finish_rooms(s, "tok", again=True)
    assert (s.state, s.school_id, dg.held_rooms(s)) == (st.AWAITING_ROOMS, "sch_a", None)


def test_cancel_only_the_waiting_file() -> None:
    s = state(st.ROOMS_PREVIEW, rooms=held("tok"))
    assert dg.cancel_rooms(s, "other") is False
    assert dg.cancel_rooms(s, "tok") is True
    assert (s.state, dg.held_rooms(s)) == (st.AWAITING_ROOMS, None)
    assert dg.cancel_rooms(s, "tok") is False


def test_moving_on_drops_a_waiting_rooms_file() -> None:
    s = state(st.ROOMS_PREVIEW, rooms=held())
    assert dg.move(s, st.ASKED_BULK) is None
    assert (s.state, dg.held_rooms(s)) == (st.ASKED_BULK, None)


def test_a_rooms_file_sent_while_another_is_applied_waits_for_its_own_confirm() -> None:
    s = state(st.ROOMS_PREVIEW, rooms=held("first"))
    assert dg.start_rooms_confirm(s, "first") == "go"
    dg.hold_rooms(s, held("second"))
    dg.finish_rooms(s, "first", again=False)
    assert (s.state, dg.held_rooms(s)) == (st.ROOMS_PREVIEW, held("second"))
    assert dg.start_rooms_confirm(s, "second") == "go"
