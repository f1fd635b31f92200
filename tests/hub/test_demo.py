"""``rosterhub demo``: every sandboxed provider synced into its own demo school, the sample
spreadsheet imported, a second run reusing everything, and one broken plugin not stopping it."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

import plugins.csv
from hub.cli import app
from hub.cli.demo import SPREADSHEET_SCHOOL, run_demo
from hub.context import Hub, open_hub
from tests.conftest import make_settings
from tests.hub.cli_support import BrokenProvider, DistrictProvider, RosterStore, plugin_manager


@pytest.fixture
def demo_hub(sqlite_url: str) -> Iterator[Hub]:
    RosterStore.reset()
    pm = plugin_manager(DistrictProvider, BrokenProvider, entry_points=False)
    pm.register(plugins.csv)  # the spreadsheets come through the plugin, as installed
    the_hub = open_hub(make_settings(sqlite_url), pm=pm)
    yield the_hub
    the_hub.engine.dispose()


def test_demo_syncs_each_sandbox_and_survives_a_broken_plugin(
    demo_hub: Hub, tmp_path: Path
) -> None:
    lines: list[str] = []
    report = run_demo(demo_hub, log=lines.append, workdir=tmp_path)
    json.dumps(report)  # the --json document
    assert report["ok"] is False  # the broken plugin
    by_name = {entry["provider"]: entry for entry in report["providers"]}
    assert set(by_name) == {"district", "broken"}
    assert "out of order" in by_name["broken"]["error"]
    district = by_name["district"]
    assert district["error"] is None
    assert district["school"]["name"] == "Demo Test District School"
    assert district["run"]["status"] == "succeeded"
    assert district["run"]["counts"]["created"] == 8
    assert district["accounts_total"] == 8 and len(district["accounts"]) == 5
    sheet = report["spreadsheet"]
    assert sheet["error"] is None
    assert sheet["school"]["name"] == SPREADSHEET_SCHOOL
    assert sheet["result"]["status"] == "applied"
    assert sheet["result"]["counts"]["created"] == sheet["accounts_total"] > 0
    credentials = Path(sheet["result"]["credentials_file"])
    assert credentials.parent == tmp_path
    assert stat.S_IMODE(os.stat(credentials).st_mode) == 0o600
    assert any("district: run" in line for line in lines)

    again = run_demo(demo_hub, log=lines.append, workdir=tmp_path)
    district_again = next(e for e in again["providers"] if e["provider"] == "district")
    assert district_again["integration_id"] == district["integration_id"]  # reused
    assert district_again["school"] == district["school"]
    assert district_again["run"]["counts"]["unchanged"] == 8
    assert district_again["run"]["counts"]["created"] == 0
    assert again["spreadsheet"]["result"]["counts"]["created"] == 0
    assert again["spreadsheet"]["result"]["credentials_file"] is None
    assert list(tmp_path.glob("credentials-*")) == [credentials]


def test_demo_command_on_the_embedded_default(tmp_path: Path) -> None:
    """The real thing: the installed providers' sandboxes, SQLite in the working directory."""
    runner = CliRunner()
    first = runner.invoke(app, ["demo", "--json"])
    report = json.loads(first.stdout)
    assert first.exit_code == 0, report
    assert report["ok"] is True
    assert report["database"] == "sqlite:///rosterhub.db"
    assert (tmp_path / "rosterhub.db").exists()
    assert report["providers"], "no installed provider ships a sandbox"
    for entry in report["providers"]:
        assert entry["run"]["status"] == "succeeded", entry
        assert entry["accounts_total"] > 0
    assert report["spreadsheet"]["result"]["status"] == "applied"
    district = report["district"]
    assert district["run"]["status"] == "succeeded", district
    assert len(district["schools"]) >= 2
    assert set(district["run"]["schools"]) == {s["id"] for s in district["schools"]}
    assert all(part["created"] > 0 for part in district["run"]["schools"].values())
    second = runner.invoke(app, ["demo"])
    assert second.exit_code == 0, second.stderr
    assert "demo finished" in second.stdout
    assert "unchanged" in second.stdout
    assert "syncing" in second.stderr  # progress goes to stderr


def test_demo_people_sign_in_and_google_is_connected_through_consent(
    sqlite_url: str, tmp_path: Path
) -> None:
    """The demo prints a district IT user and a school admin who can sign in to the console,
    and connects Google Workspace through the sandbox's consent page (a refresh token)."""
    from fastapi.testclient import TestClient

    from hub import integrations
    from hub.api import create_app
    from tests.console.conftest import sign_in

    the_hub = open_hub(make_settings(sqlite_url))
    try:
        report = run_demo(the_hub, log=lambda _line: None, workdir=tmp_path)
        assert report["ok"], report
        people = {p["role"]: p for p in report["console"]["people"]}
        assert report["console"]["url"] == "http://127.0.0.1:8000/console"
        (google,) = [i for i in integrations.list_integrations(the_hub) if i.provider == "gsuite"]
        stored = the_hub.vault.decrypt_json(google.secrets)
        assert '"authorized_user"' in stored["credentials"] and "token" not in stored
        client = TestClient(create_app(the_hub, worker=False, scheduler=False))
        home = sign_in(client, people["school_admin"]["email"], people["school_admin"]["password"])
        assert SPREADSHEET_SCHOOL in home.text  # type: ignore[attr-defined]
        staff = TestClient(create_app(the_hub, worker=False, scheduler=False))
        page = sign_in(staff, people["district_it"]["email"], people["district_it"]["password"])
        assert "District IT" in page.text  # type: ignore[attr-defined]
        again = run_demo(the_hub, log=lambda _line: None, workdir=tmp_path)
        assert (
            again["ok"]
            and again["console"]["people"][0]["password"] != people["district_it"]["password"]
        )
    finally:
        the_hub.engine.dispose()
