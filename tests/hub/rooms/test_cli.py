"""``rosterhub rooms starter-pack|list|template|import`` as the contract says, and as a person
runs them: one JSON document on stdout, exit code 4 for a rejected file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.hub.cli_support import Cli, make_cli


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    made = make_cli(monkeypatch, tmp_path)
    made.ok("school", "add", "Lincoln High")
    return made


def test_starter_pack_list_template_and_import(cli: Cli, tmp_path: Path) -> None:
    assert cli.ok("rooms", "starter-pack", "--school", "Lincoln High") == {
        "folders": 6,
        "rooms": 15,
    }
    assert cli.ok("rooms", "starter-pack", "--school", "Lincoln High") == {"folders": 0, "rooms": 0}
    rooms = cli.ok("rooms", "list", "--school", "Lincoln High")
    assert [r["name"] for r in rooms][:3] == ["Restroom 1", "Restroom 2", "Fountain 1"]
    assert set(rooms[0]) >= {
        "id",
        "name",
        "number",
        "folder",
        "travel_type",
        "time_limit",
        "teachers",
    }
    path = tmp_path / "rooms.xlsx"
    assert cli.ok("rooms", "template", str(path)) == {"path": str(path)}
    dry = cli.ok("rooms", "import", str(path), "--school", "Lincoln High", "--dry-run")
    assert (dry["status"], dry["counts"]) == (
        "dry_run",
        {"created": 1, "updated": 0, "unchanged": 0},
    )
    assert cli.ok("rooms", "import", str(path), "--school", "Lincoln High")["status"] == "applied"
    again = cli.ok("rooms", "import", str(path), "--school", "Lincoln High")
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 1}


def test_a_rejected_import_exits_4_and_writes_nothing(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "rooms.csv"
    path.write_text(
        "Room Name,Room Number,Teachers in Room\nA Very Long Room Name,1,\n", encoding="utf-8"
    )
    result = cli.fails(4, "rooms", "import", str(path), "--school", "Lincoln High")
    assert result["status"] == "rejected"
    assert [(e["sheet"], e["row"], e["column"]) for e in result["errors"]] == [
        ("rooms.csv", 2, "Room Name")
    ]
    assert cli.ok("rooms", "list", "--school", "Lincoln High") == []
    assert cli.fails(
        2, "rooms", "import", str(tmp_path / "missing.xlsx"), "--school", "Lincoln High"
    ) == {"error": f"no such file: {tmp_path / 'missing.xlsx'}"}


def test_the_console_script_runs_a_rooms_command_on_its_own(tmp_path: Path) -> None:
    """The real process: ``rosterhub rooms list`` loads only the rooms commands and still
    answers one JSON document (the same path the benchmark times)."""
    env = {**os.environ, "ROSTERHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'hub.db'}"}
    rosterhub = str(Path(sys.executable).with_name("rosterhub"))
    subprocess.run(
        [rosterhub, "school", "add", "Ada High", "--json"], env=env, check=True, capture_output=True
    )
    done = subprocess.run(
        [rosterhub, "rooms", "list", "--school", "Ada High", "--json"],
        env=env,
        capture_output=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, b"[]\n"), done.stderr
