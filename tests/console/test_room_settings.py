"""The room form's settings beyond the basics (closest rooms, visibility for chosen students,
show as origin room, restrict ending passes), each checked by the rooms rules with its message
beside the field and nothing written when one is broken; another school's room and a form
without its token refused; and the drag-and-drop order endpoint."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hub import accounts
from hub.console import rooms as console_rooms
from hub.rooms import queries, store
from tests.console.conftest import Console, csrf_of, sign_in

STUDENT = "sam.student@ada.example.org"
STUDENT_2 = "sue.student@ada.example.org"
OTHER_STUDENT = "bo.student@brook.example.org"


def _rooms(console: Console, school: str) -> dict[str, dict[str, Any]]:
    return {r["name"]: r for r in queries.list_rooms(console.hub, school_id=school)}


@pytest.fixture
def admin(console: Console) -> tuple[TestClient, str]:
    for school, email, first in (
        (console.school_a, STUDENT, "Sam"),
        (console.school_a, STUDENT_2, "Sue"),
        (console.school_b, OTHER_STUDENT, "Bo"),
    ):
        accounts.add_manual_account(
            console.hub,
            school_id=school,
            email=email,
            first_name=first,
            last_name="Student",
            roles=["student"],
            actor="test",
        )
    c = console.client()
    sign_in(c, *console.admin_a)
    token = csrf_of(c, "/console/rooms")
    c.post("/console/rooms/starter-pack", data={"csrf_token": token, "action": "add"})
    return c, token


def _form(token: str, room: dict[str, Any], **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "csrf_token": token,
        "name": room["name"],
        "number": room["number"] or "L1",
        "travel_type": room["travel_type"],
        "time_limit": str(room["time_limit"]),
        "teachers": "; ".join(room["teachers"]),
        "counts_toward_limits": "yes",
        "show_as_origin": "yes",
        "open": "yes",
        "color": room["color"],
        "icon": room["icon"],
    }
    form.update(changes)
    return form


def test_the_form_shows_every_setting(console: Console, admin: tuple[TestClient, str]) -> None:
    c, _ = admin
    library = _rooms(console, console.school_a)["Library"]
    page = c.get(f"/console/rooms/{library['id']}").text
    for words in (
        "Closest rooms",
        "Search rooms",
        "Show as origin room",
        "Restrict ending passes",
        "Room Code",
        "Teacher&#39;s PIN",
        "Teacher dashboard",
        "Show room for all students",
        "Show room for certain students",
        "Hide room for certain students",
        "Search students",
        "Max capacity",
        "Counts toward pass limits",
        "Open",
        "Restriction for now",
        "Restriction for future",
        "Certain Teacher",
        "Travel type",
        "Time limit",
        "Room number",
        "Teachers in room",
    ):
        assert words in page, words
    # the school's students are offered, another school's are not; the room is not its own
    assert STUDENT in page and STUDENT_2 in page and OTHER_STUDENT not in page
    assert 'name="closest_rooms" value="Library"' not in page
    assert 'name="closest_rooms" value="Nurse"' in page


def test_the_new_settings_are_saved(console: Console, admin: tuple[TestClient, str]) -> None:
    c, token = admin
    library = _rooms(console, console.school_a)["Library"]
    form = _form(
        token,
        library,
        closest_rooms=["Nurse", "Main Office"],
        restrict_ending=["teacher_pin", "room_code"],
        visibility_mode="hide_for",
        visibility_students=[STUDENT],
        show_as_origin="",
    )
    assert c.post(f"/console/rooms/{library['id']}", data=form).status_code == 200
    saved = _rooms(console, console.school_a)["Library"]
    assert saved["closest_rooms"] == ["Nurse", "Main Office"]
    assert saved["restrict_ending"] == ["room_code", "teacher_pin"]
    assert saved["visibility"] == {"mode": "hide_for", "students": [STUDENT]}
    assert saved["show_as_origin"] is False
    # the form shows what is saved: the chosen ones checked
    page = c.get(f"/console/rooms/{library['id']}").text
    assert 'name="closest_rooms" value="Nurse" checked' in page
    assert 'name="restrict_ending" value="teacher_pin" checked' in page
    assert 'name="visibility_mode" value="hide_for" checked' in page
    assert f'name="visibility_students" value="{STUDENT}" checked' in page
    assert 'name="show_as_origin" value="yes">' in page  # unchecked
    # back to all students, nothing restricting the end, origin again
    form = _form(token, library, visibility_mode="all")
    assert c.post(f"/console/rooms/{library['id']}", data=form).status_code == 200
    saved = _rooms(console, console.school_a)["Library"]
    assert saved["visibility"] == {"mode": "all", "students": []}
    assert saved["restrict_ending"] == [] and saved["closest_rooms"] == []
    assert saved["show_as_origin"] is True


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"closest_rooms": ["Nowhere"]},
            "closest_rooms",
            "there is no room named &#39;Nowhere&#39;",
        ),
        ({"closest_rooms": ["Library"]}, "closest_rooms", "a room cannot be its own closest room"),
        ({"restrict_ending": ["magic"]}, "restrict_ending", "passes can end only by"),
        ({"visibility_mode": "hide_for"}, "visibility", "choose the students for"),
        ({"visibility_mode": "show_for"}, "visibility", "Show room for certain students"),
        (
            {"visibility_mode": "hide_for", "visibility_students": [OTHER_STUDENT]},
            "visibility",
            "is not an active student of this school",
        ),
        (
            {"visibility_mode": "show_for", "visibility_students": ["principal@ada.example.org"]},
            "visibility",
            "is not an active student of this school",
        ),
        ({"visibility_mode": "everyone"}, "visibility", "visibility must be all"),
        ({"max_capacity": "0"}, "max_capacity", "the max capacity must be from 1 to 999"),
        ({"time_limit": "1000"}, "time_limit", "must be from 1 to 999 (not 1000)"),
        ({"number": "A-1"}, "number", "may hold only letters and digits"),
        ({"travel_type": "teleport"}, "travel_type", "the travel type must be"),
        ({"color": "red"}, "color", "the color must be #rrggbb"),
        ({"icon": "dragon"}, "icon", "the icon must be one of"),
        (
            {"now_who": "certain_teacher", "now_teacher": ""},
            "now_who",
            "Certain Teacher needs the teacher&#39;s email",
        ),
        (
            {"future_who": "certain_teacher", "future_teacher": STUDENT},
            "future_who",
            "is not an active teacher or admin of this school",
        ),
    ],
)
def test_a_broken_rule_is_said_beside_its_field_and_nothing_is_written(
    console: Console,
    admin: tuple[TestClient, str],
    changes: dict[str, Any],
    field: str,
    message: str,
) -> None:
    c, token = admin
    library = _rooms(console, console.school_a)["Library"]
    before = _rooms(console, console.school_a)
    answer = c.post(
        f"/console/rooms/{library['id']}", data=_form(token, library, **changes, name="Books")
    )
    assert answer.status_code == 400
    assert message in answer.text
    assert f'id="f-{field}-error"' in answer.text
    described = rf'aria-invalid="true" aria-describedby="(f-{field}-help )?f-{field}-error"'
    assert re.search(described, answer.text)
    assert f'href="#f-{field}"' in answer.text and f'id="f-{field}"' in answer.text
    assert _rooms(console, console.school_a) == before  # not even the good name is saved


def test_certain_teacher_is_saved(console: Console, admin: tuple[TestClient, str]) -> None:
    c, token = admin
    office = _rooms(console, console.school_a)["Main Office"]
    principal = console.admin_a[0]
    form = _form(token, office, future_who="certain_teacher", future_teacher=principal)
    assert c.post(f"/console/rooms/{office['id']}", data=form).status_code == 200
    saved = _rooms(console, console.school_a)["Main Office"]
    assert saved["restriction_future"] == {
        "who": "certain_teacher",
        "room": None,
        "teacher": principal,
    }
    assert f'<option value="{principal}">' in c.get(f"/console/rooms/{office['id']}").text


def test_another_school_s_room_and_a_form_without_its_token_are_refused(
    console: Console, admin: tuple[TestClient, str]
) -> None:
    c, token = admin
    other = console.client()
    sign_in(other, *console.admin_b)
    other_token = csrf_of(other, "/console/rooms")
    other.post("/console/rooms/starter-pack", data={"csrf_token": other_token, "action": "add"})
    theirs = _rooms(console, console.school_b)["Library"]
    before_b = _rooms(console, console.school_b)
    form = _form(token, theirs, closest_rooms=["Nurse"], visibility_mode="hide_for")
    assert c.get(f"/console/rooms/{theirs['id']}").status_code == 404
    assert c.post(f"/console/rooms/{theirs['id']}", data=form).status_code == 404
    mine = _rooms(console, console.school_a)["Library"]
    before_a = _rooms(console, console.school_a)
    no_token = _form("", mine, closest_rooms=["Nurse"], restrict_ending=["room_code"])
    del no_token["csrf_token"]
    refused = c.post(f"/console/rooms/{mine['id']}", data=no_token)
    assert refused.status_code == 403
    wrong = c.post(f"/console/rooms/{mine['id']}", data={**no_token, "csrf_token": other_token})
    assert wrong.status_code == 403
    assert _rooms(console, console.school_a) == before_a
    assert _rooms(console, console.school_b) == before_b


def _top(console: Console, school: str) -> list[str]:
    with console.hub.engine.connect() as conn:
        layout = queries.load_layout(conn, school)
    return [f.id if f is not None else rooms[0].id for f, rooms in layout.ordered()]


def test_the_order_endpoint_rearranges_and_refuses_foreign_ids(
    console: Console, admin: tuple[TestClient, str]
) -> None:
    c, token = admin
    top = _top(console, console.school_a)
    wanted = [top[-1], *top[:-1]]
    answer = c.post("/console/rooms/order", data={"csrf_token": token, "ids": wanted})
    assert answer.status_code == 200 and answer.json() == {"order": wanted}
    assert _top(console, console.school_a) == wanted
    # one folder's rooms, reversed
    with console.hub.engine.connect() as conn:
        layout = queries.load_layout(conn, console.school_a)
    folder, rooms = next((f, rs) for f, rs in layout.ordered() if f and len(rs) > 1)
    inside = [r.id for r in reversed(rooms)]
    assert (
        c.post("/console/rooms/order", data={"csrf_token": token, "ids": inside}).status_code == 200
    )
    with console.hub.engine.connect() as conn:
        again = queries.load_layout(conn, console.school_a)
    assert [r.id for f, rs in again.ordered() if f and f.id == folder.id for r in rs] == inside

    # another school's ids, alone or among ours: not found, nothing moves
    other = console.client()
    sign_in(other, *console.admin_b)
    other_token = csrf_of(other, "/console/rooms")
    other.post("/console/rooms/starter-pack", data={"csrf_token": other_token, "action": "add"})
    theirs = _top(console, console.school_b)
    mixed = [*wanted[:-1], theirs[0]]
    assert (
        c.post("/console/rooms/order", data={"csrf_token": token, "ids": mixed}).status_code == 404
    )
    foreign = list(reversed(theirs))
    assert (
        c.post("/console/rooms/order", data={"csrf_token": token, "ids": foreign}).status_code
        == 404
    )
    assert _top(console, console.school_b) == theirs
    assert _top(console, console.school_a) == wanted
    # an incomplete order, a mixed level, no token: refused, nothing moves
    for ids in (wanted[:-1], [*wanted, wanted[0]], [wanted[0], inside[0]], ["rm_nosuch"]):
        status = c.post("/console/rooms/order", data={"csrf_token": token, "ids": ids}).status_code
        assert status in (400, 404), ids
    assert c.post("/console/rooms/order", data={"ids": list(reversed(wanted))}).status_code == 403
    assert _top(console, console.school_a) == wanted


def test_reorder_refuses_an_incomplete_order_with_a_clear_message(console: Console) -> None:
    from hub.errors import UsageError
    from hub.rooms import starter

    starter.add_starter_pack(console.hub, school_id=console.school_a, actor="test")
    top = _top(console, console.school_a)
    with pytest.raises(UsageError, match="must list each of the folders and rooms"):
        store.reorder(console.hub, school_id=console.school_a, ids=top[1:], actor="test")


def test_support_sees_the_rooms_but_cannot_rearrange_them(
    console: Console, admin: tuple[TestClient, str]
) -> None:
    top = _top(console, console.school_a)
    support = console.client()
    sign_in(support, *console.support)
    page = support.get(f"/console/rooms?school={console.school_a}")
    assert page.status_code == 200 and "Library" in page.text
    assert "rooms.js" not in page.text and "data-order-id" not in page.text
    token = csrf_of(support)
    answer = support.post(
        f"/console/rooms/order?school={console.school_a}",
        data={"csrf_token": token, "ids": list(reversed(top))},
    )
    assert answer.status_code == 403
    assert _top(console, console.school_a) == top


# -- a large school's students: found by searching the server ---------------------------------


def test_a_large_school_lists_only_the_chosen_students_and_finds_the_rest(
    console: Console, admin: tuple[TestClient, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    c, token = admin
    monkeypatch.setattr(console_rooms, "PICKED_IN_PAGE", 1)
    library = _rooms(console, console.school_a)["Library"]
    page = c.get(f"/console/rooms/{library['id']}").text
    assert STUDENT not in page and STUDENT_2 not in page  # not sent whole in the page
    assert re.search(r"\d+ students: type part of a name or an email to find them", page)
    assert f'data-remote="/console/rooms/students?school={console.school_a}"' in page
    form = _form(token, library, visibility_mode="show_for", visibility_students=[STUDENT_2])
    assert c.post(f"/console/rooms/{library['id']}", data=form).status_code == 200
    page = c.get(f"/console/rooms/{library['id']}").text
    assert f'name="visibility_students" value="{STUDENT_2}" checked' in page  # the chosen one
    assert STUDENT not in page

    def found(q: str, who: TestClient = c, school: str = console.school_a) -> Any:
        answer = who.get("/console/rooms/students", params={"q": q, "school": school})
        return answer.status_code, answer.json() if answer.status_code == 200 else None

    # every word, in name or email, any case; by name; another school's student never
    assert found("SAM") == (
        200,
        {"students": [{"email": STUDENT, "name": "Sam Student"}], "more": False},
    )
    assert [s["email"] for s in found("student ada")[1]["students"]] == [STUDENT, STUDENT_2]
    assert found("bo")[1]["students"] == [] and found("   ")[1] == {"students": [], "more": False}
    monkeypatch.setattr(console_rooms, "FOUND_AT_MOST", 1)
    assert found("student") == (
        200,
        {"students": [{"email": STUDENT, "name": "Sam Student"}], "more": True},
    )
    # another school's admin is refused this school's list; signed out is asked to sign in
    other = console.client()
    sign_in(other, *console.admin_b)
    assert found("sam", other)[0] == 404
    assert found("bo", other, console.school_b)[1]["students"][0]["email"] == OTHER_STUDENT
    stranger = console.client()
    assert stranger.get(
        "/console/rooms/students", params={"q": "sam"}, follow_redirects=False
    ).status_code in (302, 303, 401)
