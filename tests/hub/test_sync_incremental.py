"""Incremental runs: change feeds from a stored cursor, and the fall-back to a full run."""

from __future__ import annotations

from typing import Any

import pytest

from hub import runs
from hub.context import Hub
from hub.models import Integration
from hub.roster import Cursor
from tests.fakes import FakeRoster, accounts, connect, rec, use_fakes


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


def sync(hub: Hub, integration: Integration, **kw: Any) -> dict[str, Any]:
    return runs.run_json(
        hub, runs.submit(hub, runs.RunRequest(integration_id=integration.id, **kw), here=True).run
    )


def cursor_of(hub: Hub, integration: Integration) -> str | None:
    with hub.session() as session:
        found = session.get(Integration, integration.id)
        assert found is not None
        return found.cursor


def started(eng: Hub) -> tuple[FakeRoster, Integration]:
    """An incremental integration after its first (full) run, cursor c1 stored."""
    roster = FakeRoster(cursor="c1").people(*(rec(f"p{i}") for i in range(10)))
    integration = connect(eng, roster, incremental="true")
    assert sync(eng, integration)["counts"]["created"] == 10
    assert cursor_of(eng, integration) == "c1"
    return roster, integration


def test_changes_apply_without_deactivating_absent_people(eng: Hub) -> None:
    roster, integration = started(eng)
    roster.changes["c1"] = [
        rec("p1", first="Changed"),
        rec("p2", active=False),
        rec("new", roles="teacher"),
        rec("ghost", active=False),
    ]
    roster.changes["c1"].append(Cursor("c2"))
    run = sync(eng, integration)
    assert roster.fetches[-1] == "changes:c1"
    assert run["counts"] == {
        "created": 1,
        "updated": 1,
        "deactivated": 1,
        "reactivated": 0,
        "unchanged": 0,
        "skipped": 1,
    }
    got = accounts(eng, integration.school_id)
    assert got["p1@school.example"]["first_name"] == "Changed"
    assert got["p2@school.example"]["status"] == "deactivated"
    assert got["p5@school.example"]["status"] == "active"  # absent from the feed: untouched
    assert got["new@school.example"]["roles"] == ["teacher"]
    assert "ghost@school.example" not in got
    assert cursor_of(eng, integration) == "c2"


def test_an_empty_change_feed_is_not_held(eng: Hub) -> None:
    roster, integration = started(eng)
    roster.changes["c1"] = [Cursor("c1")]
    run = sync(eng, integration)
    assert run["status"] == "succeeded" and sum(run["counts"].values()) == 0


def test_expired_cursor_falls_back_to_a_full_run(eng: Hub) -> None:
    roster, integration = started(eng)
    roster.cursor = "c9"
    roster.people(*(rec(f"p{i}") for i in range(9)))  # p9 is gone
    run = sync(eng, integration)
    assert roster.fetches[-2:] == ["changes:c1", "full"]
    assert run["status"] == "succeeded"
    assert run["counts"]["deactivated"] == 1 and run["counts"]["unchanged"] == 9
    assert "expired" in run["issues"][0]["message"]
    assert cursor_of(eng, integration) == "c9"


def test_full_flag_reads_everything(eng: Hub) -> None:
    roster, integration = started(eng)
    roster.changes["c1"] = [Cursor("c2")]
    roster.cursor = "c3"
    run = sync(eng, integration, full=True)
    assert roster.fetches[-1] == "full" and run["counts"]["unchanged"] == 10
    assert cursor_of(eng, integration) == "c3"


def test_dry_runs_do_not_move_theCursor(eng: Hub) -> None:
    roster, integration = started(eng)
    roster.changes["c1"] = [rec("p1", first="Changed"), Cursor("c2")]
    run = sync(eng, integration, dry_run=True)
    assert run["status"] == "dry_run" and run["counts"]["updated"] == 1
    assert cursor_of(eng, integration) == "c1"
    assert accounts(eng, integration.school_id)["p1@school.example"]["first_name"] == "First"


def test_a_held_run_moves_the_cursor_only_when_approved(eng: Hub) -> None:
    roster, integration = started(eng)
    roster.changes["c1"] = [*(rec(f"p{i}", active=False) for i in range(7)), Cursor("c2")]
    run = sync(eng, integration)
    assert run["status"] == "held" and run["counts"]["deactivated"] == 7
    assert cursor_of(eng, integration) == "c1"
    approved = runs.approve(eng, run["id"], actor="agent")
    assert approved.status == "succeeded"
    assert cursor_of(eng, integration) == "c2"


def test_non_incremental_integrations_always_read_everything(eng: Hub) -> None:
    roster = FakeRoster(cursor="c1").people(rec("p1"))
    integration = connect(eng, roster)
    sync(eng, integration)
    sync(eng, integration)
    assert roster.fetches == ["full", "full"]
