"""The rooms routes: list, create (201), read, change, delete (204), the starter pack, imports
(200, or 422 with the import result) and the template; support reads but changes nothing."""

from __future__ import annotations

from tests.api.conftest import District

ROOMS = "Room Name,Room Number,Teachers in Room\nGym,G1,\nCafeteria,C1,\n"


def test_a_school_admin_manages_rooms(district: District) -> None:
    c, h, s = district.client, district.as_(district.admin_a), district.school_a
    assert c.get(f"/api/v1/schools/{s}/rooms", headers=h).json() == []
    made = c.post(
        f"/api/v1/schools/{s}/rooms",
        headers=h,
        json={"name": "Gym", "number": "G1", "time_limit": 15},
    )
    assert made.status_code == 201, made.text
    room = made.json()
    assert (room["name"], room["time_limit"], room["travel_type"], room["folder"]) == (
        "Gym",
        15,
        "round_trip",
        None,
    )
    bad = c.post(
        f"/api/v1/schools/{s}/rooms",
        headers=h,
        json={"name": "gym", "number": "G-1", "time_limit": 0},
    )
    assert bad.status_code == 422
    assert set(bad.json()["errors"]) == {"name", "number", "time_limit"}
    assert "a room named 'Gym' already exists" in bad.json()["errors"]["name"]
    changed = c.patch(
        f"/api/v1/rooms/{room['id']}", headers=h, json={"open": False, "max_capacity": 20}
    )
    assert changed.status_code == 200 and changed.json()["open"] is False
    assert c.get(f"/api/v1/rooms/{room['id']}", headers=h).json()["max_capacity"] == 20
    needs = c.patch(
        f"/api/v1/rooms/{room['id']}",
        headers=h,
        json={"restriction_now": {"who": "all_teachers_in_room", "room": "this"}},
    )
    assert (
        needs.status_code == 422
        and "staff have to be added" in needs.json()["errors"]["restriction_now"]
    )
    assert c.delete(f"/api/v1/rooms/{room['id']}", headers=h).status_code == 204
    assert c.get(f"/api/v1/rooms/{room['id']}", headers=h).status_code == 404


def test_starter_pack_imports_and_template(district: District) -> None:
    c, h, s = district.client, district.as_(district.admin_a), district.school_a
    assert c.post(f"/api/v1/schools/{s}/rooms/starter-pack", headers=h).json() == {
        "folders": 6,
        "rooms": 15,
    }
    assert c.post(f"/api/v1/schools/{s}/rooms/starter-pack", headers=h).json() == {
        "folders": 0,
        "rooms": 0,
    }
    files = {"file": ("rooms.csv", ROOMS.encode(), "text/csv")}
    dry = c.post(f"/api/v1/schools/{s}/rooms/imports?dry_run=true", headers=h, files=files)
    assert dry.status_code == 200 and dry.json()["status"] == "dry_run"
    applied = c.post(f"/api/v1/schools/{s}/rooms/imports", headers=h, files=files)
    assert applied.json()["counts"] == {"created": 2, "updated": 0, "unchanged": 0}
    bad = {
        "file": ("rooms.csv", b"Room Name,Room Number,Teachers in Room\nPool,P 1,\n", "text/csv")
    }
    rejected = c.post(f"/api/v1/schools/{s}/rooms/imports", headers=h, files=bad)
    assert rejected.status_code == 422
    assert [(e["row"], e["column"]) for e in rejected.json()["errors"]] == [(2, "Room Number")]
    template = c.get("/api/v1/rooms/template.xlsx", headers=h)
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_support_reads_rooms_but_changes_none(district: District) -> None:
    c, s = district.client, district.school_a
    c.post(f"/api/v1/schools/{s}/rooms/starter-pack", headers=district.as_(district.admin_a))
    h = district.as_(district.support)
    rooms = c.get(f"/api/v1/schools/{s}/rooms", headers=h).json()
    assert len(rooms) == 15
    assert (
        c.patch(f"/api/v1/rooms/{rooms[0]['id']}", headers=h, json={"open": False}).status_code
        == 403
    )
    assert (
        c.post(f"/api/v1/schools/{s}/rooms/starter-pack?dismiss=true", headers=h).status_code == 403
    )
    files = {"file": ("rooms.csv", ROOMS.encode(), "text/csv")}
    assert c.post(f"/api/v1/schools/{s}/rooms/imports", headers=h, files=files).status_code == 403
