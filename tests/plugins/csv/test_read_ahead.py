"""Reading a file ahead of knowing its schools: what ``rosterhub import`` does while it opens
the database. The verdict is the one an ordinary validation gives, the child waits for the
school names only when a row names Additional Schools, and a read nobody takes leaves
nothing waiting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from hub import limits
from plugins.csv import confined, validation
from plugins.csv.validation import read_ahead, validate_file
from tests.plugins.csv.files import HEADER, xlsx

SCHOOLS = ["North High", "South Middle"]

WITH_SCHOOLS = xlsx(
    {
        "Student": [
            HEADER,
            ["ada@example.org", "Ada", "Lovelace", "", "south middle"],
            ["bo@example.org", "Bo", "Brown", "", "Nowhere High"],
        ]
    }
)
WITHOUT_SCHOOLS = xlsx({"Teacher": [HEADER, ["tom@example.org", "Tom", "Teach", "", ""]]})


def summary(result: validation.Validation) -> tuple[Any, ...]:
    return (
        [(e.sheet, e.row, e.column, e.message) for e in result.errors],
        [(w.sheet, w.row, w.column, w.message) for w in result.warnings],
        [tuple(p) for p in result.persons()],
        result.rows,
        result.kind,
    )


@pytest.mark.parametrize("only_these", [False, True])
def test_the_verdict_is_that_of_an_ordinary_validation(only_these: bool) -> None:
    expected = validate_file(
        WITH_SCHOOLS, filename="a.xlsx", schools=SCHOOLS, only_these=only_these
    )
    read_ahead(WITH_SCHOOLS, filename="a.xlsx")
    time.sleep(0.2)  # the child is waiting for the names by now
    ahead = validate_file(WITH_SCHOOLS, filename="a.xlsx", schools=SCHOOLS, only_these=only_these)
    assert summary(ahead) == summary(expected)
    # the names told later were used: one resolved as the hub spells it, one refused
    assert [p.schools for p in ahead.persons()] == [("South Middle",), ()]
    assert [e.column for e in ahead.errors] == ["Additional Schools"]
    assert "Nowhere High" in ahead.errors[0].message


def test_a_file_naming_no_school_does_not_wait_for_the_names() -> None:
    read_ahead(WITHOUT_SCHOOLS, filename="t.xlsx")
    ahead = validation._ahead
    assert ahead is not None
    result = ahead[2].result()  # nothing told: it must not be waiting
    assert result.ok and [p.email for p in result.persons()] == ["tom@example.org"]
    taken = validate_file(WITHOUT_SCHOOLS, filename="t.xlsx", schools=SCHOOLS)
    assert summary(taken) == summary(result)


def test_another_file_is_read_on_its_own_and_the_one_ahead_is_let_go() -> None:
    read_ahead(WITH_SCHOOLS, filename="a.xlsx")
    begun = validation._ahead
    assert begun is not None
    other = validate_file(WITHOUT_SCHOOLS, filename="t.xlsx", schools=SCHOOLS)
    assert [p.email for p in other.persons()] == ["tom@example.org"]
    # told "no names", the waiting read ends (Additional Schools unchecked) instead of waiting
    # for its time ceiling
    let_go = begun[2].result()
    assert [p.schools for p in let_go.persons()] == [("south middle",), ("Nowhere High",)]
    assert validation._ahead is None
    again = validate_file(WITH_SCHOOLS, filename="renamed.xlsx", schools=SCHOOLS)
    assert [p.schools for p in again.persons()] == [("South Middle",), ()]


def test_a_read_nobody_took_is_let_go_when_the_next_begins() -> None:
    read_ahead(WITH_SCHOOLS, filename="first.xlsx")
    first = validation._ahead
    assert first is not None
    read_ahead(WITH_SCHOOLS, filename="second.xlsx")
    # the first ends without the names instead of holding a parse slot until its ceiling
    assert [p.schools for p in first[2].result().persons()] == [
        ("south middle",),
        ("Nowhere High",),
    ]
    taken = validate_file(WITH_SCHOOLS, filename="second.xlsx", schools=SCHOOLS)
    assert [p.schools for p in taken.persons()] == [("South Middle",), ()]


def test_a_refused_file_is_refused_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_SHEET_ROWS", 2)
    expected = validate_file(WITH_SCHOOLS, filename="a.xlsx", schools=SCHOOLS)
    read_ahead(WITH_SCHOOLS, filename="a.xlsx")
    ahead = validate_file(WITH_SCHOOLS, filename="a.xlsx", schools=SCHOOLS)
    assert summary(ahead) == summary(expected)
    assert "the limit is 2 rows" in ahead.errors[0].message
    not_a_sheet = b"%PDF-1.7 not a spreadsheet"
    read_ahead(not_a_sheet, filename="x.xlsx")
    refused = validate_file(not_a_sheet, filename="x.xlsx", schools=SCHOOLS)
    assert "PDF" in refused.errors[0].message


def test_the_child_past_its_time_ceiling_is_stopped_while_it_waits() -> None:
    begun = confined.begin(lambda answers: confined.run(_ask_twice, seconds=1.0, answers=answers))
    begun.tell("first")  # it waits for a second answer that never comes
    with pytest.raises(confined.Failed) as failed:
        begun.result()
    assert failed.value.reason == confined.TIME


def test_the_child_hears_what_it_is_told_in_order() -> None:
    begun = confined.begin(lambda answers: confined.run(_ask_twice, answers=answers))
    begun.tell("first")
    begun.tell("second")
    assert begun.result() == ("first", "second")
    begun.tell("late")  # the child has ended: nothing listens, and that is no error


def _ask_twice(*, asked: Any) -> tuple[Any, Any]:
    return asked(), asked()


def test_a_command_that_fails_before_validating_exits_at_once(tmp_path: Path) -> None:
    """`rosterhub import` reads the file ahead; when the school is unknown it says so and
    exits, without waiting for the read or printing the child's troubles."""
    script = Path(sys.executable).with_name("rosterhub")
    if not script.exists():
        pytest.skip("the rosterhub console script is not installed in this environment")
    path = tmp_path / "accounts.xlsx"
    path.write_bytes(WITH_SCHOOLS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERHUB_")}
    env["ROSTERHUB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'hub.db'}"
    started = time.monotonic()
    done = subprocess.run(
        [str(script), "--json", "import", str(path), "--school", "Nowhere", "--dry-run"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "unknown school 'Nowhere'" in json.loads(done.stdout)["error"]
    assert "Traceback" not in done.stderr and "parse child" not in done.stderr
    assert time.monotonic() - started < limits.PARSE_SECONDS
