"""A sync that deactivates a teacher who is in rooms warns, naming the rooms; a room left with
no teacher while its restrictions need one is flagged (``needs_teacher``)."""

from __future__ import annotations

from typing import Any

import pytest

from hub import runs
from hub.context import Hub
from hub.models import Integration
from hub.rooms import queries, store
from tests.fakes import FakeRoster, connect, rec, use_fakes


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


def sync(hub: Hub, integration: Integration, **kw: Any) -> dict[str, Any]:
    return runs.run_json(
        hub, runs.submit(hub, runs.RunRequest(integration_id=integration.id, **kw), here=True).run
    )


def test_deactivating_a_teacher_in_rooms_warns_and_flags_the_room(eng: Hub) -> None:
    people = [
        rec("t1", "nina@school.example", roles="teacher"),
        rec("t2", "otto@school.example", roles="teacher"),
    ]
    people += [rec(f"s{n}") for n in range(20)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    assert sync(eng, integration)["status"] == "succeeded"
    school = integration.school_id
    nurse = store.create_room(
        eng,
        school_id=school,
        data={
            "name": "Nurse",
            "number": "N1",
            "time_limit": 10,
            "teachers": ["nina@school.example"],
            "restriction_now": {"who": "all_teachers_in_room", "room": "this"},
        },
        actor="t",
    )
    store.create_room(
        eng,
        school_id=school,
        data={
            "name": "Library",
            "number": "L1",
            "time_limit": 10,
            "teachers": ["nina@school.example", "otto@school.example"],
        },
        actor="t",
    )
    roster.people(*[p for p in people if p.external_id != "t1"])
    dry = sync(eng, integration, dry_run=True)
    expected = (
        "nina@school.example is deactivated and is a teacher in the room(s) Library, Nurse; "
        "Nurse will have no teacher to approve passes, while their restrictions send passes "
        "to the room's teachers"
    )
    assert [i["message"] for i in dry["issues"] if i["email"] == "nina@school.example"] == [
        expected
    ]
    assert not queries.list_rooms(eng, school_id=school)[1][
        "needs_teacher"
    ]  # a dry run changes nothing
    run = sync(eng, integration)
    assert run["status"] == "succeeded"
    assert {
        "severity": "warning",
        "external_id": None,
        "email": "nina@school.example",
        "message": expected,
    } in run["issues"]
    rooms = {r["name"]: r for r in queries.list_rooms(eng, school_id=school)}
    assert rooms["Nurse"]["teachers"] == [] and rooms["Nurse"]["needs_teacher"] is True
    assert (
        rooms["Library"]["teachers"] == ["otto@school.example"]
        and not rooms["Library"]["needs_teacher"]
    )
    assert queries.rooms_needing_teachers(eng, school_id=school) == ["Nurse"]
    del nurse


def test_a_sync_that_deactivates_nobody_in_rooms_adds_no_warning(eng: Hub) -> None:
    people = [rec("t1", "nina@school.example", roles="teacher")] + [rec(f"s{n}") for n in range(20)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(*people[:-1])
    run = sync(eng, integration)
    assert run["counts"]["deactivated"] == 1
    assert not [i for i in run["issues"] if "room" in i["message"]]
