"""Importing rooms: every error at its sheet, row and column with nothing written; dry runs;
re-imports update by name and create nothing twice."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from hub.rooms import queries, store
from hub.rooms.imports import COLUMNS, process_rooms_file
from hub.rooms.template import template_bytes
from tests.hub.rooms.conftest import ADMIN, OTHER_TEACHER, STUDENT, TEACHER, School

GOOD = ("Cafeteria", "C100", "", "", "10", "Both", "40", "Yes")


def xlsx(*rows: tuple[str, ...]) -> bytes:
    return template_bytes(rows)


def run(
    school: School, content: bytes, *, filename: str = "rooms.xlsx", dry_run: bool = False
) -> dict[str, Any]:
    return process_rooms_file(
        school.hub,
        school_id=school.id,
        filename=filename,
        content=content,
        dry_run=dry_run,
        actor="t",
    )


def names(school: School) -> list[str]:
    return [r["name"] for r in queries.list_rooms(school.hub, school_id=school.id)]


def test_the_template_imports_its_example_row(school: School) -> None:
    result = run(school, template_bytes())
    assert result == {
        "status": "applied",
        "counts": {"created": 1, "updated": 0, "unchanged": 0},
        "errors": [],
        "warnings": [],
    }
    [room] = queries.list_rooms(school.hub, school_id=school.id)
    assert (
        room["name"],
        room["number"],
        room["time_limit"],
        room["travel_type"],
        room["max_capacity"],
    ) == (
        "Cafeteria",
        "C100",
        10,
        "both",
        40,
    )


BAD_ROWS = [
    (("A" * 16, "1", "", "", "", "", "", ""), "Room Name", "16 characters; at most 15"),
    (("Gym", "123456", "", "", "", "", "", ""), "Room Number", "at most 5"),
    (("Gym", "G-1", "", "", "", "", "", ""), "Room Number", "only letters and digits"),
    (("Gym", "", "", "", "", "", "", ""), "Room Number", "enter the room number"),
    (
        ("Gym", "G1", "nobody@ada.example.org", "", "", "", "", ""),
        "Teachers in Room",
        "'nobody@ada.example.org' is not an active teacher",
    ),
    (("Gym", "G1", STUDENT, "", "", "", "", ""), "Teachers in Room", "is not an active teacher"),
    (
        ("Gym", "G1", OTHER_TEACHER, "", "", "", "", ""),
        "Teachers in Room",
        "is not an active teacher",
    ),
    (("Gym", "G1", "", "", "0", "", "", ""), "Time Limit", "from 1 to 999"),
    (("Gym", "G1", "", "", "1000", "", "", ""), "Time Limit", "from 1 to 999"),
    (("Gym", "G1", "", "", "soon", "", "", ""), "Time Limit", "whole number"),
    (("Gym", "G1", "", "", "", "Sideways", "", ""), "Travel Type", "Round Trip, One Way or Both"),
    (("Gym", "G1", "", "", "", "", "many", ""), "Max Capacity", "whole number"),
    (("Gym", "G1", "", "", "", "", "", "Maybe"), "Counts Toward Pass Limits", "Yes or No"),
    (("Gym", "G1", "", "F" * 31, "", "", "", ""), "Folder", "at most 30"),
]


@pytest.mark.parametrize(
    ("row", "column", "message"), BAD_ROWS, ids=[c + ":" + m for _, c, m in BAD_ROWS]
)
def test_each_error_is_at_its_sheet_row_and_column_and_nothing_is_written(
    school: School, row: tuple[str, ...], column: str, message: str
) -> None:
    result = run(school, xlsx(GOOD, row))
    assert result["status"] == "rejected"
    assert result["counts"] == {"created": 1, "updated": 0, "unchanged": 0}
    [error] = result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("Rooms", 3, column)
    assert message in error["message"]
    assert names(school) == []  # all or nothing: the good row is not written either


def test_a_name_twice_in_the_file(school: School) -> None:
    result = run(
        school,
        xlsx(
            GOOD, ("Gym", "G1", "", "", "", "", "", ""), ("cafeteria", "C2", "", "", "", "", "", "")
        ),
    )
    [error] = result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("Rooms", 4, "Room Name")
    assert "also on row 2" in error["message"]
    assert names(school) == []


def test_a_name_of_the_school_in_another_case(school: School) -> None:
    store.create_room(
        school.hub,
        school_id=school.id,
        data={"name": "Nurse", "number": "N1", "time_limit": 5},
        actor="t",
    )
    result = run(school, xlsx(GOOD, ("NURSE", "N2", "", "", "", "", "", "")))
    [error] = result["errors"]
    assert (error["row"], error["column"]) == (3, "Room Name")
    assert "a room named 'Nurse' already exists in this school" in error["message"]
    assert names(school) == ["Nurse"]


def test_a_missing_required_column_is_an_error_on_the_header_row(school: School) -> None:
    data = "Room Name,Teachers in Room\nGym,\n"
    result = run(school, data.encode(), filename="rooms.csv")
    assert result["errors"] == [
        {
            "sheet": "rooms.csv",
            "row": 1,
            "column": "Room Number",
            "message": "the required column Room Number is missing from row 1",
        }
    ]


def test_a_file_that_is_not_a_spreadsheet_is_refused_whole(school: School) -> None:
    result = run(school, b"%PDF-1.4 not really", filename="rooms.pdf")
    [error] = result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("rooms.pdf", 0, None)
    assert "a PDF document" in error["message"]


def test_csv_dry_run_writes_nothing(school: School) -> None:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(("Gym", "G1", f"{TEACHER}; {ADMIN}", "Athletics", "15", "One Way", "", "No"))
    result = run(school, out.getvalue().encode(), filename="rooms.csv", dry_run=True)
    assert (result["status"], result["counts"]) == (
        "dry_run",
        {"created": 1, "updated": 0, "unchanged": 0},
    )
    assert names(school) == []
    applied = run(school, out.getvalue().encode(), filename="rooms.csv")
    assert applied["status"] == "applied"
    [gym] = queries.list_rooms(school.hub, school_id=school.id)
    assert (gym["folder"], gym["teachers"], gym["travel_type"], gym["counts_toward_limits"]) == (
        "Athletics",
        [TEACHER, ADMIN],
        "one_way",
        False,
    )


def test_reimport_updates_by_name_and_creates_nothing_twice(school: School) -> None:
    first = xlsx(GOOD, ("Gym", "G1", TEACHER, "Athletics", "", "", "", ""))
    assert run(school, first)["counts"] == {"created": 2, "updated": 0, "unchanged": 0}
    assert run(school, first)["counts"] == {"created": 0, "updated": 0, "unchanged": 2}
    changed = xlsx(
        ("Cafeteria", "C101", "", "", "", "", "", ""),
        ("Gym", "G1", TEACHER, "Athletics", "", "", "", ""),
    )
    assert run(school, changed)["counts"] == {"created": 0, "updated": 1, "unchanged": 1}
    cafeteria = queries.list_rooms(school.hub, school_id=school.id)
    assert [r["name"] for r in cafeteria] == ["Cafeteria", "Gym"]
    # blank optional cells kept the settings the first file gave
    assert (cafeteria[0]["number"], cafeteria[0]["time_limit"], cafeteria[0]["max_capacity"]) == (
        "C101",
        10,
        40,
    )


def test_another_school_s_admin_cannot_import(school: School) -> None:
    from hub.access import NotVisible
    from hub.actors import Actor

    with pytest.raises(NotVisible):
        process_rooms_file(
            school.hub,
            school_id=school.id,
            filename="r.xlsx",
            content=template_bytes(),
            dry_run=False,
            actor=Actor.at("b-admin", [school.other]),
        )
    assert names(school) == []
