"""The embedded worker and the reaper, in one process."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey
from sqlalchemy import update
from sqlmodel import col, func, select

from hub import runs, tokens
from hub.api import create_app
from hub.context import Hub
from hub.integrations import create_integration
from hub.models import Membership, Run, utcnow
from hub.queue import RunQueue, get_queue, set_queue
from hub.runs import (
    STOPPED_MESSAGE,
    RunRequest,
    reap_stale_runs,
    requeue_lost_runs,
    submit,
    waiting_runs,
)
from hub.schools import create_school
from hub.worker import Worker
from tests.service.helpers import wait_for, with_fake_provider


@pytest.fixture
def whub(hub: Hub) -> Iterator[Hub]:
    the_hub = with_fake_provider(hub)
    yield the_hub
    set_queue(the_hub, None)


def _integration(hub: Hub, name: str = "Elm", **settings: str) -> str:
    school = create_school(hub, name=name, actor="test")
    return create_integration(
        hub,
        school_id=school.id,
        provider="fake",
        settings={"people": "4", "domain": f"{name.lower()}.example.org", **settings},
        secrets={},
        actor="test",
    ).id


def test_serve_embedded_worker_executes_api_syncs(whub: Hub) -> None:
    iid = _integration(whub)
    token = tokens.create_token(whub, role="district_it", actor="test")[1]
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(whub)) as client:
        health = client.get("/healthz").json()
        assert health["worker"] == "running" and health["scheduler"] == "running"
        assert health["queue"] == "sqlite" and health["status"] == "ok"
        run_id = client.post(f"/api/v1/integrations/{iid}/sync", headers=headers).json()["id"]

        def done() -> dict | None:
            run = client.get(f"/api/v1/runs/{run_id}", headers=headers).json()
            return run if run["status"] not in ("queued", "running") else None

        finished = wait_for(done)
        assert finished["status"] == "succeeded" and finished["counts"]["created"] == 4  # type: ignore[index]
    assert get_queue(whub).pending() == 0


def test_a_run_whose_worker_died_is_failed_and_frees_the_integration(whub: Hub) -> None:
    iid = _integration(whub)
    run, _ = runs.request_run(whub, runs.RunRequest(integration_id=iid, trigger="api"))
    long_ago = utcnow() - timedelta(minutes=30)
    with whub.transaction() as session:
        session.execute(
            update(Run)
            .where(col(Run.id) == run.id)
            .values(status="running", started_at=long_ago, heartbeat_at=long_ago)
        )
    assert reap_stale_runs(whub, stale_after=timedelta(hours=1)) == []
    assert reap_stale_runs(whub) == [run.id]
    failed = runs.get_run(whub, run.id)
    assert failed.status == "failed" and failed.error == STOPPED_MESSAGE
    assert failed.active_slot is None and failed.finished_at is not None
    again, created = runs.request_run(whub, runs.RunRequest(integration_id=iid, trigger="api"))
    assert created and again.id != run.id
    assert reap_stale_runs(whub) == []  # a queued run is waiting, not dead


def test_waiting_runs_are_reported_and_resent(whub: Hub) -> None:
    iid = _integration(whub)
    run, _ = runs.request_run(
        whub, runs.RunRequest(integration_id=iid, trigger="api")
    )  # never queued: "lost"
    with whub.transaction() as session:
        session.execute(
            update(Run)
            .where(col(Run.id) == run.id)
            .values(created_at=utcnow() - timedelta(hours=1))
        )
    waiting = waiting_runs(whub)
    assert waiting.count == 1 and waiting.ids == [run.id] and waiting.oldest_seconds > 3000  # type: ignore[operator]
    queue = RunQueue(whub, MemoryHuey("resend", results=False))
    resent: dict = {}
    assert requeue_lost_runs(whub, queue, recently=resent) == [run.id]
    assert requeue_lost_runs(whub, queue, recently=resent) == []  # not again straight away
    assert queue.pending() == 1
    set_queue(whub, queue)
    client = TestClient(create_app(whub, worker=False, scheduler=False))
    health = client.get("/healthz").json()
    assert health["status"] == "degraded" and health["runs_waiting_too_long"] == 1
    assert "waited" in health["warning"]


def test_stopping_finishes_the_current_run_and_leaves_the_rest_queued(
    whub: Hub, tmp_path: Path
) -> None:
    marker = tmp_path / "started"
    slow = _integration(whub, "Slow", pause_after="2", pause_seconds="1.0", marker=str(marker))
    other = _integration(whub, "Other")
    queue = RunQueue(whub, MemoryHuey("stop", results=False))
    set_queue(whub, queue)
    first = submit(whub, RunRequest(integration_id=slow, trigger="api")).run
    second = submit(whub, RunRequest(integration_id=other, trigger="api")).run
    worker = Worker(queue, poll_seconds=0.05).start()
    wait_for(marker.exists)
    assert worker.current == first.id
    assert worker.stop(timeout=20) is True
    assert runs.get_run(whub, first.id).status == "succeeded"
    assert runs.get_run(whub, second.id).status == "queued"
    assert queue.pending() == 1


def test_the_heartbeat_is_written_while_a_run_executes(
    whub: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub.runs import heartbeat

    monkeypatch.setattr(heartbeat, "HEARTBEAT_SECONDS", 0.05)
    marker = tmp_path / "started"
    iid = _integration(whub, pause_after="1", pause_seconds="0.6", marker=str(marker))
    queue = RunQueue(whub, MemoryHuey("beat", results=False))
    set_queue(whub, queue)
    run = submit(whub, RunRequest(integration_id=iid, trigger="api")).run
    worker = Worker(queue, poll_seconds=0.05).start()
    try:
        wait_for(marker.exists)
        first = runs.get_run(whub, run.id).heartbeat_at
        later = wait_for(
            lambda: (
                (beat := runs.get_run(whub, run.id).heartbeat_at) is not None
                and first is not None
                and beat > first
                and beat
            )
        )
        assert later
    finally:
        worker.stop(timeout=20)
    assert runs.get_run(whub, run.id).status == "succeeded"
    with whub.session() as session:
        assert session.exec(select(func.count()).select_from(Membership)).one() == 4


def test_a_consumer_crash_fails_the_run_the_one_way_with_its_audit_record(
    whub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash the executor did not catch ends the run through the same failure path as every
    other failure: status, freed slot, and the audit record the worker's own copy lacked."""
    from hub.models import AuditEvent
    from hub.runs import execution

    def crash(*_args: object, **_kw: object) -> None:
        msg = "a bug"
        raise RuntimeError(msg)

    iid = _integration(whub)
    run, _ = runs.request_run(whub, RunRequest(integration_id=iid, trigger="api"))
    monkeypatch.setattr(execution, "execute", crash)
    assert execution.execute_run(whub, run.id) == "failed"
    failed = runs.get_run(whub, run.id)
    assert failed.status == "failed" and failed.active_slot is None
    assert failed.error == "internal error (RuntimeError); nothing was applied"
    with whub.session() as session:
        events = session.exec(select(AuditEvent).where(col(AuditEvent.target) == run.id)).all()
    assert [e.action for e in events] == ["run.request", "run.failed"]
