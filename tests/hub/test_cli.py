"""The command line contract: JSON shapes, exit codes and error paths of every command."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from hub.testing import serve
from tests.hub.cli_support import (
    TOKEN,
    Cli,
    RosterStore,
    add_district_integration,
    document,
    make_cli,
    sandbox_app,
)

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
ACCOUNT_KEYS = {"email", "first_name", "last_name", "roles", "status", "source", "external_id"}


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    return make_cli(monkeypatch, tmp_path)


@pytest.fixture
def district() -> Iterator[str]:
    with serve(sandbox_app()) as base_url:
        yield base_url


@pytest.fixture
def school(cli: Cli) -> dict[str, str]:
    return dict(cli.ok("school", "add", "Lincoln High", "--timezone", "America/Chicago"))


@pytest.fixture
def integration(cli: Cli, school: dict[str, str], district: str) -> str:
    return add_district_integration(cli, district)


def _mode(path: str | Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- schools -------------------------------------------------------------------------------


def test_school_add_and_list(cli: Cli) -> None:
    added = cli.ok("school", "add", "Lincoln High", "--timezone", "America/Chicago")
    assert set(added) == {"id", "name", "timezone", "district_id"}
    assert added["name"] == "Lincoln High"
    assert added["timezone"] == "America/Chicago"
    assert added["id"].startswith("sch_")
    assert cli.ok("school", "list") == [added]


def test_school_errors_are_usage_errors(cli: Cli) -> None:
    cli.ok("school", "add", "Lincoln High")
    assert "already exists" in cli.fails(2, "school", "add", "Lincoln High")["error"]
    assert "time zone" in cli.fails(2, "school", "add", "Other", "--timezone", "Mars/Base")["error"]


def test_human_output_and_errors_without_json(cli: Cli) -> None:
    result = cli("school", "add", "Lincoln High", json=False)
    assert result.exit_code == 0
    assert "Lincoln High" in result.stdout
    listed = cli("school", "list", json=False)
    assert "Lincoln High" in listed.stdout and "America/New_York" in listed.stdout
    failed = cli("school", "add", "Lincoln High", json=False)
    assert failed.exit_code == 2
    assert failed.stdout == ""
    assert "error: a school named 'Lincoln High' already exists" in failed.stderr


def test_global_json_flag_before_the_command(cli: Cli) -> None:
    cli.ok("school", "add", "Lincoln High")
    result = cli("--json", "school", "list", json=False)
    assert result.exit_code == 0
    assert [s["name"] for s in json.loads(result.stdout)] == ["Lincoln High"]


# -- usage errors from the parser ----------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["no-such-command"],
        ["school", "add"],  # missing argument
        ["school", "list", "--bogus"],
        ["runs", "list", "--limit", "zero"],
        ["token", "create", "--role", "wizard"],
    ],
)
def test_parser_errors_exit_2_with_one_json_error(cli: Cli, argv: list[str]) -> None:
    doc = cli.fails(2, *argv)
    assert list(doc) == ["error"]
    assert "\n" not in doc["error"]


def test_parser_errors_without_json_go_to_stderr(cli: Cli) -> None:
    result = cli("school", "add", json=False)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "Missing argument" in result.stderr


# -- integrations --------------------------------------------------------------------------


def test_integration_add_list_and_secret_never_shown(
    cli: Cli, school: dict[str, str], district: str
) -> None:
    result = cli(
        "integration",
        "add",
        "--school",
        school["id"],
        "--provider",
        "district",
        "--set",
        f"base_url={district}",
        "--set",
        "label=a=b",
        "--set",
        "max_deactivate_percent=25",
        "--secret",
        f"token={TOKEN}",
    )
    assert result.exit_code == 0, result.stdout
    added = json.loads(result.stdout)
    assert {"id", "provider", "school_id"} <= set(added)
    assert added["provider"] == "district"
    assert added["school_id"] == school["id"]
    assert added["settings"]["label"] == "a=b"  # a value may contain '='
    listed = cli("integration", "list")
    assert listed.exit_code == 0
    docs = json.loads(listed.stdout)
    assert [d["id"] for d in docs] == [added["id"]]
    assert {"id", "provider", "school_id", "enabled", "schedule", "last_run"} <= set(docs[0])
    assert docs[0]["enabled"] is True
    assert docs[0]["schedule"] == "23:00 America/New_York"
    assert docs[0]["last_run"] is None
    human = cli("integration", "list", json=False)
    for output in (result, listed, human):
        assert TOKEN not in output.stdout and TOKEN not in output.stderr
    assert TOKEN.encode() not in cli.database.read_bytes()  # encrypted at rest


def test_secret_from_a_file(
    cli: Cli, school: dict[str, str], district: str, tmp_path: Path
) -> None:
    (tmp_path / "token.txt").write_text(TOKEN + "\n")
    doc = cli.ok(
        "integration",
        "add",
        "--school",
        "Lincoln High",
        "--provider",
        "district",
        "--set",
        f"base_url={district}",
        "--secret",
        f"token=@{tmp_path / 'token.txt'}",
    )
    assert cli.ok("integration", "check", doc["id"])["ok"] is True


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--set", "base_url"], "--set 'base_url': expected KEY=VALUE"),
        (["--set", "=x"], "key before '=' is empty"),
        (["--set", "label=a", "--set", "label=b"], "given twice"),
        (["--set", "colour=blue"], "unknown setting 'colour'"),
        (["--set", "schedule=25:00"], "schedule"),
        (["--set", f"token={TOKEN}"], "is a secret"),
        (["--secret", "base_url=http://x"], "not a secret"),
        (["--secret", f"{TOKEN}"], "--secret: expected KEY=VALUE"),
    ],
)
def test_integration_add_bad_settings_exit_2(
    cli: Cli, school: dict[str, str], extra: list[str], needle: str
) -> None:
    result = cli("integration", "add", "--school", "Lincoln High", "--provider", "district", *extra)
    assert result.exit_code == 2, result.stdout
    error = json.loads(result.stdout)["error"]
    assert needle in error
    assert TOKEN not in result.stdout and TOKEN not in result.stderr
    assert cli.ok("integration", "list") == []


def test_integration_add_unknown_school_or_provider(cli: Cli, school: dict[str, str]) -> None:
    error = cli.fails(2, "integration", "add", "--school", "Nowhere", "--provider", "district")
    assert "unknown school 'Nowhere'" in error["error"]
    error = cli.fails(2, "integration", "add", "--school", "Lincoln High", "--provider", "nope")
    assert "unknown provider 'nope'" in error["error"]


def test_integration_check(cli: Cli, integration: str) -> None:
    doc = cli.ok("integration", "check", integration)
    assert doc == {
        "ok": True,
        "message": "connected",
        "sources": [{"id": "s1", "name": "Main Campus", "kind": "school"}],
    }
    cli.fails(2, "integration", "check", "int_unknown")


def test_integration_check_with_bad_credentials_exits_1(
    cli: Cli, school: dict[str, str], district: str
) -> None:
    added = cli.ok(
        "integration",
        "add",
        "--school",
        "Lincoln High",
        "--provider",
        "district",
        "--set",
        f"base_url={district}",
        "--secret",
        "token=wrong-token-value",
    )
    doc = cli.fails(1, "integration", "check", added["id"])
    assert doc["ok"] is False
    assert "refused" in doc["message"]
    assert "wrong-token-value" not in json.dumps(doc)


# -- sync and runs -------------------------------------------------------------------------


def test_sync_prints_the_run(cli: Cli, integration: str) -> None:
    run = cli.ok("sync", integration)
    assert set(run) == RUN_KEYS
    assert set(run["counts"]) == COUNT_KEYS
    assert run["status"] == "succeeded"
    assert run["trigger"] == "manual"
    assert run["integration_id"] == integration
    assert run["counts"]["created"] == 8
    assert run["error"] is None
    again = cli.ok("sync", integration)
    assert again["counts"]["unchanged"] == 8 and again["counts"]["created"] == 0
    listed = cli.ok("runs", "list", "--integration", integration)
    assert [r["id"] for r in listed] == [again["id"], run["id"]]  # newest first
    assert cli.ok("runs", "show", run["id"]) == run
    last = cli.ok("integration", "list")[0]["last_run"]
    assert last["id"] == again["id"]


def test_sync_dry_run_writes_nothing(cli: Cli, integration: str) -> None:
    run = cli.ok("sync", integration, "--dry-run")
    assert run["status"] == "dry_run"
    assert run["counts"]["created"] == 8
    assert cli.ok("accounts", "list", "--school", "Lincoln High") == []


def test_sync_and_runs_unknown_ids_exit_2(cli: Cli, integration: str) -> None:
    assert "unknown integration" in cli.fails(2, "sync", "int_nope")["error"]
    assert "unknown run" in cli.fails(2, "runs", "show", "run_nope")["error"]
    assert "unknown run" in cli.fails(2, "runs", "approve", "run_nope")["error"]
    assert "unknown integration" in cli.fails(2, "runs", "list", "--integration", "int_x")["error"]


def test_held_sync_exits_3_and_approve_applies_it(cli: Cli, integration: str) -> None:
    cli.ok("sync", integration)
    RosterStore.people = []  # the district suddenly returns nobody: a safeguard holds it
    result = cli("sync", integration)
    assert result.exit_code == 3, result.stdout
    held = json.loads(result.stdout)
    assert held["status"] == "held"
    assert held["error"]
    assert held["counts"]["deactivated"] == 8
    assert len(cli.ok("accounts", "list", "--school", "Lincoln High")) == 8  # nothing applied
    assert cli.ok("runs", "show", held["id"])["status"] == "held"
    approved = cli.ok("runs", "approve", held["id"])
    assert approved["id"] == held["id"]
    assert approved["status"] == "succeeded"
    assert cli.ok("accounts", "list", "--school", "Lincoln High") == []
    assert "not held" in cli.fails(2, "runs", "approve", held["id"])["error"]


def test_approving_a_held_sync_after_a_newer_one_is_refused(cli: Cli, integration: str) -> None:
    cli.ok("sync", integration)
    everyone = list(RosterStore.people)
    RosterStore.people = []  # the provider returns nobody: held
    held = document(cli("sync", integration))
    assert held["status"] == "held"
    RosterStore.people = everyone  # it recovers; the next sync changes nothing
    later = cli.ok("sync", integration)
    assert later["status"] == "succeeded" and later["counts"]["unchanged"] == 8
    error = cli.fails(2, "runs", "approve", held["id"])["error"]
    assert "superseded" in error and later["id"] in error and "nothing" in error
    assert len(cli.ok("accounts", "list", "--school", "Lincoln High")) == 8  # nobody deactivated
    assert cli.ok("runs", "show", held["id"])["status"] == "superseded"
    listed = {r["id"]: r["status"] for r in cli.ok("runs", "list")}
    assert listed[held["id"]] == "superseded" and listed[later["id"]] == "succeeded"
    human = cli("runs", "show", held["id"], json=False)
    assert human.exit_code == 0 and "superseded:" in human.stdout
    assert "runs approve" not in human.stdout


def test_held_sync_without_json_says_why_on_stderr(cli: Cli, integration: str) -> None:
    cli.ok("sync", integration)
    RosterStore.people = []
    result = cli("sync", integration, json=False)
    assert result.exit_code == 3
    assert "held" in result.stdout
    assert "runs approve" in result.stdout
    assert "held" in result.stderr


def test_force_applies_what_a_safeguard_would_hold(cli: Cli, integration: str) -> None:
    cli.ok("sync", integration)
    RosterStore.people = []
    run = cli.ok("sync", integration, "--force")
    assert run["status"] == "succeeded"
    assert run["counts"]["deactivated"] == 8


def test_failed_sync_exits_1_with_the_run(cli: Cli, school: dict[str, str]) -> None:
    added = cli.ok(
        "integration",
        "add",
        "--school",
        "Lincoln High",
        "--provider",
        "district",
        "--set",
        "base_url=http://127.0.0.1:9",  # nothing listens there
        "--secret",
        f"token={TOKEN}",
    )
    result = cli("sync", added["id"])
    assert result.exit_code == 1
    run = json.loads(result.stdout)
    assert run["status"] == "failed"
    assert "cannot reach the district server" in run["error"]


# -- accounts ------------------------------------------------------------------------------


def test_accounts_list_filters(cli: Cli, integration: str) -> None:
    cli.ok("sync", integration)
    everyone = cli.ok("accounts", "list", "--school", "Lincoln High")
    assert len(everyone) == 8
    assert set(everyone[0]) == ACCOUNT_KEYS
    assert everyone[0]["email"] == everyone[0]["email"].lower()
    admins = cli.ok("accounts", "list", "--school", "Lincoln High", "--role", "admin")
    assert {a["email"] for a in admins} == {"person0@example.org", "person4@example.org"}
    assert all(a["roles"] == ["admin", "teacher"] for a in admins)
    RosterStore.people = RosterStore.people[1:]
    cli.ok("sync", integration)
    assert len(cli.ok("accounts", "list", "--school", "Lincoln High")) == 7
    with_all = cli.ok("accounts", "list", "--school", "Lincoln High", "--all")
    assert len(with_all) == 8
    assert [a["status"] for a in with_all if a["email"] == "person0@example.org"] == ["deactivated"]
    assert (
        "unknown role"
        in cli.fails(2, "accounts", "list", "--school", "Lincoln High", "--role", "wizard")["error"]
    )
    assert "unknown school" in cli.fails(2, "accounts", "list", "--school", "Nowhere")["error"]


def test_accounts_add_writes_a_0600_credentials_file(cli: Cli, school: dict[str, str]) -> None:
    doc = cli.ok(
        "accounts",
        "add",
        "Ada@Example.org",
        "--school",
        "Lincoln High",
        "--first",
        "Ada",
        "--last",
        "Lovelace",
        "--role",
        "admin",
    )
    assert set(doc) == {"account", "credentials_file"}
    assert doc["account"] == {
        "email": "ada@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "roles": ["admin", "teacher"],
        "status": "active",
        "source": "manual",
        "external_id": None,
    }
    path = Path(doc["credentials_file"])
    assert path.name.startswith("credentials-lincoln-high-") and path.suffix == ".csv"
    assert path.parent.resolve() == Path.cwd().resolve()
    assert _mode(path) == 0o600
    rows = pd.read_csv(path, dtype=str)
    assert list(rows["email"]) == ["ada@example.org"]
    password = rows["password"][0]
    assert len(password) >= 8
    assert cli.ok("accounts", "list", "--school", "Lincoln High") == [doc["account"]]
    # The same person at a second school already has a password: no file.
    cli.ok("school", "add", "Second School")
    again = cli(
        "accounts", "add", "ada@example.org", "--school", "Second School", "--first", "Ada",
        "--last", "Lovelace", "--role", "teacher",
    )  # fmt: skip
    assert again.exit_code == 0
    assert json.loads(again.stdout)["credentials_file"] is None
    assert password not in again.stdout
    assert sorted(p.name for p in Path.cwd().glob("credentials-*")) == [path.name]


def test_accounts_add_errors(cli: Cli, school: dict[str, str], tmp_path: Path) -> None:
    base = ["--school", "Lincoln High", "--first", "A", "--last", "B"]
    assert (
        "valid email"
        in cli.fails(2, "accounts", "add", "not-an-email", *base, "--role", "student")["error"]
    )
    assert (
        "student and staff"
        in cli.fails(
            2, "accounts", "add", "a@example.org", *base, "--role", "student", "--role", "teacher"
        )["error"]
    )
    taken = tmp_path / "taken.csv"
    taken.write_text("keep me")
    error = cli.fails(
        2, "accounts", "add", "a@example.org", *base, "--role", "student",
        "--credentials", str(taken),
    )["error"]  # fmt: skip
    assert "already exists" in error
    assert taken.read_text() == "keep me"
    assert cli.ok("accounts", "list", "--school", "Lincoln High") == []  # nothing applied
    assert list(Path.cwd().glob("credentials-*")) == []


# -- import --------------------------------------------------------------------------------

GOOD_CSV = (
    "Email,First Name,Last Name,Password,Role\n"
    "grace@example.org,Grace,Hopper,,Admin\n"
    "alan@example.org,Alan,Turing,Correct-Horse-42,Teacher\n"
    "ada@example.org,Ada,Lovelace,,Student\n"
)


def test_import_applies_and_writes_credentials(cli: Cli, school: dict[str, str]) -> None:
    Path("accounts.csv").write_text(GOOD_CSV)
    result = cli.ok("import", "accounts.csv", "--school", "Lincoln High")
    assert set(result) == {"status", "counts", "errors", "warnings", "credentials_file"}
    assert result["status"] == "applied"
    assert result["counts"] == {
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "passwords_generated": 2,
    }
    assert result["errors"] == []
    path = result["credentials_file"]
    assert _mode(path) == 0o600
    creds = pd.read_csv(path, dtype=str)
    assert sorted(creds["email"]) == ["ada@example.org", "grace@example.org"]
    for password in creds["password"]:
        assert password not in json.dumps(result)
    listed = cli.ok("accounts", "list", "--school", "Lincoln High")
    assert {a["email"]: a["roles"] for a in listed} == {
        "ada@example.org": ["student"],
        "alan@example.org": ["teacher"],
        "grace@example.org": ["admin", "teacher"],
    }
    assert all(a["source"] == "csv" for a in listed)
    again = cli.ok("import", "accounts.csv", "--school", "Lincoln High")
    assert again["counts"]["unchanged"] == 3
    assert again["credentials_file"] is None
    assert len(list(Path.cwd().glob("credentials-*"))) == 1


def test_import_to_a_chosen_credentials_path(
    cli: Cli, school: dict[str, str], tmp_path: Path
) -> None:
    Path("accounts.csv").write_text(GOOD_CSV)
    target = tmp_path / "out" / "passwords.csv"
    target.parent.mkdir()
    result = cli.ok(
        "import", "accounts.csv", "--school", "Lincoln High", "--credentials", str(target)
    )
    assert result["credentials_file"] == str(target)
    assert _mode(target) == 0o600


def test_import_dry_run_writes_nothing(cli: Cli, school: dict[str, str]) -> None:
    Path("accounts.csv").write_text(GOOD_CSV)
    result = cli.ok("import", "accounts.csv", "--school", "Lincoln High", "--dry-run")
    assert result["status"] == "dry_run"
    assert result["counts"]["created"] == 3
    assert result["credentials_file"] is None
    assert list(Path.cwd().glob("credentials-*")) == []
    assert cli.ok("accounts", "list", "--school", "Lincoln High") == []


def test_import_rejected_exits_4_with_the_result(cli: Cli, school: dict[str, str]) -> None:
    Path("bad.csv").write_text(
        "Email,First Name,Last Name,Role\nnot-an-email,Grace,Hopper,Admin\nok@example.org,Ok,Person,Student\n"
    )
    result = cli("import", "bad.csv", "--school", "Lincoln High")
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    assert doc["status"] == "rejected"
    assert doc["credentials_file"] is None
    assert doc["errors"] and doc["errors"][0]["row"] == 2
    assert {"sheet", "row", "column", "message"} <= set(doc["errors"][0])
    assert cli.ok("accounts", "list", "--school", "Lincoln High") == []
    assert list(Path.cwd().glob("credentials-*")) == []
    human = cli("import", "bad.csv", "--school", "Lincoln High", json=False)
    assert human.exit_code == 4
    assert "rejected" in human.stderr


def test_import_missing_file_or_school_exit_2(cli: Cli, school: dict[str, str]) -> None:
    assert (
        "no such file" in cli.fails(2, "import", "nope.xlsx", "--school", "Lincoln High")["error"]
    )
    Path("accounts.csv").write_text(GOOD_CSV)
    assert (
        "unknown school" in cli.fails(2, "import", "accounts.csv", "--school", "Nowhere")["error"]
    )


# -- template, plugins, tokens, keys ---------------------------------------------------------


def test_template_is_a_readable_workbook(cli: Cli) -> None:
    doc = cli.ok("template")
    assert doc == {"path": "rosterhub-accounts-template.xlsx"}
    sheets = pd.read_excel(doc["path"], sheet_name=None, dtype=str, engine="calamine")
    for name in ("Student", "Teacher", "Admin"):
        assert list(sheets[name].columns)[:4] == ["Email", "First Name", "Last Name", "Password"]
    assert "already exists" in cli.fails(2, "template")["error"]
    assert cli.ok("template", "--force") == doc
    assert cli.ok("template", "other.xlsx") == {"path": "other.xlsx"}
    assert Path("other.xlsx").stat().st_size > 0


def test_plugins_lists_providers_with_their_keys(cli: Cli) -> None:
    docs = cli.ok("plugins")
    by_name = {d["name"]: d for d in docs}
    assert set(by_name["district"]) == {"name", "title", "config_keys"}
    assert by_name["district"]["title"] == "Test District"
    keys = by_name["district"]["config_keys"]
    assert {"base_url", "token", "label"} <= set(keys)
    assert {"schedule", "max_deactivate_percent", "admin_implies_teacher"} <= set(keys)
    assert not Path("rosterhub.db").exists()  # listing providers needs no database


def test_token_create(cli: Cli, school: dict[str, str]) -> None:
    doc = cli.ok("token", "create", "--role", "support")
    assert set(doc) == {"token", "role", "school_id", "district_id"}
    assert doc["role"] == "support" and doc["school_id"] is None and doc["district_id"] is None
    assert len(doc["token"]) >= 32
    scoped = cli.ok("token", "create", "--role", "school_admin", "--school", "Lincoln High")
    assert scoped["school_id"] == school["id"]
    assert scoped["token"] != doc["token"]
    assert doc["token"].encode() not in cli.database.read_bytes()  # stored hashed
    assert "--school" in cli.fails(2, "token", "create", "--role", "school_admin")["error"]
    assert (
        "--school"
        in cli.fails(2, "token", "create", "--role", "district_it", "--school", "Lincoln High")[
            "error"
        ]
    )
    assert (
        "unknown school"
        in cli.fails(2, "token", "create", "--role", "school_admin", "--school", "Nowhere")["error"]
    )


def test_token_create_without_json_prints_only_the_token_on_stdout(cli: Cli) -> None:
    result = cli("token", "create", "--role", "district_it", json=False)
    assert result.exit_code == 0
    assert len(result.stdout.split()) == 1
    assert "shown only this once" in result.stderr


def test_token_list_and_revoke(cli: Cli, school: dict[str, str]) -> None:
    from sqlmodel import col, select

    from hub import tokens
    from hub.config import get_settings
    from hub.context import open_hub
    from hub.models import AuditEvent

    support = cli.ok("token", "create", "--role", "support")["token"]
    admin = cli.ok("token", "create", "--role", "school_admin", "--school", "Lincoln High")
    listed = cli.ok("token", "list")
    assert [set(d) for d in listed] == [
        {"id", "role", "school_id", "district_id", "created_at", "last_used_at"}
    ] * 2
    assert [(d["role"], d["school_id"]) for d in listed] == [
        ("support", None),
        ("school_admin", school["id"]),
    ]
    assert all(d["created_at"] and d["last_used_at"] is None for d in listed)
    human = cli("token", "list", json=False)
    for result in (human, cli("token", "list")):
        assert support not in result.stdout and admin["token"] not in result.stdout
        assert tokens.hash_token(support) not in result.stdout
    assert listed[0]["id"] in human.stdout

    hub = open_hub(get_settings())
    try:
        assert tokens.authenticate(hub, support) is not None
        used = {d["id"]: d["last_used_at"] for d in cli.ok("token", "list")}
        assert used[listed[0]["id"]] is not None and used[listed[1]["id"]] is None

        assert cli.ok("token", "revoke", listed[0]["id"]) == {
            "id": listed[0]["id"],
            "revoked": True,
        }
        assert tokens.authenticate(hub, support) is None
        assert tokens.authenticate(hub, admin["token"]) is not None
        assert [d["id"] for d in cli.ok("token", "list")] == [listed[1]["id"]]
        assert "unknown token" in cli.fails(2, "token", "revoke", listed[0]["id"])["error"]
        with hub.session() as session:
            events = session.exec(select(AuditEvent).order_by(col(AuditEvent.id))).all()
    finally:
        hub.engine.dispose()
    logged = [(e.action, e.target) for e in events if e.action.startswith("token.")]
    assert logged == [
        ("token.create", listed[0]["id"]),
        ("token.create", listed[1]["id"]),
        ("token.revoke", listed[0]["id"]),
    ]
    assert support not in str([e.detail for e in events])


def test_keys_rotate(cli: Cli, integration: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.fernet import Fernet

    old_key = cli.database.with_suffix(".key").read_text().strip()
    new_key = Fernet.generate_key().decode()
    monkeypatch.setenv("ROSTERHUB_SECRET_KEY", f"{new_key},{old_key}")
    assert cli.ok("keys", "rotate") == {"rotated": 1}
    monkeypatch.setenv("ROSTERHUB_SECRET_KEY", new_key)  # the old key is gone now
    assert cli.ok("integration", "check", integration)["ok"] is True


# -- serve / worker ------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_service_commands_report_a_missing_service(
    cli: Cli, command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "hub.server", None)  # import fails
    doc = cli.fails(1, command)
    assert "service is not available" in doc["error"]


# -- the installed console script ----------------------------------------------------------


def test_installed_script_prints_pure_json(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("rosterhub")
    if not script.exists():
        pytest.skip("the rosterhub console script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERHUB_")}
    env["ROSTERHUB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'script.db'}"
    listed = subprocess.run(
        [str(script), "--json", "school", "list"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert listed.returncode == 0, listed.stderr
    assert json.loads(listed.stdout) == []
    assert (tmp_path / "script.db").exists()
    missing = subprocess.run(
        [str(script), "--json", "runs", "show", "run_nope"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert json.loads(missing.stdout) == {
        "error": "unknown run 'run_nope' (see 'rosterhub runs list')"
    }


def test_a_database_error_is_one_json_line_naming_the_drivers_reason(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("rosterhub")
    if not script.exists():
        pytest.skip("the rosterhub console script is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROSTERHUB_")}
    (tmp_path / "hub.db").write_bytes(b"not a database, " * 512)
    env["ROSTERHUB_DATABASE_URL"] = f"sqlite:///{tmp_path / 'hub.db'}"
    done = subprocess.run(
        [str(script), "--json", "school", "list"],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout) == {"error": "database error: file is not a database"}
    assert "Traceback" not in done.stderr


def test_the_command_line_starts_without_the_database_layer() -> None:
    # `rosterhub import` starts its parse child before SQLAlchemy loads; the CLI must not
    # load it first.
    code = (
        "import sys, hub.cli; print(sorted(m for m in sys.modules if m.startswith('sqlalchemy')))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"
