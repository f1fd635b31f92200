"""A school synced from the Google Workspace sandbox through the real engine, on each database."""

from __future__ import annotations

from typing import Any

from hub import accounts, integrations, runs, schools
from hub.context import Hub
from plugins.gsuite.sandbox import GoogleSandbox


def sync(hub: Hub, integration_id: str) -> dict[str, Any]:
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    result: dict[str, Any] = runs.run_json(hub, run)
    return result


def test_sync_from_google_workspace(hub: Hub, sandbox: GoogleSandbox, base_url: str) -> None:
    domain = sandbox.domain
    school = schools.create_school(hub, name="Lincoln High", actor="test")
    integration = integrations.create_integration(
        hub,
        school_id=school.id,
        provider="gsuite",
        settings=sandbox.settings(base_url),
        secrets={"token": sandbox.token},
        actor="test",
    )

    first = sync(hub, integration.id)
    assert first["status"] == "succeeded", first["error"]
    # 35 selected: 2 inactive never seen are skipped, the student-coach is a conflict
    assert first["counts"]["created"] == 32
    assert first["counts"]["skipped"] >= 2
    student_coach = domain.by_label("student-coach")[0]
    errors = [i for i in first["issues"] if i["severity"] == "error"]
    assert [i["external_id"] for i in errors] == [student_coach.id]

    listed = {a["email"]: a for a in accounts.list_accounts(hub, school_id=school.id)}
    assert len(listed) == 32
    school_admin = domain.by_label("school-admin")[0]
    director = domain.by_label("it-director")[0]
    coach = domain.by_label("coach")[0]
    assert listed[school_admin.email]["roles"] == ["admin", "teacher"]
    assert listed[director.email]["roles"] == ["admin", "teacher"]  # admin implies teacher
    assert listed[coach.email]["roles"] == ["teacher"]
    assert listed[coach.email]["source"] == "gsuite"
    assert listed[coach.email]["external_id"] == coach.id

    again = sync(hub, integration.id)
    assert again["status"] == "succeeded"
    assert again["counts"]["unchanged"] == 32
    assert again["counts"]["created"] == again["counts"]["updated"] == 0

    teacher = domain.by_label("teacher")[0]
    old_coach_email = coach.email
    domain.suspend(teacher.id)
    domain.rename(coach.id, f"head.coach@{domain.name}")
    third = sync(hub, integration.id)
    assert third["status"] == "succeeded", third["error"]
    assert third["counts"]["deactivated"] == 1
    assert third["counts"]["updated"] == 1
    assert third["counts"]["created"] == 0
    listed = {a["email"]: a for a in accounts.list_accounts(hub, school_id=school.id)}
    assert teacher.email not in listed
    assert f"head.coach@{domain.name}" in listed
    assert old_coach_email not in listed


def test_check_through_the_hub(hub: Hub, sandbox: GoogleSandbox, base_url: str) -> None:
    school = schools.create_school(hub, name="Lincoln High", actor="test")
    integration = integrations.create_integration(
        hub,
        school_id=school.id,
        provider="gsuite",
        settings=sandbox.settings(base_url),
        secrets={"token": sandbox.token},
        actor="test",
    )
    result = integrations.check_integration(hub, integration.id)
    assert result["ok"] is True, result["message"]
    assert {"id": "/Staff", "name": "Staff", "kind": "ou", "detail": "Teaching staff"} in result[
        "sources"
    ]
    sandbox.revoke()
    result = integrations.check_integration(hub, integration.id)
    assert result["ok"] is False
    assert "secret: token" in result["message"]
    assert sandbox.token not in result["message"]
