"""ClassLink (orgs per school) and Google Workspace (OUs per school) districts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from hub.context import Hub
from hub.explain import explain
from hub.testing import serve
from plugins.classlink.provider import OneRosterProvider
from plugins.classlink.sandbox import OneRosterSandbox
from plugins.classlink.sandbox.tenant import ELM, OAK
from plugins.gsuite.provider import GoogleProvider
from plugins.gsuite.sandbox import GoogleSandbox
from tests.districts.helpers import account_count, connect, emails, make_district, sync


@pytest.fixture
def tenant() -> Iterator[tuple[OneRosterSandbox, str]]:
    sandbox = OneRosterSandbox(seed=3, people=120)
    with serve(sandbox) as base_url:
        yield sandbox, base_url


@pytest.fixture
def google() -> Iterator[tuple[GoogleSandbox, str]]:
    sandbox = GoogleSandbox(seed=5)
    with serve(sandbox.app) as base_url:
        yield sandbox, base_url


def provider_wide(settings: dict[str, str], keys: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in settings.items() if k not in keys}


def users_requests(sandbox: OneRosterSandbox) -> int:
    return sum(1 for r in sandbox.requests if r.path.endswith("/users"))


def test_classlink_orgs_per_school(hub: Hub, tenant: tuple[OneRosterSandbox, str]) -> None:
    sandbox, url = tenant
    _, (elm, oak) = make_district(hub, "Elm Elementary", "Oak Middle")
    settings = provider_wide(sandbox.settings_for(url), OneRosterProvider.link_keys)
    integration = connect(
        hub,
        _district_of(hub, elm),
        "classlink",
        settings,
        sandbox.secrets(),
        {elm: {"orgs": ELM}, oak: {"orgs": OAK}},
    )
    before = users_requests(sandbox)
    run = sync(hub, integration)
    assert run.status == "succeeded", run.error
    assert users_requests(sandbox) - before == 1  # one page of /users: one walk
    assert run.school_counts is not None and set(run.school_counts) == {elm, oak}
    rosa = "rosa.parks@cedarvalley.example.org"
    assert emails(hub, elm)[rosa] == ["teacher"]
    assert emails(hub, oak)[rosa] == ["teacher"]
    for school in (elm, oak):  # each school's role, with the ClassLink role behind it
        answer = explain(hub, email=rosa, school_id=school)
        assert answer["last_changed_by"] == run.id
        assert answer["roles"][0]["reason"].startswith("ClassLink role ")
    # at Pine and Oak (not linked, and linked): at Oak only, never at Elm
    assert "marie.curie@cedarvalley.example.org" in emails(hub, oak)
    assert "marie.curie@cedarvalley.example.org" not in emails(hub, elm)
    everyone = set(emails(hub, elm)) | set(emails(hub, oak))
    assert account_count(hub) == len(everyone)

    # a safeguard trip at Elm only names Elm
    elm_students = [
        u
        for u in sandbox.users
        if u.get("role") == "student"
        and [o["sourcedId"] for o in u.get("orgs") or []] == [ELM]
        and u.get("status") != "tobedeleted"
        and str(u.get("email") or "").lower() in emails(hub, elm)
    ]
    for user in elm_students[:6]:
        sandbox.delete_user(user["sourcedId"])
    held = sync(hub, integration)
    assert held.status == "held", held.error
    assert held.error is not None and "Elm Elementary" in held.error
    assert "Oak Middle" not in held.error
    assert held.school_counts is not None
    assert held.school_counts[elm]["deactivated"] == 6
    assert held.school_counts[oak]["deactivated"] == 0


def _district_of(hub: Hub, school_id: str) -> str:
    from hub import schools

    return schools.get_school(hub, school_id).district_id or ""


def test_google_ous_per_school(hub: Hub, google: tuple[GoogleSandbox, str]) -> None:
    sandbox, url = google
    _, (north, south) = make_district(hub, "North High", "South High")
    settings = provider_wide(sandbox.settings(url), GoogleProvider.link_keys)
    admins = f"it-admins@{sandbox.domain.name}"
    integration = connect(
        hub,
        _district_of(hub, north),
        "gsuite",
        settings,
        {"token": sandbox.token},
        {
            north: {"student_ous": "/Students/2025", "teacher_ous": "/Staff"},
            south: {
                "student_ous": "/Students/2026",
                "teacher_ous": "/Staff",
                "admin_groups": admins,
            },
        },
    )
    before = sum(1 for path, _ in sandbox.requests if path.endswith("/users"))
    run = sync(hub, integration)
    assert run.status == "succeeded", run.error
    assert sum(1 for path, _ in sandbox.requests if path.endswith("/users")) - before == 1
    domain = sandbox.domain
    active = [u for u in domain.users.values() if not (u.suspended or u.archived)]
    y2025 = {u.email for u in active if u.ou == "/Students/2025"}
    y2026 = {u.email for u in active if u.ou == "/Students/2026"}
    staff = {u.email for u in active if u.ou.startswith("/Staff")}
    north_now, south_now = emails(hub, north), emails(hub, south)
    assert {e for e, roles in north_now.items() if roles == ["student"]} == y2025
    assert {e for e, roles in south_now.items() if roles == ["student"]} == y2026
    assert staff <= set(north_now) and staff <= set(south_now)  # one account, two memberships
    director = domain.by_label("it-director")[0].email
    assert south_now[director] == ["admin", "teacher"]
    assert director not in north_now
    # explain names the OU or group behind each school's roles, and the district run
    why = explain(hub, email=director, school_id=south)
    assert why["last_changed_by"] == run.id
    assert {r["role"]: r["reason"] for r in why["roles"]}["admin"] == (
        f"member of group {admins} (admin_groups)"
    )
    teacher = next(iter(sorted(staff)))
    at_north = {
        r["role"]: r["reason"] for r in explain(hub, email=teacher, school_id=north)["roles"]
    }
    assert at_north["teacher"].startswith("in OU /Staff") and "teacher_ous" in at_north["teacher"]

    # moving a student between the schools' OUs moves their membership
    mover = next(u for u in active if u.ou == "/Students/2025")
    domain.move(mover.id, "/Students/2026")
    moved = sync(hub, integration)
    assert moved.status == "succeeded", moved.error
    assert moved.school_counts is not None
    assert moved.school_counts[north]["deactivated"] == 1
    assert moved.school_counts[south]["created"] == 1
    assert mover.email not in emails(hub, north) and mover.email in emails(hub, south)

    # six more students leave North: held, and the reason names North, not South
    for user in [u for u in active if u.ou == "/Students/2025" and u.id != mover.id][:6]:
        domain.remove_user(user.id)
    held = sync(hub, integration)
    assert held.status == "held"
    assert held.error is not None and "North High" in held.error
    assert "South High" not in held.error
