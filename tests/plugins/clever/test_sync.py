"""End to end: a school connected to the Clever sandbox, synced by the hub engine."""

from __future__ import annotations

import time
from typing import Any

import pytest

from hub import accounts, integrations, runs, schools
from hub import http as hub_http
from hub.context import Hub
from plugins.clever.sandbox import CleverSandbox
from tests.plugins.clever.expectations import expected_records


def connect(hub: Hub, url: str, district: CleverSandbox, **settings: str) -> str:
    school = schools.create_school(hub, name="Maplewood Elementary", actor="test")
    integration = integrations.create_integration(
        hub,
        school_id=school.id,
        provider="clever",
        settings={"base_url": url, **settings},
        secrets={"token": district.token},
        actor="test",
    )
    return str(integration.id)


def hub_view(expected: dict[str, tuple[str | None, frozenset[str], bool]]) -> dict[str, list[str]]:
    """email -> sorted hub roles (an admin is also a teacher by default)."""
    view = {}
    for email, roles, _active in expected.values():
        assert email is not None
        full = set(roles) | ({"teacher"} if "admin" in roles else set())
        view[email] = sorted(full)
    return view


def listed(hub: Hub, school_id: str, **options: Any) -> dict[str, list[str]]:
    return {
        a["email"]: a["roles"] for a in accounts.list_accounts(hub, school_id=school_id, **options)
    }


def school_of(hub: Hub, integration_id: str) -> str:
    return str(integrations.get_integration(hub, integration_id).school_id)


def test_full_then_unchanged_then_incremental(
    hub: Hub, clever_url: str, district: CleverSandbox
) -> None:
    integration_id = connect(hub, clever_url, district, incremental="true", page_size="9")
    school_id = school_of(hub, integration_id)
    expected = expected_records(district.users)

    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == len(expected)
    assert run.counts["skipped"] == 2  # the two people without email
    assert listed(hub, school_id) == hub_view(expected)
    assert all(a["source"] == "clever" for a in accounts.list_accounts(hub, school_id=school_id))
    assert integrations.get_integration(hub, integration_id).cursor == district.newest_event_id

    again = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test", full=True), here=True
    ).run
    assert again.status == "succeeded", again.error
    assert again.counts["unchanged"] == len(expected) and again.counts["created"] == 0

    users = district.users
    student = next(u for u in users if set(u["roles"]) == {"student"} and u.get("email"))
    teacher = next(u for u in users if set(u["roles"]) == {"teacher"} and u.get("email"))
    district.add_user(kind="teacher", email="new.hire@maplewood.example.org")
    district.update_user(student["id"], first_name="Renamed")
    district.delete_user(teacher["id"])

    before = len(district.requests)
    changes = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert changes.status == "succeeded", changes.error
    assert {k: v for k, v in changes.counts.items() if v} == {
        "created": 1,
        "updated": 1,
        "deactivated": 1,
    }
    now = {
        a["email"]: a for a in accounts.list_accounts(hub, school_id=school_id, include_all=True)
    }
    assert now["new.hire@maplewood.example.org"]["roles"] == ["teacher"]
    assert now[student["email"]]["first_name"] == "Renamed"
    assert now[teacher["email"]]["status"] == "deactivated"
    assert integrations.get_integration(hub, integration_id).cursor == district.newest_event_id
    # Only the events were read, not the roster.
    assert [p.split("?")[0] for p in district.requests[before:]] == ["/v3.0/events"]


def test_an_expired_cursor_runs_a_full_sync(
    hub: Hub, clever_url: str, district: CleverSandbox
) -> None:
    integration_id = connect(hub, clever_url, district, incremental="true")
    assert (
        runs.submit(
            hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
        ).run.status
        == "succeeded"
    )
    district.expire_events()
    district.add_user(kind="student", email="late.enrollee@students.maplewood.example.org")
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert run.counts["created"] == 1
    issues = runs.run_json(hub, run)["issues"]
    assert any("expired" in issue["message"] for issue in issues)


def test_a_half_read_roster_applies_nothing(
    hub: Hub, clever_url: str, district: CleverSandbox
) -> None:
    integration_id = connect(hub, clever_url, district, page_size="9")
    district.fail_next(503, times=1000, after=2)
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "failed"
    assert "503" in (run.error or "")
    assert listed(hub, school_of(hub, integration_id), include_all=True) == {}


def test_a_user_with_nul_in_a_name_is_skipped_and_the_rest_applied(
    hub: Hub, clever_url: str, district: CleverSandbox
) -> None:
    """PostgreSQL cannot store NUL: one such user is a warning, never a failed district run."""
    integration_id = connect(hub, clever_url, district)
    assert (
        runs.submit(
            hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
        ).run.status
        == "succeeded"
    )
    student = next(u for u in district.users if set(u["roles"]) == {"student"} and u.get("email"))
    district.update_user(student["id"], first_name="Renamed")
    bad = district.add_user(kind="student", email="bad.name@maplewood.example.org")
    district.update_user(bad["id"], first_name="Bad\u0000Name")

    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert run.counts["updated"] == 1 and run.counts["created"] == 0
    now = {
        a["email"]: a for a in accounts.list_accounts(hub, school_id=school_of(hub, integration_id))
    }
    assert now[student["email"]]["first_name"] == "Renamed"
    assert "bad.name@maplewood.example.org" not in now
    issues = [i for i in runs.run_json(hub, run)["issues"] if i["external_id"] == bad["id"]]
    assert len(issues) == 1 and issues[0]["severity"] == "warning"
    assert "first name" in issues[0]["message"] and "\\x00" in issues[0]["message"]


@pytest.mark.timeout(60)
def test_a_few_503s_cost_seconds_not_the_rate_limit_window(
    hub: Hub, clever_url: str, district: CleverSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Real waits: 503s that name a reset an hour away are retried after a short backoff."""
    monkeypatch.setattr(hub_http, "MAX_WAIT", 60.0)
    monkeypatch.setattr(hub_http, "BACKOFF", 0.1)
    integration_id = connect(hub, clever_url, district)
    far = str(int(time.time()) + 3600)
    district.fail_next(503, times=3, headers={"X-RateLimit-Reset": far})
    started = time.monotonic()
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert time.monotonic() - started < 10  # 0.1 + 0.2 + 0.4 s of backoff, plus the sync


def test_a_revoked_token_fails_the_run_with_what_to_do(
    hub: Hub, clever_url: str, district: CleverSandbox
) -> None:
    integration_id = connect(hub, clever_url, district)
    district.revoke()
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="test"), here=True
    ).run
    assert run.status == "failed"
    assert "reconnect the district in Clever (setting: token)" in (run.error or "")
    assert district.token not in (run.error or "")
    checked = integrations.check_integration(hub, integration_id)
    assert checked["ok"] is False and "setting: token" in checked["message"]
