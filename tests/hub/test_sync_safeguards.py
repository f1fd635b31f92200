"""Safeguards, dry runs and failures: what a run must not apply (on every database)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from hub import runs
from hub.context import Hub
from hub.integrations import update_integration
from hub.models import ACTIVE, Account, Integration, Membership
from hub.runs import ending
from tests.fakes import FakeRoster, WriteCounter, accounts, connect, rec, use_fakes


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


def sync(hub: Hub, integration: Integration, **kw: Any) -> dict[str, Any]:
    return runs.run_json(
        hub, runs.submit(hub, runs.RunRequest(integration_id=integration.id, **kw), here=True).run
    )


def count(hub: Hub, model: Any) -> int:
    with hub.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_dry_run_plans_but_writes_nothing(eng: Hub) -> None:
    roster = FakeRoster(cursor="c1").people(rec("p1"), rec("p2", roles="student,admin"))
    integration = connect(eng, roster)
    with WriteCounter(eng) as writes:
        run = sync(eng, integration, dry_run=True)
    assert run["status"] == "dry_run"
    assert run["counts"]["created"] == 1 and run["counts"]["skipped"] == 1
    assert len(run["issues"]) == 1
    assert writes.statements == []
    assert count(eng, Account) == 0
    with eng.session() as session:
        assert session.get(Integration, integration.id).cursor is None  # type: ignore[union-attr]


def test_safeguard_holds_a_large_deactivation_until_approved(eng: Hub) -> None:
    people = [rec(f"p{i}") for i in range(20)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(*people[:12])  # 8 of 20 gone: 40% > 10%, and more than 5
    run = sync(eng, integration)
    assert run["status"] == "held"
    assert run["counts"]["deactivated"] == 8
    assert "8 of 20" in run["error"] and "max_deactivate_percent" in run["error"]
    assert "\n" not in run["error"]
    statuses = [a["status"] for a in accounts(eng, integration.school_id).values()]
    assert statuses.count("active") == 20  # nothing applied
    approved = runs.run_json(eng, runs.approve(eng, run["id"], actor="agent"))
    assert approved["status"] == "succeeded" and approved["error"] is None
    assert approved["counts"]["deactivated"] == 8
    statuses = [a["status"] for a in accounts(eng, integration.school_id).values()]
    assert statuses.count("deactivated") == 8


def test_safeguard_can_be_forced_and_spares_small_changes(eng: Hub) -> None:
    people = [rec(f"p{i}") for i in range(20)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(*people[:15])  # 5 gone: 25% but not more than 5
    assert sync(eng, integration)["status"] == "succeeded"
    roster.people(*people[:5])  # 10 more gone
    forced = sync(eng, integration, force=True)
    assert forced["status"] == "succeeded" and forced["counts"]["deactivated"] == 10


def test_safeguard_respects_the_integration_percentage(eng: Hub) -> None:
    people = [rec(f"p{i}") for i in range(20)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    update_integration(eng, integration.id, settings={"max_deactivate_percent": "50"}, actor="t")
    sync(eng, integration)
    roster.people(*people[:12])
    assert sync(eng, integration)["status"] == "succeeded"


def test_safeguard_holds_an_empty_roster(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1"), rec("p2"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people()
    run = sync(eng, integration)
    assert run["status"] == "held" and "no users" in run["error"]
    assert {a["status"] for a in accounts(eng, integration.school_id).values()} == {ACTIVE}


def test_dry_run_says_a_real_run_would_be_held(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1"), rec("p2"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people()
    run = sync(eng, integration, dry_run=True)
    assert run["status"] == "dry_run" and run["error"] is None
    assert any("would be held" in i["message"] for i in run["issues"])


def test_provider_failure_part_way_applies_nothing(eng: Hub) -> None:
    roster = FakeRoster(fail_after=3).people(*(rec(f"p{i}") for i in range(6)))
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["status"] == "failed"
    assert run["error"] == "fake: the roster service answered 503 three times; try again later"
    assert count(eng, Account) == 0 and count(eng, Membership) == 0


def test_a_failure_while_applying_rolls_everything_back(
    eng: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [rec(f"p{i}") for i in range(10)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    sync(eng, integration)
    real_apply = ending.apply_plan

    def apply_then_break(*args: Any, **kw: Any) -> Any:
        real_apply(*args, **kw)  # every statement ran...
        msg = "disk full: ada@school.example"
        raise RuntimeError(msg)  # ...then the database gave up

    monkeypatch.setattr(ending, "apply_plan", apply_then_break)
    roster.people(*people[:8], rec("p0", first="Changed"), rec("new"))
    run = sync(eng, integration)
    assert run["status"] == "failed"
    assert "RuntimeError" in run["error"] and "ada@" not in run["error"]
    got = accounts(eng, integration.school_id)
    assert len(got) == 10 and {a["status"] for a in got.values()} == {"active"}
    assert got["p0@school.example"]["first_name"] == "First"
