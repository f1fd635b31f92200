"""A school admin sets up rooms in a real browser: adds the starter pack, renames a restroom,
adds a teacher to the Nurse room and sets its restrictions (refused first, as the guide says,
while the room has no teacher), then imports a rooms file with a bad row, and a good one.
Screenshots go where the other browser tests put theirs (``ROSTERHUB_SCREENSHOTS``)."""

from __future__ import annotations

from typing import Any

import pytest

from hub.console import rooms as console_rooms
from hub.rooms import queries
from tests.console.test_browser import (  # the same server, browser and helpers
    CHROMIUM,
    Stage,
    browser,
    expect,
    page,
    shot,
    sign_in,
    stage,
)

__all__ = ["browser", "page", "stage"]
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.timeout(180),
]

HEADER = "Room Name,Room Number,Teachers in Room,Folder,Time Limit\n"


def _file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_a_school_admin_sets_up_rooms(stage: Stage, page: Any) -> None:
    admin, password = stage.console.admin_a
    sign_in(stage, page, admin, password)
    page.get_by_role("link", name="Rooms").click()
    expect(page.get_by_role("heading", name="Rooms starter pack")).to_be_visible()
    page.get_by_role("button", name="Add the starter pack").click()
    expect(page.get_by_role("link", name="Restroom 1")).to_be_visible()
    expect(page.get_by_role("button", name="Add the starter pack")).to_have_count(0)
    shot(stage, page, "rooms")

    # rename a restroom: too long first (red, said next to the field), then a good name
    page.get_by_role("link", name="Restroom 1").click()
    page.get_by_label("Room name").fill("Restroom by the gym")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_label("Room name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("has 19 characters; at most 15 are allowed").first).to_be_visible()
    page.get_by_label("Room name").fill("Gym Restroom")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Gym Restroom")).to_be_visible()

    # the Nurse: restrictions for the room's teachers need a teacher in the room first
    page.get_by_role("link", name="Nurse").click()
    now = page.get_by_role("group", name="Restriction for now")
    now.get_by_label("Who approves").select_option(label="All Teachers In Room")
    now.get_by_label("Which room").select_option(label="This Room")
    page.get_by_role("button", name="Save").click()
    expect(now.get_by_text("staff have to be added into their rooms")).to_be_visible()
    expect(now.get_by_label("Who approves")).to_have_attribute("aria-invalid", "true")
    shot(stage, page, "room-rules")
    now.get_by_label("Who approves").select_option(label="Off")
    page.get_by_label("Teachers in room").fill(admin)
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("cell", name=admin)).to_be_visible()
    page.get_by_role("link", name="Nurse").click()
    for legend in ("Restriction for now", "Restriction for future"):
        group = page.get_by_role("group", name=legend)
        group.get_by_label("Who approves").select_option(label="All Teachers In Room")
        group.get_by_label("Which room").select_option(label="This Room")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name="Gym Restroom")).to_be_visible()
    nurse = next(
        r
        for r in queries.list_rooms(stage.hub, school_id=stage.console.school_a)
        if r["name"] == "Nurse"
    )
    assert nurse["teachers"] == [admin]
    assert nurse["restriction_now"] == {
        "who": "all_teachers_in_room",
        "room": "this",
        "teacher": None,
    }
    assert nurse["restriction_future"] == nurse["restriction_now"]

    # an import with one bad row is refused whole, with the row; the corrected file applies
    bad = HEADER + "Cafeteria,C100,,,30\nGym,G-1,,Athletics,10\n"
    page.get_by_label("Rooms spreadsheet").set_input_files(_file("rooms.csv", bad))
    page.get_by_role("button", name="Import rooms").click()
    expect(page.get_by_role("alert")).to_contain_text("rooms.csv has 1 problem")
    problem = page.get_by_role("row").filter(has_text="the room number 'G-1'")
    cells = problem.get_by_role("cell")
    expect(cells).to_have_text(
        ["rooms.csv", "3", "Room Number", "the room number 'G-1' may hold only letters and digits"]
    )
    expect(page.get_by_role("link", name="Cafeteria")).to_have_count(0)
    shot(stage, page, "rooms-import-errors")
    good = HEADER + "Cafeteria,C100,,,30\nGym,G1,,Athletics,10\n"
    page.get_by_label("Rooms spreadsheet").set_input_files(_file("rooms.csv", good))
    page.get_by_role("button", name="Import rooms").click()
    expect(page.get_by_role("status").first).to_contain_text("rooms.csv is imported: 2 new")
    expect(page.get_by_role("link", name="Cafeteria")).to_be_visible()
    expect(page.get_by_role("link", name="Gym", exact=True)).to_be_visible()
    shot(stage, page, "rooms-imported")

    page.get_by_role("link", name="Home").click()
    expect(page.get_by_role("heading", name="4. Rooms starter pack")).to_be_visible()


