"""The command line's small parts: KEY=VALUE parsing, --json detection, credentials files,
progress throttling and the exit code of a run."""

from __future__ import annotations

import os
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hub.cli import progress as progress_module
from hub.cli.app import wants_json
from hub.cli.credentials import CredentialsFile, default_name, slug
from hub.cli.progress import SyncProgress
from hub.cli.runs import exit_code_for
from hub.cli.runtime import actor, parse_pairs
from hub.errors import UsageError


def test_parse_pairs() -> None:
    assert parse_pairs(["a=1", "b= x=y ", "c="], option="--set") == {"a": "1", "b": "x=y", "c": ""}
    assert parse_pairs(None, option="--set") == {}


@pytest.mark.parametrize("raw", ["novalue", "=v", " =v"])
def test_parse_pairs_refuses_malformed(raw: str) -> None:
    with pytest.raises(UsageError):
        parse_pairs([raw], option="--set")


def test_parse_pairs_never_repeats_a_secret() -> None:
    with pytest.raises(UsageError) as caught:
        parse_pairs(["hunter2-secret"], option="--secret", secret=True)
    assert "hunter2" not in str(caught.value)


def test_secret_from_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="cannot read the file"):
        parse_pairs([f"credentials=@{tmp_path / 'nope.json'}"], option="--secret", secret=True)


def test_wants_json() -> None:
    assert wants_json(["school", "list", "--json"])
    assert wants_json(["--json", "school", "list"])
    assert not wants_json(["school", "list"])
    assert not wants_json(["import", "--", "--json"])


def test_actor_names_the_cli_user() -> None:
    assert actor().startswith("cli:") and len(actor()) > 4


def test_credentials_file_names() -> None:
    assert slug("St. Mary's  High (East)") == "st-mary-s-high-east"
    assert slug("!!!") == "school"
    when = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert default_name("Lincoln High", now=when) == "credentials-lincoln-high-20250102T030405Z.csv"


def test_credentials_file_is_0600_and_never_overwrites(tmp_path: Path) -> None:
    first = CredentialsFile.reserve(school_name="Lincoln", directory=tmp_path)
    second = CredentialsFile.reserve(school_name="Lincoln", directory=tmp_path)
    assert first.path != second.path  # same second: a suffix, not a clobber
    written = first.write(b"email,password\na@example.org,pw\n")
    assert stat.S_IMODE(os.stat(written).st_mode) == 0o600
    second.discard()
    assert not second.path.exists()
    with pytest.raises(UsageError, match="already exists"):
        CredentialsFile.reserve(school_name="Lincoln", path=written)
    with pytest.raises(UsageError, match="cannot create"):
        CredentialsFile.reserve(school_name="Lincoln", path=tmp_path / "missing" / "c.csv")


def test_unwritten_credentials_file_is_removed(tmp_path: Path) -> None:
    with (
        pytest.raises(RuntimeError),
        CredentialsFile.reserve(school_name="Lincoln", directory=tmp_path),
    ):
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_progress_is_quiet_for_quick_runs_and_throttled_after(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = [100.0]
    monkeypatch.setattr(progress_module.time, "monotonic", lambda: clock[0])
    report = SyncProgress("sync clever int_x")
    report.tty = False
    report(10, 100)
    assert capsys.readouterr().err == ""  # under a second: nothing
    clock[0] += 2
    report(50, 100)
    clock[0] += 1
    report(60, 100)  # throttled
    clock[0] += 10
    report(90, None)
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "sync clever int_x: 50 of 100 records read",
        "sync clever int_x: 90 records read",
    ]


@pytest.mark.parametrize(
    ("status", "code"),
    [
        ("succeeded", 0),
        ("dry_run", 0),
        ("held", 3),
        ("failed", 1),
        ("running", 0),
        ("superseded", 2),
    ],
)
def test_exit_code_for_a_run(status: str, code: int) -> None:
    assert exit_code_for({"status": status}) == code
