"""Real processes: ``rosterhub serve`` on a free port, ``rosterhub worker`` processes on
Redis + PostgreSQL executing every run exactly once, and a worker killed mid-run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlmodel import col, func, select

from hub import runs, tokens
from hub.context import Hub, open_hub
from hub.integrations import create_integration, update_integration
from hub.models import Account, AuditEvent, Membership, Run, utcnow
from hub.plugins import make_plugin_manager
from hub.queue import get_queue, set_queue
from hub.runs import STOPPED_MESSAGE, RunRequest, execute_run, reap_stale_runs, submit
from hub.schools import create_school
from hub.testing import free_port
from tests.conftest import REDIS_URL, _truncate_all, make_settings, needs_postgres, needs_redis
from tests.service import fake_provider
from tests.service.helpers import child_env, wait_for

ROSTERHUB = str(Path(sys.executable).with_name("rosterhub"))


@dataclass
class Deployment:
    hub: Hub
    env: dict[str, str]
    logs: Path
    procs: list[subprocess.Popen[bytes]]

    def start(self, *args: str, name: str) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(
            [ROSTERHUB, *args], env=self.env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs.append(proc)
        return proc

    def log(self, name: str) -> str:
        return (self.logs / f"{name}.log").read_text(errors="replace")


def _open(database_url: str, **settings: object) -> Hub:
    return open_hub(
        make_settings(database_url, **settings), pm=make_plugin_manager(extra=[fake_provider])
    )


@pytest.fixture(
    params=["sqlite", pytest.param("redis+postgres", marks=[needs_redis, needs_postgres])]
)
def deployment(
    request: pytest.FixtureRequest, sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Deployment]:
    """Embedded (SQLite, local queue file) or scaled out (PostgreSQL + Redis, unique queue)."""
    extra: dict[str, str] = {}
    if request.param == "sqlite":
        hub = _open(sqlite_url)
    else:
        name = f"rosterhub_test_{uuid.uuid4().hex[:10]}"
        monkeypatch.setenv("ROSTERHUB_QUEUE_NAME", name)
        hub = _open(request.getfixturevalue("postgres_database"), broker_url=REDIS_URL)
        _truncate_all(hub)
        extra = {"ROSTERHUB_BROKER_URL": str(REDIS_URL), "ROSTERHUB_QUEUE_NAME": name}
    logs = tmp_path / "logs"
    logs.mkdir()
    dep = Deployment(hub=hub, env=child_env(hub, **extra), logs=logs, procs=[])
    try:
        yield dep
    finally:
        for proc in dep.procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
        get_queue(hub).flush()
        set_queue(hub, None)
        hub.engine.dispose()


def _integration(hub: Hub, name: str, **settings: str) -> str:
    school = create_school(hub, name=name, actor="test")
    return create_integration(
        hub,
        school_id=school.id,
        provider="fake",
        settings={"domain": f"{name.lower().replace(' ', '')}.example.org", **settings},
        secrets={"token": "t0k3n"},
        actor="test",
    ).id


def _count(hub: Hub, table: type) -> int:
    with hub.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


@pytest.mark.timeout(90)
def test_serve_answers_http_and_executes_runs(deployment: Deployment) -> None:
    hub = deployment.hub
    iid = _integration(hub, "Served", people="6")
    token = tokens.create_token(hub, role="district_it", actor="test")[1]
    port = free_port()
    proc = deployment.start("serve", "--port", str(port), name="serve")
    embedded = "ROSTERHUB_BROKER_URL" not in deployment.env
    if not embedded:  # scaled out: the API only queues; a worker process executes
        deployment.start("worker", name="worker")
    base = f"http://127.0.0.1:{port}"
    headers = {"Authorization": f"Bearer {token}"}

    def healthy() -> dict | None:
        if proc.poll() is not None:
            raise AssertionError(deployment.log("serve"))
        try:
            return httpx.get(f"{base}/healthz", timeout=2).json()
        except httpx.HTTPError:
            return None

    health = wait_for(healthy, timeout=30)
    assert health["worker"] == ("running" if embedded else "external")  # type: ignore[index]
    with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
        assert (
            client.get("/api/v1/schools", headers={"Authorization": "Bearer nope"}).status_code
            == 401
        )
        queued = client.post(f"/api/v1/integrations/{iid}/sync")
        assert queued.status_code == 202
        run_id = queued.json()["id"]

        def finished() -> dict | None:
            run = client.get(f"/api/v1/runs/{run_id}").json()
            return run if run["status"] not in ("queued", "running") else None

        run = wait_for(finished, timeout=30)
        assert run["status"] == "succeeded", run  # type: ignore[index]
        assert len(client.get(f"/api/v1/schools/{_school_of(hub, iid)}/accounts").json()) == 6
        assert client.get("/docs").status_code == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, deployment.log("serve")


def _school_of(hub: Hub, integration_id: str) -> str:
    from hub.integrations import get_integration

    return get_integration(hub, integration_id).school_id


@pytest.mark.timeout(90)
def test_a_worker_killed_mid_run_leaves_nothing_and_the_run_fails(
    deployment: Deployment, tmp_path: Path
) -> None:
    hub = deployment.hub
    marker = tmp_path / "mid-run"
    iid = _integration(
        hub, "Killed", people="40", pause_after="20", pause_seconds="60", marker=str(marker)
    )
    before = (_count(hub, Account), _count(hub, Membership))
    run = submit(hub, RunRequest(integration_id=iid, trigger="api")).run
    worker = deployment.start("worker", name="doomed")
    wait_for(lambda: marker.exists() or worker.poll() is not None, timeout=30)
    assert worker.poll() is None, deployment.log("doomed")
    assert runs.get_run(hub, run.id).status == "running"
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)

    assert (_count(hub, Account), _count(hub, Membership)) == before
    assert reap_stale_runs(hub) == []  # its heartbeat is fresh: not yet noticed
    later = utcnow() + timedelta(minutes=10)
    assert reap_stale_runs(hub, now=later) == [run.id]
    failed = runs.get_run(hub, run.id)
    assert failed.status == "failed" and failed.error == STOPPED_MESSAGE
    assert failed.active_slot is None
    assert (_count(hub, Account), _count(hub, Membership)) == before

    update_integration(hub, iid, settings={"pause_after": "-1"}, actor="test")
    retry = submit(
        hub, RunRequest(integration_id=iid, trigger="api")
    ).run  # the integration is free again
    assert retry.id != run.id
    assert execute_run(hub, retry.id) == "succeeded"
    assert _count(hub, Membership) == before[1] + 40


@needs_redis
@needs_postgres
@pytest.mark.timeout(120)
def test_two_workers_on_redis_execute_every_run_exactly_once(deployment: Deployment) -> None:
    if "ROSTERHUB_BROKER_URL" not in deployment.env:
        pytest.skip("the scaled-out deployment only")
    hub = deployment.hub
    integrations = [
        _integration(hub, f"School {n}", people="25", pause_after="5", pause_seconds="0.15")
        for n in range(8)
    ]
    workers = [deployment.start("worker", name=f"w{n}") for n in range(2)]
    queued = [submit(hub, RunRequest(integration_id=i, trigger="api")).run for i in integrations]
    queue = get_queue(hub)
    for run in queued:  # every message delivered twice: still one execution each
        queue.enqueue(run.id)

    def all_done() -> bool:
        with hub.session() as session:
            open_runs = session.exec(
                select(func.count())
                .select_from(Run)
                .where(col(Run.status).in_(("queued", "running")))
            ).one()
        return open_runs == 0

    wait_for(all_done, timeout=90, every=0.2)
    with hub.session() as session:
        finished = session.exec(select(Run)).all()
        succeeded_events = session.exec(
            select(AuditEvent.target, func.count())
            .where(AuditEvent.action == "run.succeeded")
            .group_by(AuditEvent.target)
        ).all()
    assert len(finished) == 8
    assert {r.status for r in finished} == {"succeeded"}
    assert {r.attempts for r in finished} == {1}
    assert sorted(str(t) for t, _ in succeeded_events) == sorted(r.id for r in queued)
    assert {n for _, n in succeeded_events} == {1}
    assert _count(hub, Membership) == 8 * 25
    executed = {name: deployment.log(name).count(": succeeded") for name in ("w0", "w1")}
    assert sum(executed.values()) == 8
    assert all(executed.values()), f"one worker did everything: {executed}"
    for proc in workers:
        proc.send_signal(signal.SIGTERM)
    for proc in workers:
        assert proc.wait(timeout=30) == 0