def test_room_settings_and_drag_and_drop(
    stage: Stage, page: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the room form finds students by asking the server, as it does in a large school
    monkeypatch.setattr(console_rooms, "PICKED_IN_PAGE", 0)
    from hub import accounts
    from hub.rooms import starter

    school = stage.console.school_a
    student = "rory.student@ada.example.org"
    accounts.add_manual_account(
        stage.hub,
        school_id=school,
        email=student,
        first_name="Rory",
        last_name="Reader",
        roles=["student"],
        actor="test",
    )
    starter.add_starter_pack(stage.hub, school_id=school, actor="test")
    admin, password = stage.console.admin_a
    sign_in(stage, page, admin, password)
    page.get_by_role("link", name="Rooms").click()

    # closest rooms, hidden for one student (found by searching), ends with a room code
    page.get_by_role("link", name="Library").click()
    closest = page.get_by_role("group", name="Closest rooms")
    closest.get_by_label("Search rooms").fill("nur")
    closest.get_by_label("Nurse").check()
    expect(closest.get_by_label("Main Office")).to_be_hidden()
    closest.get_by_label("Search rooms").fill("")
    closest.get_by_label("Main Office").check()
    page.get_by_label("Hide room for certain students").check()
    page.get_by_role("button", name="Save").click()
    visibility = page.get_by_role("group", name="Visibility")
    expect(visibility.get_by_text("choose the students for")).to_be_visible()
    expect(page.get_by_label("Hide room for certain students")).to_have_attribute(
        "aria-invalid", "true"
    )
    students = page.get_by_role("group", name="Students")
    students.get_by_label("Search students").fill("rory")
    expect(students.get_by_text("1 found")).to_be_visible()  # asked of the server
    students.get_by_label("Rory Reader").check()
    ending = page.get_by_role("group", name="Restrict ending passes")
    ending.get_by_label("Room Code").check()
    ending.get_by_label("Teacher dashboard").check()
    page.get_by_label("Show as origin room").uncheck()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", name="Rooms", exact=True)).to_be_visible()
    library = next(
        r for r in queries.list_rooms(stage.hub, school_id=school) if r["name"] == "Library"
    )
    assert library["closest_rooms"] == ["Nurse", "Main Office"]
    assert library["visibility"] == {"mode": "hide_for", "students": [student]}
    assert library["restrict_ending"] == ["room_code", "teacher_dashboard"]
    assert library["show_as_origin"] is False
    page.get_by_role("link", name="Library").click()
    expect(page.get_by_role("group", name="Closest rooms").get_by_label("Nurse")).to_be_checked()
    expect(page.get_by_label("Rory Reader")).to_be_checked()
    expect(page.get_by_label("Hide room for certain students")).to_be_checked()
    shot(stage, page, "room-edit")
    page.get_by_role("link", name="Back to rooms").click()

    # drag Main Office above the first folder; the order is kept after a reload
    def top_level() -> list[str]:
        cells = page.locator("tbody[data-order-id] > tr:first-child > :first-child")
        return [t.strip() for t in cells.all_inner_texts()]

    first = page.locator("tbody[data-order-id]").first
    office = page.locator("tbody[data-order-id]").filter(
        has=page.get_by_role("link", name="Main Office", exact=True)
    )
    before = top_level()
    assert before.index("Main Office") > 0
    office.drag_to(first, target_position={"x": 40, "y": 3})
    expect(page.get_by_role("status").filter(has_text="The new order is saved")).to_have_count(1)
    page.reload()
    after = top_level()
    assert after[0] == "Main Office", after
    assert sorted(after) == sorted(before)
    # and within a folder: Restroom 2 above the folder's first room
    restrooms = page.locator("tbody[data-order-id]").filter(has_text="Restrooms")
    rows = restrooms.locator("tr[data-order-id]")
    names = [t.strip() for t in rows.locator("td:first-child").all_inner_texts()]
    last = rows.nth(len(names) - 1)
    last.drag_to(rows.first, target_position={"x": 40, "y": 3})
    expect(page.get_by_role("status").filter(has_text="The new order is saved")).to_have_count(1)
    page.reload()
    rows = (
        page.locator("tbody[data-order-id]")
        .filter(has_text="Restrooms")
        .locator("tr[data-order-id]")
    )
    kept = [t.strip() for t in rows.locator("td:first-child").all_inner_texts()]
    assert kept == [names[-1], *names[:-1]], kept
    shot(stage, page, "rooms-arranged")
