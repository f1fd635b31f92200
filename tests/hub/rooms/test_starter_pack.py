"""The starter pack: exactly the guide's folders and rooms, and adding it twice adds nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from hub.models import Room, RoomFolder
from hub.rooms import queries, starter
from tests.hub.rooms.conftest import School

EXPECTED = [
    # name, folder, minutes, travel, counts toward limits, capacity, restriction now
    ("Restroom 1", "Restrooms", 5, "round_trip", True, 2, None),
    ("Restroom 2", "Restrooms", 5, "round_trip", True, 2, None),
    ("Fountain 1", "Water Fountains", 3, "round_trip", True, 2, None),
    ("Fountain 2", "Water Fountains", 3, "round_trip", True, 2, None),
    ("Nurse", None, 10, "both", True, None, None),
    ("Library", None, 10, "both", True, None, None),
    ("Main Office", None, 10, "both", True, None, None),
    ("Principal", "Admins", 10, "both", False, None, None),
    ("Asst. Principal", "Admins", 10, "both", False, None, None),
    ("Late Arrivals", "Attendance", 5, "one_way", False, None, None),
    ("Early Dismissal", "Attendance", 5, "one_way", False, None, None),
    ("Counselor", "Student Services", 10, "both", False, None, None),
    ("Social Worker", "Student Services", 10, "both", False, None, None),
    ("SS Secretary", "Student Services", 10, "both", False, None, None),
    (
        "Teacher Name",
        "Classrooms",
        5,
        "both",
        True,
        None,
        {"who": "any_teacher", "room": None, "teacher": None},
    ),
]


def _count(school: School, model: object) -> int:
    with school.hub.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()  # type: ignore[arg-type]


def test_the_pack_is_exactly_the_guide_s(school: School) -> None:
    assert starter.starter_state(school.hub, school_id=school.id) is None
    assert starter.add_starter_pack(school.hub, school_id=school.id, actor="t") == {
        "folders": 6,
        "rooms": 15,
    }
    rooms = queries.list_rooms(school.hub, school_id=school.id)
    got = [
        (
            r["name"],
            r["folder"],
            r["time_limit"],
            r["travel_type"],
            r["counts_toward_limits"],
            r["max_capacity"],
            r["restriction_now"],
        )
        for r in rooms
    ]
    assert got == EXPECTED
    assert all(r["restriction_future"] is None and r["teachers"] == [] for r in rooms)
    assert not any(r["needs_teacher"] for r in rooms)
    assert starter.pack_size() == (6, 15)
    assert starter.starter_state(school.hub, school_id=school.id) == "added"


def test_adding_it_twice_creates_nothing_more(school: School) -> None:
    starter.add_starter_pack(school.hub, school_id=school.id, actor="t")
    before = (_count(school, Room), _count(school, RoomFolder))
    assert starter.add_starter_pack(school.hub, school_id=school.id, actor="t") == {
        "folders": 0,
        "rooms": 0,
    }
    assert (_count(school, Room), _count(school, RoomFolder)) == before


def test_rooms_the_school_already_has_are_left_alone(school: School) -> None:
    from hub.rooms import store

    store.create_room(
        school.hub,
        school_id=school.id,
        data={"name": "nurse", "number": "9", "travel_type": "one_way", "time_limit": 20},
        actor="t",
    )
    assert starter.add_starter_pack(school.hub, school_id=school.id, actor="t") == {
        "folders": 6,
        "rooms": 14,
    }
    nurse = [
        r
        for r in queries.list_rooms(school.hub, school_id=school.id)
        if r["name"].lower() == "nurse"
    ]
    assert [(r["name"], r["time_limit"]) for r in nurse] == [("nurse", 20)]


def test_dismissing_creates_nothing(school: School) -> None:
    assert starter.dismiss_starter_pack(school.hub, school_id=school.id, actor="t") == {
        "folders": 0,
        "rooms": 0,
    }
    assert starter.starter_state(school.hub, school_id=school.id) == "dismissed"
    assert queries.list_rooms(school.hub, school_id=school.id) == []
