"""Who signs in to the console, from the command line: staff users and invite links."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.config import get_settings
from hub.context import open_hub
from hub.testing import serve
from tests.console.conftest import FORM_TOKEN, sign_in
from tests.hub.cli_support import make_cli, sandbox_app


def test_staff_add_prints_the_password_once_and_list_never_does(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cli = make_cli(monkeypatch, tmp_path)
    d1 = cli.ok("district", "add", "District One")["id"]
    made = cli.ok(
        "staff", "add", "IT@District.example.org", "--role", "district_it", "--district", d1
    )
    assert set(made) == {"email", "role", "district_id", "password"}
    assert made["email"] == "it@district.example.org" and made["district_id"] == d1
    assert len(made["password"]) >= 14
    listed = cli.ok("staff", "list")
    assert listed == [
        {"email": "it@district.example.org", "role": "district_it", "district_id": d1}
    ]
    assert (
        "unknown district"
        in cli.fails(
            2, "staff", "add", "x@district.example.org", "--role", "district_it", "--district", "d9"
        )["error"]
    )
    assert cli.fails(2, "staff", "add", "it@district.example.org", "--role", "support")[
        "error"
    ].endswith("is already a staff user")
    assert cli.fails(2, "staff", "add", "not-an-email", "--role", "support")["error"]


def test_a_district_scoped_staff_user_sees_no_school_outside_their_district(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    cli = make_cli(monkeypatch, tmp_path)
    cli.ok("school", "add", "Lincoln High")
    d1 = cli.ok("district", "add", "District One")["id"]
    made = cli.ok(
        "staff", "add", "it@district.example.org", "--role", "district_it", "--district", d1
    )
    hub = open_hub(get_settings())
    try:
        client = TestClient(create_app(hub, worker=False, scheduler=False))
        home = sign_in(client, made["email"], made["password"])
        assert "There are no schools yet" in home.text  # type: ignore[attr-defined]
        assert "Lincoln High" not in home.text  # type: ignore[attr-defined]
    finally:
        hub.engine.dispose()


@pytest.fixture
def roster_url() -> Iterator[str]:
    """The test district's roster server on loopback."""
    with serve(sandbox_app()) as url:
        yield url


def test_an_invite_sets_a_password_once_for_a_synced_admin(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, roster_url: str
) -> None:
    cli = make_cli(monkeypatch, tmp_path)
    school = cli.ok("school", "add", "Lincoln High")
    integration = cli.ok(
        "integration",
        "add",
        "--school",
        school["id"],
        "--provider",
        "district",
        "--set",
        f"base_url={roster_url}",
        "--secret",
        "token=sesame-0123456789-TOPSECRET",
    )
    cli.ok("sync", integration["id"])
    admin = "person0@example.org"  # person 0 is an admin in the test district
    assert cli.fails(2, "accounts", "invite", "person1@example.org", "--school", "Lincoln High")[
        "error"
    ].startswith("'person1@example.org' is not an active admin")
    invite = cli.ok("accounts", "invite", admin.upper(), "--school", "Lincoln High")
    assert invite["url"].startswith("http://127.0.0.1:8000/console/invite/")
    assert invite["expires_at"].endswith("Z")
    hub = open_hub(get_settings())
    try:
        client = TestClient(create_app(hub, worker=False, scheduler=False))
        path = invite["url"].removeprefix("http://127.0.0.1:8000")
        page = client.get(path)
        assert page.status_code == 200 and admin in page.text
        token = FORM_TOKEN.search(page.text)
        assert token
        short = client.post(
            path, data={"password": "short", "confirm": "short", "form_token": token.group(1)}
        )
        assert short.status_code == 400 and "at least 8 characters" in short.text
        done = client.post(
            path,
            data={
                "password": "a-good-password",
                "confirm": "a-good-password",
                "form_token": token.group(1),
            },
        )
        assert "Your password is set" in done.text
        assert client.get(path).status_code == 404  # used once
        home = sign_in(client, admin, "a-good-password")
        assert "Lincoln High" in home.text  # type: ignore[attr-defined]
    finally:
        hub.engine.dispose()
