"""Runs: one per integration at a time, their end states, approval, JSON shape, audit."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select, update

from hub import runs
from hub.context import Hub
from hub.errors import UsageError
from hub.integrations import update_integration
from hub.models import AuditEvent, Integration, Membership, Run
from hub.runs import execution
from hub.schools import create_school
from tests.fakes import FakeRoster, accounts, connect, rec, use_fakes

RUN_KEYS = {
    "id",
    "integration_id",
    "status",
    "trigger",
    "started_at",
    "finished_at",
    "counts",
    "issues",
    "error",
}
COUNT_KEYS = {"created", "updated", "deactivated", "reactivated", "unchanged", "skipped"}


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


@pytest.fixture
def integration(eng: Hub) -> Integration:
    return connect(eng, FakeRoster().people(rec("p1"), rec("p2", roles="teacher")))


def test_one_queued_or_running_run_per_integration(eng: Hub, integration: Integration) -> None:
    first, created = runs.request_run(
        eng, runs.RunRequest(integration_id=integration.id, trigger="api")
    )
    assert created and first.status == "queued"
    again, created_again = runs.request_run(
        eng, runs.RunRequest(integration_id=integration.id, trigger="chat")
    )
    assert not created_again and again.id == first.id
    done = runs.execute(eng, first.id)
    assert done.status == "succeeded"
    later, created_later = runs.request_run(eng, runs.RunRequest(integration_id=integration.id))
    assert created_later and later.id != first.id


def test_racing_requests_make_one_run(eng: Hub, integration: Integration) -> None:
    results: list[tuple[str, bool]] = []
    barrier = threading.Barrier(4)

    def ask() -> None:
        barrier.wait()
        run, created = runs.request_run(eng, runs.RunRequest(integration_id=integration.id))
        results.append((run.id, created))

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({run_id for run_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_a_scheduled_slot_runs_once(eng: Hub, integration: Integration) -> None:
    slot = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)
    run, created = runs.request_run(
        eng, runs.RunRequest(integration_id=integration.id, trigger="schedule", scheduled_for=slot)
    )
    runs.execute(eng, run.id)
    again, created_again = runs.request_run(
        eng, runs.RunRequest(integration_id=integration.id, trigger="schedule", scheduled_for=slot)
    )
    assert created and not created_again and again.id == run.id


def test_request_refuses_bad_input(eng: Hub, integration: Integration) -> None:
    with pytest.raises(UsageError, match="unknown integration"):
        runs.request_run(eng, runs.RunRequest(integration_id="int_nope"))
    with pytest.raises(UsageError, match="trigger"):
        runs.request_run(eng, runs.RunRequest(integration_id=integration.id, trigger="cron"))
    update_integration(eng, integration.id, enabled=False, actor="t")
    with pytest.raises(UsageError, match="disabled"):
        runs.request_run(eng, runs.RunRequest(integration_id=integration.id))


def test_execute_moves_a_run_to_its_end_and_frees_the_slot(
    eng: Hub, integration: Integration
) -> None:
    seen: list[tuple[int, int | None]] = []
    run = runs.submit(
        eng,
        runs.RunRequest(integration_id=integration.id),
        here=True,
        progress=lambda d, t: seen.append((d, t)),
    ).run
    assert run.status == "succeeded" and run.active_slot is None
    assert run.started_at is not None and run.finished_at is not None
    assert seen[-1] == (2, 2)
    # executing an ended run again changes nothing
    assert runs.execute(eng, run.id).status == "succeeded"


def test_run_json_has_the_exact_shape(eng: Hub, integration: Integration) -> None:
    queued, _ = runs.request_run(eng, runs.RunRequest(integration_id=integration.id, trigger="api"))
    shape = runs.run_json(eng, queued)
    assert set(shape) == RUN_KEYS
    assert shape["status"] == "queued" and shape["finished_at"] is None
    assert set(shape["counts"]) == COUNT_KEYS and set(shape["counts"].values()) == {0}
    done = runs.run_json(eng, runs.execute(eng, queued.id))
    assert set(done) == RUN_KEYS
    assert done["trigger"] == "api" and done["integration_id"] == integration.id
    assert done["started_at"].endswith("Z") and done["finished_at"].endswith("Z")
    assert done["counts"]["created"] == 2 and done["error"] is None and done["issues"] == []


def test_list_and_get_runs(eng: Hub, integration: Integration) -> None:
    other = connect(eng, FakeRoster().people(rec("q1")))
    a = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    b = runs.submit(eng, runs.RunRequest(integration_id=other.id), here=True).run
    c = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert [r.id for r in runs.list_runs(eng)][:3] == [c.id, b.id, a.id]
    assert [r.id for r in runs.list_runs(eng, integration_id=integration.id)] == [c.id, a.id]
    assert [r.id for r in runs.list_runs(eng, school_id=other.school_id)] == [b.id]
    assert len(runs.list_runs(eng, limit=1)) == 1
    assert runs.get_run(eng, b.id).id == b.id
    with pytest.raises(UsageError, match="unknown run"):
        runs.get_run(eng, "run_missing")


def test_provider_errors_fail_the_run_without_secrets(eng: Hub) -> None:
    roster = FakeRoster(fail_after=0).people(rec("p1"))
    integration = connect(eng, roster)
    run = runs.run_json(
        eng, runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    )
    assert run["status"] == "failed" and "503" in run["error"]
    assert "s3cret-token-value" not in str(run)


def test_bad_settings_fail_the_run(eng: Hub, integration: Integration) -> None:
    with eng.engine.begin() as conn:
        table = Integration.__table__  # type: ignore[attr-defined]
        conn.execute(
            update(table)
            .where(table.c.id == integration.id)
            .values(settings={**integration.settings, "colour": "x"})
        )
    run = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert run.status == "failed" and "colour" in (run.error or "")
    assert run.active_slot is None


def test_unexpected_errors_fail_with_a_safe_message(
    eng: Hub, integration: Integration, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kw: Any) -> Any:
        msg = "secret detail ada@example.org"
        raise KeyError(msg)

    monkeypatch.setattr(execution, "plan_sync", broken)
    run = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert run.status == "failed" and run.active_slot is None
    assert run.error == "unexpected error (KeyError); the worker log has the details"


def test_approving_only_held_runs(eng: Hub, integration: Integration) -> None:
    run = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    with pytest.raises(UsageError, match="not held"):
        runs.approve(eng, run.id, actor="agent")


def held_run(eng: Hub) -> tuple[Integration, FakeRoster, Run]:
    people = [rec(f"p{i}") for i in range(20)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True)
    roster.people(rec("p0", roles="teacher"), *people[1:10], rec("new"))
    run = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert run.status == "held" and run.plan is not None and run.active_slot is None
    return integration, roster, run


def test_approve_refuses_while_another_run_is_active(eng: Hub) -> None:
    integration, _roster, run = held_run(eng)
    busy, _ = runs.request_run(eng, runs.RunRequest(integration_id=integration.id))
    with pytest.raises(UsageError, match="another run"):
        runs.approve(eng, run.id, actor="agent")
    assert runs.get_run(eng, run.id).status == "held"
    runs.execute(eng, busy.id)


def test_approve_applies_the_held_plan_and_audits(eng: Hub) -> None:
    integration, _roster, run = held_run(eng)
    approved = runs.approve(eng, run.id, actor="agent:U1")
    assert approved.status == "succeeded" and approved.plan is None
    got = accounts(eng, integration.school_id)
    assert sum(a["status"] == "deactivated" for a in got.values()) == 10
    assert got["p0@school.example"]["roles"] == ["teacher"]
    assert got["new@school.example"]["status"] == "active"
    with eng.session() as session:
        actions = [
            (e.actor, e.action)
            for e in session.scalars(select(AuditEvent).where(AuditEvent.target == run.id))  # type: ignore[arg-type]
        ]
    assert ("agent:U1", "run.approve") in actions
    assert ("manual", "run.held") in actions
    with pytest.raises(UsageError, match="not held"):
        runs.approve(eng, run.id, actor="agent")


def test_audit_records_requests_and_outcomes(eng: Hub, integration: Integration) -> None:
    run = runs.submit(
        eng,
        runs.RunRequest(integration_id=integration.id, actor="cli:ada", trigger="manual"),
        here=True,
    ).run
    with eng.session() as session:
        events = list(session.scalars(select(AuditEvent).where(AuditEvent.target == run.id)))  # type: ignore[arg-type]
    assert [(e.actor, e.action) for e in events] == [
        ("cli:ada", "run.request"),
        ("cli:ada", "run.succeeded"),
    ]
    assert events[1].detail["counts"]["created"] == 2


def test_school_filter_ignores_other_schools(eng: Hub) -> None:
    school = create_school(eng, name="Lonely", actor="t")
    assert runs.list_runs(eng, school_id=school.id) == []


def test_memberships_keep_their_owner(eng: Hub, integration: Integration) -> None:
    runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True)
    with eng.session() as session:
        owners = set(session.scalars(select(Membership.integration_id)))  # type: ignore[call-overload]
    assert owners == {integration.id}
