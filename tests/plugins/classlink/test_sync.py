"""End to end: a school connected to the ClassLink sandbox, synced by the engine."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from hub import accounts, integrations, runs, schools
from hub.context import Hub
from hub.testing import serve
from plugins.classlink.sandbox import OneRosterSandbox
from tests.plugins.classlink.conftest import expected_records


@pytest.fixture
def district() -> OneRosterSandbox:
    return OneRosterSandbox(seed=1, people=25)


@pytest.fixture
def connected(hub: Hub, district: OneRosterSandbox) -> Iterator[tuple[str, str]]:
    """(school id, integration id) of a school connected to the running sandbox."""
    with serve(district) as url:
        school = schools.create_school(hub, name="Cedar Valley", actor="test")
        settings = {**district.settings_for(url), "page_size": "9", "incremental": "true"}
        integration = integrations.create_integration(
            hub,
            school_id=school.id,
            provider="classlink",
            settings=settings,
            secrets=district.secrets(),
            actor="test",
        )
        yield school.id, integration.id


def _run(hub: Hub, integration_id: str, **options: Any) -> dict[str, Any]:
    run = runs.submit(hub, runs.RunRequest(integration_id=integration_id, **options), here=True).run
    return dict(runs.run_json(hub, run))


def test_first_sync_creates_the_people_then_nothing_changes(
    hub: Hub, district: OneRosterSandbox, connected: tuple[str, str]
) -> None:
    school_id, integration_id = connected
    expected = expected_records(district)
    active = {ext: v for ext, v in expected.items() if v[2]}
    inactive = len(expected) - len(active)

    first = _run(hub, integration_id)
    assert first["status"] == "succeeded", first["error"]
    assert first["counts"]["created"] == len(active)
    # + the one without email (a counselor exists only in 1.2: the 1.1 root does not serve her)
    assert first["counts"]["skipped"] == inactive + 1
    messages = " ".join(issue["message"] for issue in first["issues"])
    assert "no email address" in messages

    listed = {a["email"]: a for a in accounts.list_accounts(hub, school_id=school_id)}
    assert set(listed) == {v[0] for v in active.values()}
    tenant = district.tenant_id
    jane = listed["jane.goodall@cedarvalley.example.org"]
    assert jane["roles"] == ["admin", "teacher"]
    assert jane["source"] == "classlink"
    assert jane["external_id"] == f"{tenant}:admin-oak"
    assert "gail.guard@home.example.com" not in listed

    second = _run(hub, integration_id, full=True)
    assert second["status"] == "succeeded", second["error"]
    assert second["counts"]["unchanged"] == len(active)
    assert second["counts"]["created"] == 0 and second["counts"]["updated"] == 0


def test_an_incremental_run_reads_only_the_changes(
    hub: Hub, district: OneRosterSandbox, connected: tuple[str, str]
) -> None:
    school_id, integration_id = connected
    assert _run(hub, integration_id)["status"] == "succeeded"
    district.delete_user("admin-oak")
    district.update_user("aide-elm", familyName="Sagan-Druyan")
    before = len(district.requests)

    delta = _run(hub, integration_id)
    assert delta["status"] == "succeeded", delta["error"]
    assert delta["counts"]["deactivated"] == 1
    assert delta["counts"]["updated"] == 1
    assert delta["counts"]["created"] == 0
    user_reads = [r for r in district.requests[before:] if r.path.endswith("/users")]
    assert user_reads and all("dateLastModified>" in r.params["filter"] for r in user_reads)
    emails = {a["email"] for a in accounts.list_accounts(hub, school_id=school_id)}
    assert "jane.goodall@cedarvalley.example.org" not in emails


def test_revoked_credentials_fail_the_run_with_what_to_fix(
    hub: Hub, district: OneRosterSandbox, connected: tuple[str, str]
) -> None:
    _, integration_id = connected
    district.revoke()
    result = _run(hub, integration_id)
    assert result["status"] == "failed"
    assert "check client_id and client_secret" in result["error"]
    assert district.client_secret not in result["error"]
