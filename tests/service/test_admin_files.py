"""The files admins really send, through ``rosterhub import`` as a whole process: a CSV saved
from one sheet (no Role column) named after its sheet, "CSV (Macintosh)", a password a
spreadsheet rewrote in scientific notation, and a workbook with a hidden sheet."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub.context import Hub, open_hub
from hub.schools import create_school
from tests.conftest import make_settings
from tests.plugins.csv.files import HEADER, csv_bytes, xlsx
from tests.service.helpers import child_env

ROSTERHUB = str(Path(sys.executable).with_name("rosterhub"))
SCHOOL = "Lincoln High"


@pytest.fixture
def lincoln(sqlite_url: str) -> Iterator[Hub]:
    hub = open_hub(make_settings(sqlite_url))
    create_school(hub, name=SCHOOL, actor="test")
    try:
        yield hub
    finally:
        hub.engine.dispose()


def _rosterhub(hub: Hub, cwd: Path, *args: str) -> tuple[int, Any, str]:
    done = subprocess.run(
        [ROSTERHUB, "--json", *args],
        env=child_env(hub),
        capture_output=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )
    return done.returncode, json.loads(done.stdout), done.stderr.decode(errors="replace")


def _import(hub: Hub, path: Path, *extra: str) -> tuple[int, Any]:
    code, result, _ = _rosterhub(hub, path.parent, "import", str(path), "--school", SCHOOL, *extra)
    return code, result


def _accounts(hub: Hub, cwd: Path) -> dict[str, tuple[str, str, list[str]]]:
    code, listed, stderr = _rosterhub(hub, cwd, "accounts", "list", "--school", SCHOOL)
    assert code == 0, stderr
    return {a["email"]: (a["first_name"], a["last_name"], sorted(a["roles"])) for a in listed}


@pytest.mark.timeout(300)
def test_one_sheet_saved_as_csv_imports_with_the_role_its_name_says(
    lincoln: Hub, tmp_path: Path
) -> None:
    teachers = tmp_path / "Lincoln accounts - Teachers.csv"
    teachers.write_bytes(csv_bytes([HEADER, ["tim@lincoln.example.org", "Tim", "Tam", "", ""]]))
    code, result = _import(lincoln, teachers)
    assert code == 0, result
    assert result["status"] == "applied" and result["counts"]["created"] == 1
    [warning] = result["warnings"]
    assert (warning["sheet"], warning["row"], warning["column"]) == (teachers.name, 1, "Role")
    assert "no Role column" in warning["message"]

    anonymous = tmp_path / "accounts.csv"
    anonymous.write_bytes(csv_bytes([HEADER, ["ann@lincoln.example.org", "Ann", "A", "", ""]]))
    code, result = _import(lincoln, anonymous)
    assert code == 4 and result["status"] == "rejected"
    [error] = result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("accounts.csv", 1, "Role")
    assert "add a Role column" in error["message"]
    assert _accounts(lincoln, tmp_path) == {"tim@lincoln.example.org": ("Tim", "Tam", ["teacher"])}


@pytest.mark.timeout(300)
def test_csv_macintosh_names_arrive_intact(lincoln: Hub, tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    rows = [HEADER, ["jose@lincoln.example.org", "José", "Müller", "", ""]]
    path.write_bytes(csv_bytes(rows, encoding="mac_roman", lineterminator="\r"))
    code, result = _import(lincoln, path)
    assert code == 0, result
    assert [w["message"].split(";")[1].strip() for w in result["warnings"][:1]] == [
        "its accented letters are where Excel's 'CSV (Macintosh)' puts them, so it was read as Mac Roman"
    ]
    assert _accounts(lincoln, tmp_path) == {
        "jose@lincoln.example.org": ("José", "Müller", ["student"])
    }


@pytest.mark.timeout(300)
def test_a_password_in_scientific_notation_rejects_the_file(lincoln: Hub, tmp_path: Path) -> None:
    path = tmp_path / "students.csv"
    rows = [
        HEADER,
        ["ann@lincoln.example.org", "Ann", "A", "correct-horse-7", ""],
        ["bob@lincoln.example.org", "Bob", "B", "9.87E+13", ""],
    ]
    path.write_bytes(csv_bytes(rows))
    code, result = _import(lincoln, path)
    assert code == 4 and result["status"] == "rejected"
    [error] = result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("students.csv", 3, "Password")
    assert "scientific notation" in error["message"] and "9.87E+13" not in json.dumps(result)
    assert _accounts(lincoln, tmp_path) == {}


@pytest.mark.timeout(300)
def test_a_hidden_sheet_is_named_in_a_dry_run(lincoln: Hub, tmp_path: Path) -> None:
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(
        xlsx(
            {
                "Student": [HEADER, ["ann@lincoln.example.org", "Ann", "A", "", ""]],
                "Admin": [HEADER, ["boss@lincoln.example.org", "Bo", "Ss", "", ""]],
            },
            hidden=["Admin"],
        )
    )
    code, result = _import(lincoln, path, "--dry-run")
    assert code == 0, result
    assert result["status"] == "dry_run" and result["counts"]["created"] == 2
    [warning] = result["warnings"]
    assert (warning["sheet"], warning["row"], warning["column"]) == ("Admin", 0, None)
    assert warning["message"].startswith("the sheet 'Admin' is hidden")
