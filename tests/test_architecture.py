"""The layer contracts (``[tool.importlinter]`` in pyproject.toml, docs/architecture.md) hold,
and cannot pass by accident: a copy of the code with one deliberately wrong import, of each
kind the contracts forbid, breaks the contract that names it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = Path(sys.executable).with_name("lint-imports")

needs_linter = pytest.mark.skipif(
    not LINT.exists(), reason="lint-imports is not installed (pip install -e '.[dev]')"
)


def lint(where: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    args = [str(LINT), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run(
        args, cwd=where, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """The packages, the contracts and the contract types, in a directory of their own."""
    for name in ("hub", "bots", "plugins", "tools"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def append(path: Path, code: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + "\n\n" + code + "\n", encoding="utf-8")


@needs_linter
def test_the_contracts_hold() -> None:
    done = lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@needs_linter
def test_the_unchanged_copy_passes(copy: Path) -> None:
    """The copy the other tests break is itself clean, so each failure below is the import
    that was added."""
    done = lint(copy)
    assert done.returncode == 0, done.stdout + done.stderr


WRONG = [
    pytest.param(
        "hub/engine/apply.py",
        "def _status():\n    from hub.runs import get_run  # inside a function\n\n    return get_run",
        ["engine", "layers"],
        id="the engine imports the runs, inside a function",
    ),
    pytest.param(
        "hub/engine/planner.py",
        "from plugins.clever import provider as _clever",
        ["engine", "providers-imported-by-none"],
        id="the engine imports a provider",
    ),
    pytest.param(
        "plugins/clever/client.py",
        "from hub.models import Account as _Account",
        ["providers"],
        id="a provider imports the database",
    ),
    pytest.param(
        "plugins/gsuite/provider.py",
        "from hub.engine.plan import Plan as _Plan",
        ["providers"],
        id="a provider imports the engine",
    ),
    pytest.param(
        "plugins/classlink/client.py",
        "from bots import reports as _reports",
        ["providers", "entry-points"],
        id="a provider imports a bot",
    ),
    pytest.param(
        "hub/api/__init__.py",
        "from bots.slack import slack_routes as _slack_routes",
        ["entry-points", "surfaces"],
        id="the API imports the Slack app",
    ),
    pytest.param(
        "bots/commands.py",
        "from hub.queue import get_queue as _get_queue",
        ["surfaces"],
        id="a bot reaches past the services into the queue",
    ),
    pytest.param(
        "hub/models.py",
        "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from hub.runs import RunRequest as _RunRequest",
        ["acyclic", "layers"],
        id="a cycle hidden under TYPE_CHECKING",
    ),
    pytest.param(
        "hub/runs/heartbeat.py",
        "def _later():\n    from hub.runs.submission import submit\n\n    return submit",
        ["acyclic"],
        id="a cycle between two modules of one package, inside a function",
    ),
]


@needs_linter
@pytest.mark.parametrize(("path", "code", "contracts"), WRONG)
def test_a_wrong_import_breaks_its_contract(
    copy: Path, path: str, code: str, contracts: list[str]
) -> None:
    append(copy / path, code)
    for contract in contracts:
        done = lint(copy, contract)
        assert done.returncode != 0, f"{contract} kept:\n{done.stdout}{done.stderr}"
        assert "BROKEN" in done.stdout, done.stdout + done.stderr


@needs_linter
def test_a_module_outside_every_layer_breaks_the_layers(copy: Path) -> None:
    """The layers are exhaustive: a new top-level module of hub must be placed in one."""
    (copy / "hub" / "newcomer.py").write_text('"""Not in any layer yet."""\n', encoding="utf-8")
    done = lint(copy, "layers")
    assert done.returncode != 0 and "newcomer" in done.stdout, done.stdout + done.stderr
