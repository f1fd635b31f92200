"""A school admin sets up rooms in a real browser: adds the starter pack, renames a restroom,
adds a teacher to the Nurse room and sets its restrictions (refused first, as the guide says,
while the room has no teacher), then imports a rooms file with a bad row, and a good one.
Screenshots go where the other browser tests put theirs (``ROSTERHUB_SCREENSHOTS``)."""

from __future__ import annotations

from typing import Any

import pytest

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
