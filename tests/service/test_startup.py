"""``serve`` and ``worker`` refuse to start when they could not decrypt integration secrets,
instead of taking runs only to fail each one."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hub.cli import app
from hub.config import Settings
from hub.context import open_hub
from tests.conftest import needs_postgres
from tests.fakes import FakeRoster, connect, use_fakes
from tests.service.helpers import REPO
from tests.service.test_processes import ROSTERHUB

UNREACHABLE_POSTGRES = "postgresql://rosterhub@127.0.0.1:1/rosterhub"


@pytest.mark.parametrize("command", ["worker", "serve"])
def test_postgres_without_a_secret_key_refuses_to_start(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ROSTERHUB_DATABASE_URL", UNREACHABLE_POSTGRES)
    result = CliRunner().invoke(app, [command, "--json"])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert error.startswith(f"rosterhub {command} cannot start: ROSTERHUB_SECRET_KEY must be set")
    assert "started" not in result.stderr and "serving" not in result.stderr


@needs_postgres
@pytest.mark.timeout(60)
def test_a_worker_process_on_postgres_without_a_key_exits_2(
    postgres_database: str, tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROSTERHUB_", "SLACK_"))}
    env["ROSTERHUB_DATABASE_URL"] = postgres_database
    env["PYTHONPATH"] = str(REPO)
    done = subprocess.run(
        [ROSTERHUB, "worker"], env=env, cwd=tmp_path, capture_output=True, timeout=45, check=False
    )
    assert done.returncode == 2, done.stderr
    assert b"ROSTERHUB_SECRET_KEY" in done.stderr


def test_a_worker_refuses_a_sqlite_database_whose_key_file_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    hub = use_fakes(open_hub(Settings(database_url=url)))
    connect(hub, FakeRoster())  # stores an encrypted token
    hub.engine.dispose()
    (tmp_path / "hub.key").unlink()
    monkeypatch.setenv("ROSTERHUB_DATABASE_URL", url)
    result = CliRunner().invoke(app, ["worker", "--json"])
    assert result.exit_code == 2, (result.stdout, result.stderr)
    error = json.loads(result.stdout)["error"]
    assert "hub.key is missing" in error and "1 encrypted secret" in error
    assert not (tmp_path / "hub.key").exists()
