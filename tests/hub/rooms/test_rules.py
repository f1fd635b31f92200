"""Every rule of a room's settings (the onboarding guide, section 5), through the service."""

from __future__ import annotations

from typing import Any

import pytest

from hub.access import NotVisible
from hub.actors import Actor
from hub.rooms import queries, store
from hub.rooms.store import RoomInvalid
from tests.hub.rooms.conftest import ADMIN, OTHER_TEACHER, STUDENT, TEACHER, TEACHER_2, School

BASE = {"name": "Cafeteria", "number": "C100", "travel_type": "both", "time_limit": 10}


def create(school: School, **changes: Any) -> dict[str, Any]:
    return store.create_room(school.hub, school_id=school.id, data={**BASE, **changes}, actor="t")


def refused(school: School, field: str, **changes: Any) -> str:
    before = queries.list_rooms(school.hub, school_id=school.id)
    with pytest.raises(RoomInvalid) as caught:
        create(school, **changes)
    assert field in caught.value.errors, caught.value.errors
    assert queries.list_rooms(school.hub, school_id=school.id) == before  # nothing written
    return caught.value.errors[field]


def test_a_room_with_every_setting_round_trips(school: School) -> None:
    create(school, name="Library")
    room = create(
        school,
        teachers=[TEACHER, ADMIN.upper()],
        closest_rooms=["library"],
        counts_toward_limits=False,
        show_as_origin=False,
        max_capacity=30,
        restriction_now={"who": "all_teachers_in_room", "room": "this"},
        restriction_future={"who": "certain_teacher", "teacher": TEACHER_2},
        restrict_ending=["teacher_pin", "room_code"],
        visibility={"mode": "hide_for", "students": [STUDENT]},
        open=False,
        color="#FF0000",
        icon="food",
    )
    assert room == {
        "id": room["id"],
        "name": "Cafeteria",
        "number": "C100",
        "folder": None,
        "travel_type": "both",
        "time_limit": 10,
        "teachers": [TEACHER, ADMIN],
        "closest_rooms": ["Library"],
        "counts_toward_limits": False,
        "show_as_origin": False,
        "max_capacity": 30,
        "restriction_now": {"who": "all_teachers_in_room", "room": "this", "teacher": None},
        "restriction_future": {"who": "certain_teacher", "room": None, "teacher": TEACHER_2},
        "restrict_ending": ["room_code", "teacher_pin"],
        "visibility": {"mode": "hide_for", "students": [STUDENT]},
        "open": False,
        "color": "#ff0000",
        "icon": "food",
        "needs_teacher": False,
    }
    assert store.get_room(school.hub, room_id=room["id"], actor="t") == room


def test_name_is_at_most_15_characters(school: School) -> None:
    assert create(school, name="A" * 15)["name"] == "A" * 15
    assert "16 characters; at most 15" in refused(school, "name", name="B" * 16)
    assert "enter the room's name" in refused(school, "name", name="  ")


def test_name_is_unique_in_the_school_ignoring_case(school: School) -> None:
    create(school)
    assert "a room named 'Cafeteria' already exists" in refused(school, "name", name="cafeteria")
    other = store.create_room(school.hub, school_id=school.other, data=BASE, actor="t")
    assert other["name"] == "Cafeteria"  # another school may have the same name


@pytest.mark.parametrize(
    ("number", "problem"),
    [("123456", "at most 5"), ("A-1", "only letters and digits"), ("", "enter the room number")],
)
def test_number_is_up_to_5_letters_or_digits(school: School, number: str, problem: str) -> None:
    assert problem in refused(school, "number", number=number)


def test_a_good_number(school: School) -> None:
    assert create(school, number="B12c")["number"] == "B12c"


@pytest.mark.parametrize("value", [0, 1000, "ten", -5])
def test_time_limit_is_1_to_999_minutes(school: School, value: Any) -> None:
    assert "time limit" in refused(school, "time_limit", time_limit=value)


def test_time_limit_bounds_are_allowed(school: School) -> None:
    assert create(school, time_limit=1)["time_limit"] == 1
    assert create(school, name="Gym", time_limit=999)["time_limit"] == 999


def test_travel_type_is_round_trip_one_way_or_both(school: School) -> None:
    assert "Round Trip, One Way or Both" in refused(school, "travel_type", travel_type="teleport")
    assert create(school, travel_type="One Way")["travel_type"] == "one_way"


