"""Explain an account and undo a run (INTERFACE "Explain and undo"), on every database.

Records come from each provider's own mapping code (Clever roles, ClassLink roles, Google OUs
and groups) and go through the real engine; spreadsheets through the real upload."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from hub import runs, undo
from hub.actors import Actor
from hub.context import Hub
from hub.explain import explain
from hub.models import Account, Integration, Membership
from hub.roster import RosterRecord
from hub.schools import create_school
from hub.uploads import process_upload
from plugins.classlink.mapping import map_user
from plugins.clever.mapping import UserMapping
from plugins.gsuite.provider import GoogleProvider
from plugins.gsuite.selection import GroupRule, OuRule, Selection
from tests.fakes import FakeRoster, connect, rec, use_fakes
from tests.plugins.csv.files import HEADER, xlsx

OPERATOR = Actor.everywhere("test")


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


def sync(hub: Hub, integration: Integration, **kw: Any) -> runs.Run:  # type: ignore[name-defined]
    run = runs.submit(hub, runs.RunRequest(integration_id=integration.id, **kw), here=True).run
    return run


def roles_of(answer: dict[str, Any]) -> dict[str, str]:
    return {r["role"]: r["reason"] for r in answer["roles"]}


def test_clever_staff_mapped_to_admin(eng: Hub) -> None:
    user = {
        "id": "c1",
        "email": "Ada@School.example",
        "name": {"first": "Ada", "last": "L"},
        "roles": {"staff": {"school": "sch9"}},
    }
    record = UserMapping(staff_role="admin").record(user)
    assert isinstance(record, RosterRecord)
    integration = connect(eng, FakeRoster().people(record))
    run = sync(eng, integration)
    answer = explain(eng, email="ada@school.example", school_id=integration.school_id)
    assert answer["present"] and answer["status"] == "active"
    assert answer["owner"] == integration.id and answer["last_changed_by"] == run.id
    why = roles_of(answer)
    assert (
        why["admin"]
        == "Clever role staff at Clever school sch9, mapped to admin by staff_role=admin"
    )
    assert why["teacher"] == "admin implies teacher (admin_implies_teacher=true)"
    assert {r["run_id"] for r in answer["roles"]} == {run.id}
    assert all(r["integration_id"] == integration.id for r in answer["roles"])
    assert "Clever role staff" in answer["reason"]


def test_classlink_roles(eng: Hub) -> None:
    user = {
        "sourcedId": "u7",
        "email": "grace@school.example",
        "givenName": "Grace",
        "familyName": "H",
        "role": "aide",
        "orgs": [{"sourcedId": "org1"}],
    }
    record = map_user(user, tenant_id="t1")
    assert isinstance(record, RosterRecord)
    integration = connect(eng, FakeRoster().people(record))
    sync(eng, integration)
    answer = explain(eng, email="grace@school.example", school_id=integration.school_id)
    assert roles_of(answer) == {"teacher": "ClassLink role aide, mapped to teacher"}
    assert "record t1:u7" in answer["reason"]


def test_google_ou_and_group(eng: Hub) -> None:
    selection = Selection(
        ou_rules=[OuRule("admin_ous", "/Staff")],
        group_rules=[GroupRule("teacher_groups", "teachers@school.example", {"g1"})],
    )
    user = {
        "id": "g1",
        "primaryEmail": "alan@school.example",
        "orgUnitPath": "/Staff/Administration",
        "name": {"givenName": "Alan", "familyName": "T"},
    }
    record = GoogleProvider._item(user, selection)
    assert isinstance(record, RosterRecord)
    integration = connect(eng, FakeRoster().people(record))
    sync(eng, integration)
    why = roles_of(explain(eng, email="alan@school.example", school_id=integration.school_id))
    assert why == {
        "admin": "in OU /Staff/Administration (under /Staff, admin_ous)",
        "teacher": "member of group teachers@school.example (teacher_groups)",
    }


def test_admin_implies_teacher_off(eng: Hub) -> None:
    integration = connect(eng, FakeRoster().people(rec("a1", roles="admin")))
    with eng.transaction() as session:
        row = session.get(Integration, integration.id)
        assert row is not None
        row.admin_implies_teacher = False
    sync(eng, integration)
    answer = explain(eng, email="a1@school.example", school_id=integration.school_id)
    assert [r["role"] for r in answer["roles"]] == ["admin"]


def upload(hub: Hub, school_id: str, sheets: dict[str, Any]) -> str:
    outcome = process_upload(
        hub,
        school_id=school_id,
        filename="people.xlsx",
        content=xlsx(sheets),
        dry_run=False,
        actor="test",
    )
    assert outcome.result["status"] == "applied", outcome.result
    return outcome.upload_id


def test_spreadsheet_sheet_and_row(eng: Hub) -> None:
    school = create_school(eng, name="Sheet School", actor="test")
    rows = [
        HEADER,
        ["x@school.example", "X", "Y", "", ""],
        ["boss@school.example", "B", "C", "", ""],
    ]
    upload_id = upload(eng, school.id, {"Admin": rows})
    answer = explain(eng, email="boss@school.example", school_id=school.id)
    why = roles_of(answer)
    assert why["admin"].startswith(f"Admin sheet, row 3 of upload {upload_id} on 20")
    assert "the Admin sheet means admin and teacher" in why["teacher"]
    assert answer["owner"] == "csv" and answer["last_changed_by"] == upload_id


def test_deactivated_and_never_synced(eng: Hub) -> None:
    roster = FakeRoster().people(rec("s1"), rec("s2"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("s1"))
    second = sync(eng, integration)
    answer = explain(eng, email="s2@school.example", school_id=integration.school_id)
    assert answer["present"] and answer["status"] == "deactivated"
    assert answer["last_changed_by"] == second.id
    assert answer["reason"].startswith(f"deactivated by {second.id}: the provider stopped")
    nobody = explain(eng, email="Nobody@School.example", school_id=integration.school_id)
    assert nobody["present"] is False and nobody["status"] is None
    assert nobody["reason"] == "never synced: no run or upload has added nobody@school.example"


def test_skipped_person_names_the_run_and_issue(eng: Hub) -> None:
    integration = connect(eng, FakeRoster().people(rec("c1", roles="student,teacher")))
    run = sync(eng, integration)
    answer = explain(eng, email="c1@school.example", school_id=integration.school_id)
    assert answer["present"] is False
    assert answer["reason"].startswith(f"skipped in run {run.id}: maps to student and teacher")


def test_owned_by_another_source(eng: Hub) -> None:
    school = create_school(eng, name="Owned School", actor="test")
    upload(eng, school.id, {"Teacher": [HEADER, ["t1@school.example", "T", "One", "", ""]]})
    integration = connect(eng, FakeRoster().people(rec("t1", roles="teacher")), school=school)
    run = sync(eng, integration)
    answer = explain(eng, email="t1@school.example", school_id=school.id)
    assert answer["owner"] == "csv" and answer["present"]
    assert f"run {run.id} left them as they are: already at this school" in answer["reason"]


# -- undo -------------------------------------------------------------------------------------


def snapshot(hub: Hub, school_id: str) -> dict[str, tuple[Any, ...]]:
    m, a = Membership.__table__, Account.__table__  # type: ignore[attr-defined]
    with hub.engine.connect() as conn:
        rows = conn.execute(
            select(a.c.email, a.c.first_name, a.c.last_name, m.c.roles, m.c.status)
            .join(m, m.c.account_id == a.c.id)
            .where(m.c.school_id == school_id)
        )
        return {r[0]: tuple(r[1:]) for r in rows}


def do_undo(hub: Hub, target: str, **kw: Any) -> Any:
    return undo.undo(hub, target, actor=OPERATOR, here=True, **kw)


def test_undo_a_full_sync_deactivates_what_it_created(eng: Hub) -> None:
    integration = connect(eng, FakeRoster().people(rec("s1"), rec("t1", roles="teacher")))
    run = sync(eng, integration)
    done = do_undo(eng, run.id, force=True).run  # 2 of 2 deactivated: the safeguard would hold
    assert done.trigger == "undo" and done.undoes == run.id and done.status == "succeeded"
    assert done.counts["deactivated"] == 2
    assert {v[3] for v in snapshot(eng, integration.school_id).values()} == {"deactivated"}
    with eng.engine.connect() as conn:
        assert conn.execute(select(Account.__table__.c.id)).all()  # never deleted


def test_undo_is_held_by_the_safeguard_like_any_run(eng: Hub) -> None:
    people = [rec(f"s{n}") for n in range(10)]
    integration = connect(eng, FakeRoster().people(*people))
    run = sync(eng, integration)
    held = do_undo(eng, run.id).run
    assert held.status == "held" and "safeguard" in (held.error or "")
    approved = runs.approve(eng, held.id, actor="test")
    assert approved.status == "succeeded"


def test_undo_a_deactivating_sync_and_undo_the_undo(eng: Hub) -> None:
    roster = FakeRoster().people(rec("s1"), rec("s2", first="Old"), rec("s3"))
    integration = connect(eng, roster)
    sync(eng, integration)
    before = snapshot(eng, integration.school_id)
    roster.people(rec("s1", roles="teacher"), rec("s2", first="New"))
    bad = sync(eng, integration)
    assert bad.counts["deactivated"] == 1 and bad.counts["updated"] == 2
    after_bad = snapshot(eng, integration.school_id)
    back = do_undo(eng, bad.id).run
    assert back.status == "succeeded", back.error
    assert snapshot(eng, integration.school_id) == before
    assert back.counts == {**back.counts, "reactivated": 1, "updated": 2}
    redo = do_undo(eng, back.id).run
    assert redo.status == "succeeded", redo.error
    assert snapshot(eng, integration.school_id) == after_bad
    answer = explain(eng, email="s3@school.example", school_id=integration.school_id)
    assert answer["last_changed_by"] == redo.id


def test_conflicting_later_run_refuses_then_force_is_partial(eng: Hub) -> None:
    roster = FakeRoster().people(rec("s1"), rec("s2"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("s1", first="A"), rec("s2", first="B"))
    first = sync(eng, integration)
    roster.people(rec("s1", first="Again"), rec("s2", first="B"))
    later = sync(eng, integration)
    with pytest.raises(undo.UndoConflicts) as refused:
        do_undo(eng, first.id)
    assert [c.as_dict() for c in refused.value.conflicts] == [
        {
            "email": "s1@school.example",
            "school_id": integration.school_id,
            "what": "membership",
            "changed_by": later.id,
        },
        {
            "email": "s1@school.example",
            "school_id": None,  # an account is every school's
            "what": "account",
            "changed_by": later.id,
        },
    ]
    assert snapshot(eng, integration.school_id)["s1@school.example"][0] == "Again"
    done = do_undo(eng, first.id, force=True).run
    assert done.status == "succeeded" and done.counts["skipped"] == 2
    now = snapshot(eng, integration.school_id)
    assert now["s1@school.example"][0] == "Again"  # the conflict is left as it is
    assert now["s2@school.example"][0] == "First"  # the rest is put back
    issues = runs.run_json(eng, done)["issues"]
    assert any(f"changed again by {later.id}" in i["message"] for i in issues)


def test_undo_an_upload(eng: Hub) -> None:
    school = create_school(eng, name="Upload School", actor="test")
    first = upload(
        eng, school.id, {"Student": [HEADER, ["kid@school.example", "Kid", "A", "", ""]]}
    )
    before = snapshot(eng, school.id)
    rows = [
        HEADER,
        ["kid@school.example", "Kiddo", "A", "", ""],
        ["new@school.example", "New", "B", "", ""],
    ]
    second = upload(eng, school.id, {"Teacher": rows})
    done = do_undo(eng, second, force=True).upload
    assert done is not None and done.id.startswith("upl_")
    after = snapshot(eng, school.id)
    assert after["kid@school.example"] == before["kid@school.example"]
    assert after["new@school.example"][3] == "deactivated"  # created by it: kept, deactivated
    assert undo.upload_json(done)["undoes"] == second
    redo = do_undo(eng, done.id, force=True).upload
    assert redo is not None
    assert snapshot(eng, school.id)["new@school.example"][3] == "active"
    assert first != second


def test_nothing_to_undo(eng: Hub) -> None:
    integration = connect(eng, FakeRoster().people(rec("s1")))
    sync(eng, integration)
    again = sync(eng, integration)
    with pytest.raises(undo.UsageError, match="changed nothing"):
        do_undo(eng, again.id)


def test_undo_refuses_a_school_the_actor_cannot_touch(eng: Hub) -> None:
    integration = connect(eng, FakeRoster().people(rec("s1")))
    run = sync(eng, integration)
    with pytest.raises(undo.UsageError, match="unknown run"):
        undo.undo(eng, run.id, actor=Actor.at("admin", {"sch_elsewhere"}), here=True)
