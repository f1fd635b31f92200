"""A district run's changes are in the change log like a one-school run's: explain names the
Clever role behind each school's roles, and undo puts back every linked school's rows."""

from __future__ import annotations

from typing import Any

import pytest

from hub import undo
from hub.actors import Actor
from hub.context import Hub
from hub.errors import UsageError
from hub.explain import explain
from plugins.clever.sandbox import CleverSandbox
from tests.districts.helpers import emails, sync
from tests.districts.test_clever_district import setup


def reasons(answer: dict[str, Any]) -> dict[str, str]:
    return {r["role"]: r["reason"] for r in answer["roles"]}


def test_explain_names_each_schools_clever_role(
    hub: Hub, clever: CleverSandbox, clever_url: str
) -> None:
    integration, north, south, ids = setup(hub, clever, clever_url)
    roles = {
        "teacher": {"school": ids[0], "schools": [ids[0]]},
        "staff": {"school": ids[1], "schools": [ids[1]]},
    }
    clever.add_user(roles=roles, email="mae.jemison@clever.example.org")
    run = sync(hub, integration)
    assert run.status == "succeeded", run.error
    at_north = explain(hub, email="mae.jemison@clever.example.org", school_id=north)
    at_south = explain(hub, email="mae.jemison@clever.example.org", school_id=south)
    assert at_north["last_changed_by"] == run.id == at_south["last_changed_by"]
    assert reasons(at_north) == {"teacher": f"Clever role teacher at Clever school {ids[0]}"}
    assert reasons(at_south) == {
        "teacher": f"Clever role staff at Clever school {ids[1]}, mapped to teacher by "
        "staff_role=teacher"
    }


def test_undo_after_a_district_sync_restores_both_schools(
    hub: Hub, clever: CleverSandbox, clever_url: str
) -> None:
    integration, north, south, ids = setup(hub, clever, clever_url)
    assert sync(hub, integration).status == "succeeded"
    before = {school: emails(hub, school) for school in (north, south)}
    everyone = {school: emails(hub, school, include_all=True) for school in (north, south)}
    # the next sync moves a student from north to south, adds a teacher at both schools and
    # makes a north teacher a student
    mover = next(
        u
        for u in clever.users
        if set(u["roles"]) == {"student"}
        and u["roles"]["student"]["schools"] == [ids[0]]
        and u.get("email")
    )
    clever.update_user(
        mover["id"],
        roles={"student": dict(mover["roles"]["student"], school=ids[1], schools=[ids[1]])},
    )
    both = {"teacher": {"school": ids[0], "schools": [ids[0], ids[1]]}}
    clever.add_user(roles=both, email="new.teacher@clever.example.org")
    changed = next(
        u
        for u in clever.users
        if set(u["roles"]) == {"teacher"}
        and u["roles"]["teacher"]["schools"] == [ids[0]]
        and u.get("email")
    )
    clever.update_user(changed["id"], roles={"student": {"school": ids[0], "schools": [ids[0]]}})
    second = sync(hub, integration)
    assert second.status == "succeeded", second.error
    assert second.school_counts is not None
    assert second.school_counts[north]["deactivated"] == 1
    assert second.school_counts[north]["updated"] >= 1
    assert second.school_counts[south]["created"] == 2
    assert emails(hub, north) != before[north] and emails(hub, south) != before[south]

    done = undo.undo(hub, second.id, actor=Actor.everywhere("test"), here=True).run
    assert done is not None and done.status == "succeeded", done and done.error
    assert done.trigger == "undo" and done.undoes == second.id
    # every linked school is put back, and the undo counts each school as its own
    assert emails(hub, north) == before[north]
    assert emails(hub, south) == before[south]
    assert done.school_counts is not None and set(done.school_counts) == {north, south}
    assert done.school_counts[north]["reactivated"] == 1  # the mover, back at north
    assert done.school_counts[north]["deactivated"] == 1  # the new teacher, never here
    assert done.school_counts[south]["deactivated"] == 2  # the mover and the new teacher
    assert done.school_counts[north]["updated"] == 1  # the teacher's role, back
    # what the undone sync created stays, deactivated (never deleted); nothing else is new
    new_teacher, moved = "new.teacher@clever.example.org", mover["email"].lower()
    assert set(emails(hub, north, include_all=True)) - set(everyone[north]) == {new_teacher}
    assert set(emails(hub, south, include_all=True)) - set(everyone[south]) == {new_teacher, moved}
    # the undo's own changes are recorded in turn: undoing it redoes the sync
    redo = undo.undo(hub, done.id, actor=Actor.everywhere("test"), here=True).run
    assert redo is not None and redo.status == "succeeded", redo and redo.error
    assert "new.teacher@clever.example.org" in emails(hub, north)
    assert "new.teacher@clever.example.org" in emails(hub, south)
    assert moved in emails(hub, south) and moved not in emails(hub, north)


def test_a_school_admin_cannot_undo_a_district_run(
    hub: Hub, clever: CleverSandbox, clever_url: str
) -> None:
    integration, north, _south, _ids = setup(hub, clever, clever_url)
    run = sync(hub, integration)
    with pytest.raises(UsageError, match="unknown run"):
        undo.undo(hub, run.id, actor=Actor.at("admin@north", [north]), here=True)