def test_teachers_are_active_teachers_or_admins_of_the_school(school: School) -> None:
    assert "not an active teacher" in refused(school, "teachers", teachers=[STUDENT])
    assert "not an active teacher" in refused(school, "teachers", teachers=[OTHER_TEACHER])
    assert "not an active teacher" in refused(school, "teachers", teachers=["nobody@x.org"])


def test_restrictions_that_need_teachers_need_a_teacher_in_the_room(school: School) -> None:
    for who in ("any_teachers_in_room", "all_teachers_in_room"):
        for room in ("this", "both"):
            message = refused(school, "restriction_now", restriction_now={"who": who, "room": room})
            assert "staff have to be added into their rooms" in message
    # these need no teacher in this room
    create(school, name="A", restriction_now={"who": "any_teacher"})
    create(school, name="B", restriction_future={"who": "all_teachers_in_room", "room": "origin"})
    staffed = create(
        school,
        name="C",
        teachers=[TEACHER],
        restriction_future={"who": "any_teachers_in_room", "room": "both"},
    )
    # taking the last teacher out of a room that needs one is refused as well
    with pytest.raises(RoomInvalid) as caught:
        store.update_room(school.hub, room_id=staffed["id"], data={"teachers": []}, actor="t")
    assert "staff have to be added" in caught.value.errors["restriction_future"]


def test_restriction_shapes(school: School) -> None:
    assert "choose who approves" in refused(
        school, "restriction_now", restriction_now={"who": "anyone"}
    )
    assert "needs a room" in refused(
        school,
        "restriction_now",
        teachers=[TEACHER],
        restriction_now={"who": "all_teachers_in_room"},
    )
    assert "needs the teacher's email" in refused(
        school, "restriction_future", restriction_future={"who": "certain_teacher"}
    )
    assert "not an active teacher" in refused(
        school,
        "restriction_future",
        restriction_future={"who": "certain_teacher", "teacher": STUDENT},
    )


def test_ending_visibility_capacity_color_icon(school: School) -> None:
    assert "passes can end only by" in refused(school, "restrict_ending", restrict_ending=["magic"])
    assert "choose the students" in refused(school, "visibility", visibility={"mode": "show_for"})
    assert "not an active student" in refused(
        school, "visibility", visibility={"mode": "show_for", "students": [TEACHER]}
    )
    assert "max capacity" in refused(school, "max_capacity", max_capacity=0)
    assert "#rrggbb" in refused(school, "color", color="red")
    assert "the icon must be one of" in refused(school, "icon", icon="unicorn")


def test_a_room_in_a_folder_takes_the_folder_s_appearance(school: School) -> None:
    store.create_folder(
        school.hub,
        school_id=school.id,
        data={"name": "Restrooms", "color": "#0ea5e9", "icon": "restroom"},
        actor="t",
    )
    room = create(school, folder="restrooms", color="#ff0000", icon="food")
    assert (room["folder"], room["color"], room["icon"]) == ("Restrooms", "#0ea5e9", "restroom")
    assert "no folder named" in refused(school, "folder", name="X", folder="Nope")


def test_order_is_kept_and_can_be_rearranged(school: School) -> None:
    store.create_folder(
        school.hub,
        school_id=school.id,
        data={"name": "F", "color": "#000000", "icon": "door"},
        actor="t",
    )
    for name in ("One", "Two"):
        create(school, name=name)
    create(school, name="In F", folder="F")
    names = lambda: [r["name"] for r in queries.list_rooms(school.hub, school_id=school.id)]  # noqa: E731
    assert names() == ["In F", "One", "Two"]
    two = next(r for r in queries.list_rooms(school.hub, school_id=school.id) if r["name"] == "Two")
    store.move(school.hub, item_id=two["id"], direction="up", actor="t")
    assert names() == ["In F", "Two", "One"]
    store.move(school.hub, item_id=two["id"], direction="up", actor="t")
    assert names() == ["Two", "In F", "One"]


def test_another_school_s_actor_cannot_touch_the_rooms(school: School) -> None:
    room = create(school)
    stranger = Actor.at("admin-b", [school.other])
    with pytest.raises(NotVisible, match="unknown room"):
        store.update_room(school.hub, room_id=room["id"], data={"name": "Mine"}, actor=stranger)
    with pytest.raises(NotVisible):
        store.create_room(school.hub, school_id=school.id, data=BASE, actor=stranger)
    assert queries.list_rooms(school.hub, school_id=school.id)[0]["name"] == "Cafeteria"
