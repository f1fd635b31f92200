"""The Rooms page: the starter pack card, a room's form with the guide's rules beside its
fields, the import with its row errors, the Home checklist's rooms step, and another school's
rooms out of reach."""

from __future__ import annotations

import re

from hub.rooms import queries
from tests.console.conftest import Console, csrf_of, sign_in

HEADER = "Room Name,Room Number,Teachers in Room\n"


def test_a_school_admin_sets_up_rooms(console: Console) -> None:
    c = console.client()
    sign_in(c, *console.admin_a)
    page = c.get("/console/rooms")
    assert page.status_code == 200 and "Add the starter pack" in page.text
    token = csrf_of(c, "/console/rooms")
    assert (
        c.post(
            "/console/rooms/starter-pack", data={"csrf_token": token, "action": "add"}
        ).status_code
        == 200
    )
    page = c.get("/console/rooms")
    assert "Add the starter pack" not in page.text and "Restroom 1" in page.text
    rooms = queries.list_rooms(console.hub, school_id=console.school_a)
    nurse = next(r for r in rooms if r["name"] == "Nurse")
    form = {
        "csrf_token": token,
        "name": "Nurse",
        "number": "NRS",
        "travel_type": "both",
        "time_limit": "10",
        "teachers": "",
        "now_who": "all_teachers_in_room",
        "now_room": "this",
    }
    refused = c.post(f"/console/rooms/{nurse['id']}", data=form)
    assert refused.status_code == 400
    assert "staff have to be added into their rooms" in refused.text
    assert 'aria-invalid="true" aria-describedby="f-now_who-error"' in refused.text
    too_long = c.post(
        f"/console/rooms/{nurse['id']}", data={**form, "name": "N" * 16, "now_who": "off"}
    )
    assert too_long.status_code == 400 and "16 characters; at most 15" in too_long.text
    assert re.search(r'class="field has-error"', too_long.text)
    # a rejected import lists its rows and writes nothing; a good one is applied
    bad = HEADER + "Gym,G-1,\n"
    answer = c.post(
        "/console/rooms/imports",
        data={"csrf_token": token},
        files={"file": ("rooms.csv", bad.encode(), "text/csv")},
    )
    assert answer.status_code == 400 and "only letters and digits" in answer.text
    good = HEADER + "Gym,G1,\n"
    answer = c.post(
        "/console/rooms/imports",
        data={"csrf_token": token},
        files={"file": ("rooms.csv", good.encode(), "text/csv")},
    )
    assert answer.status_code == 200 and "1 new" in answer.text
    assert "Gym" in [r["name"] for r in queries.list_rooms(console.hub, school_id=console.school_a)]
    home = c.get("/console")
    assert "16 rooms" in home.text
    # a new folder and a new room in it; then the room is deleted
    assert "New room" in c.get("/console/rooms").text
    bad_folder = c.post(
        "/console/folders/new", data={"csrf_token": token, "name": "", "color": "x", "icon": "door"}
    )
    assert bad_folder.status_code == 400 and "enter the folder" in bad_folder.text
    assert "#rrggbb" in bad_folder.text
    made = c.post(
        "/console/folders/new",
        data={"csrf_token": token, "name": "Gyms", "color": "#112233", "icon": "gym"},
    )
    assert made.status_code == 200
    new = {
        **form,
        "name": "Small Gym",
        "number": "G2",
        "now_who": "off",
        "folder": "Gyms",
        "open": "yes",
    }
    assert c.post("/console/rooms/new", data=new).status_code == 200
    gym = next(
        r
        for r in queries.list_rooms(console.hub, school_id=console.school_a)
        if r["name"] == "Small Gym"
    )
    assert (gym["folder"], gym["color"], gym["icon"], gym["open"]) == (
        "Gyms",
        "#112233",
        "gym",
        True,
    )
    assert (
        c.post(f"/console/rooms/{gym['id']}/delete", data={"csrf_token": token}).status_code == 200
    )
    assert "Small Gym" not in [
        r["name"] for r in queries.list_rooms(console.hub, school_id=console.school_a)
    ]


def test_another_school_s_room_is_not_found(console: Console) -> None:
    c = console.client()
    sign_in(c, *console.admin_b)
    token = csrf_of(c, "/console/rooms")
    c.post("/console/rooms/starter-pack", data={"csrf_token": token, "action": "add"})
    room = queries.list_rooms(console.hub, school_id=console.school_b)[0]
    other = console.client()
    sign_in(other, *console.admin_a)
    assert other.get(f"/console/rooms/{room['id']}").status_code == 404
    token_a = csrf_of(other, "/console/rooms")
    changed = other.post(
        f"/console/rooms/{room['id']}", data={"csrf_token": token_a, "name": "Mine"}
    )
    assert changed.status_code == 404
    assert queries.list_rooms(console.hub, school_id=console.school_b)[0]["name"] == room["name"]
