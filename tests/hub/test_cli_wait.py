"""``rosterhub sync`` while a run of the same integration executes elsewhere (an API request
taken by a worker): it waits for that run and reports how it ended, like a fresh run."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import update

from hub import runs
from hub.cli import progress as progress_module
from hub.config import Settings
from hub.context import Hub, open_hub
from hub.models import Run, utcnow
from hub.runs import submission
from hub.testing import serve
from tests.hub.cli_support import (
    Cli,
    DistrictProvider,
    RosterStore,
    add_district_integration,
    make_cli,
    plugin_manager,
    sandbox_app,
)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    monkeypatch.setattr(submission, "WAIT_POLL_SECONDS", 0.05)
    return make_cli(monkeypatch, tmp_path)


@pytest.fixture
def integration(cli: Cli) -> Iterator[str]:
    with serve(sandbox_app()) as base_url:
        cli.ok("school", "add", "Lincoln High")
        yield add_district_integration(cli, base_url)


@pytest.fixture
def worker_hub(cli: Cli) -> Iterator[Hub]:
    """Another process's view of the same database (the worker that took the API's run)."""
    hub = open_hub(
        Settings(database_url=f"sqlite:///{cli.database}"), pm=plugin_manager(DistrictProvider)
    )
    yield hub
    hub.engine.dispose()


def _running_elsewhere(
    hub: Hub, integration: str, monkeypatch: pytest.MonkeyPatch
) -> tuple[Run, threading.Thread]:
    """An API-triggered run that a worker thread is executing, paused mid-read until the
    command line starts waiting for it."""
    release = threading.Event()
    fetch = DistrictProvider.fetch

    def paused_fetch(self: DistrictProvider) -> Iterator[Any]:
        assert release.wait(20), "the command never waited for the running run"
        yield from fetch(self)

    monkeypatch.setattr(DistrictProvider, "fetch", paused_fetch)
    waiting = progress_module.SyncProgress.waiting

    def waiting_then_release(self: progress_module.SyncProgress, run: Run) -> None:
        waiting(self, run)
        release.set()

    monkeypatch.setattr(progress_module.SyncProgress, "waiting", waiting_then_release)
    run, created = runs.request_run(
        hub, runs.RunRequest(integration_id=integration, trigger="api", actor="api")
    )
    assert created
    worker = threading.Thread(target=runs.execute, args=(hub, run.id), daemon=True)
    worker.start()
    deadline = time.monotonic() + 10
    while runs.get_run(hub, run.id).status != "running":
        assert time.monotonic() < deadline, "the worker never took the run"
        time.sleep(0.01)
    return run, worker


@pytest.mark.parametrize(
    ("outcome", "code", "counts"),
    [("succeeded", 0, {"created": 8}), ("held", 3, {"deactivated": 8})],
)
def test_sync_waits_for_the_running_run_and_prints_its_outcome(
    cli: Cli,
    integration: str,
    worker_hub: Hub,
    monkeypatch: pytest.MonkeyPatch,
    outcome: str,
    code: int,
    counts: dict[str, int],
) -> None:
    if outcome == "held":
        cli.ok("sync", integration)
        RosterStore.people = []  # the API's run will find nobody: held
    run, worker = _running_elsewhere(worker_hub, integration, monkeypatch)
    result = cli("sync", integration)
    worker.join(10)
    assert result.exit_code == code, (result.stdout, result.stderr)  # as for a fresh run
    doc = json.loads(result.stdout)
    assert doc["id"] == run.id and doc["trigger"] == "api" and doc["status"] == outcome
    assert {key: doc["counts"][key] for key in counts} == counts
    assert doc["finished_at"] is not None
    said = " ".join(result.stderr.split())  # rich wraps long lines
    assert f"already has run {run.id} running (trigger api); waiting for it to end" in said
    assert f"waiting for run {run.id} (running)" in said


def test_waiting_ends_when_the_other_worker_died(
    cli: Cli, integration: str, worker_hub: Hub
) -> None:
    """A run whose heartbeat stopped long ago is failed, not waited for forever."""
    run, _created = runs.request_run(
        worker_hub, runs.RunRequest(integration_id=integration, trigger="api")
    )
    table = Run.__table__  # type: ignore[attr-defined]
    long_ago = utcnow() - timedelta(hours=1)
    with worker_hub.engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == run.id)
            .values(status="running", started_at=long_ago, heartbeat_at=long_ago)
        )
    result = cli("sync", integration)
    assert result.exit_code == 1, (result.stdout, result.stderr)
    doc = json.loads(result.stdout)
    assert doc["id"] == run.id and doc["status"] == "failed"
    assert "stopped mid-run" in doc["error"]
