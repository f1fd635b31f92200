"""A school admin sends their rooms in a Slack direct message: the same dialogue as for
accounts, a rooms file when they say so (or its name and columns say so)."""

from __future__ import annotations

import csv
import io

from hub.rooms import queries
from hub.rooms.template import template_bytes
from tests.bots.conftest import ADMIN, ADMIN_DM, SUPPORT, District, Slack
from tests.bots.fake_slack import FakeFile
from tests.bots.test_uploads import _wait_text, admin_at_jefferson_too

GOOD = (
    ("Gym", "G1", "principal@lincoln.example.org", "", "10", "Round Trip", "", "Yes"),
    ("Nurse", "N1", "", "", "", "", "", ""),
)
BAD = (
    ("Gym", "G1", "nobody@lincoln.example.org", "", "", "", "", ""),
    ("Nurse", "N-1", "", "", "", "", "", ""),
)


def rooms_file(
    file_id: str, rows: tuple[tuple[str, ...], ...], name: str = "ours.xlsx"
) -> FakeFile:
    return FakeFile(file_id, name, template_bytes(rows), ADMIN, ADMIN_DM, "xlsx")


def names(slack: Slack, school_id: str) -> list[str]:
    return sorted(r["name"] for r in queries.list_rooms(slack.hub, school_id=school_id))


def test_rooms_in_a_direct_message_bad_then_good_then_confirm(
    slack: Slack, district: District
) -> None:
    slack.say(ADMIN, ADMIN_DM, "here are our rooms")
    _wait_text(slack, "Send the rooms spreadsheet here")
    ts = slack.share(ADMIN, ADMIN_DM, rooms_file("FROOMBAD", BAD))
    answer = _wait_text(slack, "I couldn't accept `ours.xlsx`: it has 2 problems")
    assert answer["thread_ts"] == ts
    assert "• Rooms, row 2, Teachers in Room: 'nobody@lincoln.example.org' is not" in answer["text"]
    assert "• Rooms, row 3, Room Number:" in answer["text"]
    problems = slack.fake.wait_for(lambda: slack.fake.shared_files(ADMIN_DM), what="the CSV")
    rows = list(csv.reader(io.StringIO(problems[0]["content"].decode("utf-8-sig"))))
    assert [r[:3] for r in rows] == [
        ["Sheet", "Row", "Column"],
        ["Rooms", "2", "Teachers in Room"],
        ["Rooms", "3", "Room Number"],
    ]
    assert names(slack, district.lincoln) == []

    slack.share(ADMIN, ADMIN_DM, rooms_file("FROOMGOOD", GOOD))
    preview = _wait_text(slack, "I will import the rooms: 2 new, 0 updated, 0 unchanged")
    assert "`ours.xlsx` for *Lincoln High* looks good" in preview["text"]
    assert names(slack, district.lincoln) == []
    slack.press(ADMIN, ADMIN_DM, "Confirm")
    _wait_text(slack, "Done: the rooms in `ours.xlsx` are imported into *Lincoln High*")
    assert names(slack, district.lincoln) == ["Gym", "Nurse"]
    gym = next(
        r for r in queries.list_rooms(slack.hub, school_id=district.lincoln) if r["name"] == "Gym"
    )
    assert gym["teachers"] == ["principal@lincoln.example.org"]
    assert names(slack, district.jefferson) == []
    notice = slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the support notice")
    assert "principal@lincoln.example.org imported rooms from `ours.xlsx`" in notice["text"]


def test_a_rooms_file_by_its_name_and_columns_and_cancel(slack: Slack, district: District) -> None:
    slack.share(ADMIN, ADMIN_DM, rooms_file("FROOMS", GOOD, name="lincoln-rooms.xlsx"))
    _wait_text(slack, "I will import the rooms: 2 new")
    slack.press(ADMIN, ADMIN_DM, "Cancel")
    _wait_text(slack, "Cancelled: no room was changed")
    assert names(slack, district.lincoln) == []


def test_the_rooms_template_in_slack(slack: Slack, district: District) -> None:
    slack.say(ADMIN, ADMIN_DM, "send the rooms template")
    _wait_text(slack, "Here is the rooms template")
    shared = slack.fake.wait_for(lambda: slack.fake.shared_files(ADMIN_DM), what="the template")
    assert shared[0]["filename"] == "rosterhub-rooms-template.xlsx"
    assert shared[0]["content"] == template_bytes()


def test_an_admin_of_several_schools_picks_the_school_for_the_rooms(
    slack: Slack, district: District
) -> None:
    admin_at_jefferson_too(slack, district)
    slack.say(ADMIN, ADMIN_DM, "import rooms")
    _wait_text(slack, "Which school is this for?")
    slack.press(ADMIN, ADMIN_DM, "Jefferson Middle")
    _wait_text(slack, "OK, Jefferson Middle. Send the rooms spreadsheet here")
    slack.share(ADMIN, ADMIN_DM, rooms_file("FJEFF", (("Nurse", "N1", "", "", "", "", "", ""),)))
    _wait_text(slack, "`ours.xlsx` for *Jefferson Middle* looks good")
    slack.press(ADMIN, ADMIN_DM, "Confirm")
    _wait_text(slack, "imported into *Jefferson Middle*")
    assert names(slack, district.jefferson) == ["Nurse"]
    assert names(slack, district.lincoln) == []
