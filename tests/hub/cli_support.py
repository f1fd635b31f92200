"""Shared pieces of the command-line and demo tests: a small provider whose roster the test
controls (served over real HTTP by its own sandbox), and a runner that invokes ``rosterhub``
in-process against a temporary SQLite database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pluggy
import pytest
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from typer.testing import CliRunner, Result

from hub import hookimpl
from hub.cli import app
from hub.errors import ProviderError
from hub.plugins import make_plugin_manager
from hub.provider import CheckResult, Provider, ProviderSettings, Sandbox, Source
from hub.roster import ADMIN, STUDENT, TEACHER, Item, RosterRecord

TOKEN = "sesame-0123456789-TOPSECRET"


class RosterStore:
    """What the fake district's server answers; tests edit ``people``."""

    people: ClassVar[list[dict[str, Any]]] = []

    @classmethod
    def reset(cls, count: int = 8) -> None:
        cls.people = [
            {
                "id": f"p{n}",
                "email": f"Person{n}@Example.org",
                "first": f"First{n}",
                "last": f"Last{n}",
                "roles": [STUDENT] if n % 4 else [ADMIN, TEACHER],
                "active": True,
            }
            for n in range(count)
        ]


def _users(request: Request) -> JSONResponse:
    if request.headers.get("authorization") != f"Bearer {TOKEN}":
        return JSONResponse({"error": "invalid token"}, status_code=401)
    return JSONResponse({"data": RosterStore.people})


def sandbox_app() -> Starlette:
    return Starlette(routes=[Route("/users", _users)])


class DistrictSettings(ProviderSettings):
    base_url: str = "http://127.0.0.1:9"
    token: SecretStr | None = None
    label: str = ""


class DistrictProvider(Provider):
    """Reads ``GET {base_url}/users`` with a bearer token."""

    name = "district"
    title = "Test District"
    Settings = DistrictSettings

    def _get(self) -> httpx.Response:
        settings = self.settings
        assert isinstance(settings, DistrictSettings)
        token = settings.token.get_secret_value() if settings.token else ""
        try:
            return httpx.get(
                f"{settings.base_url.rstrip('/')}/users",
                headers={"Authorization": f"Bearer {token}"},
                timeout=5,
            )
        except httpx.HTTPError as exc:
            msg = f"cannot reach the district server: {type(exc).__name__}"
            raise ProviderError(msg) from None

    def check(self) -> CheckResult:
        try:
            response = self._get()
        except ProviderError as exc:
            return CheckResult(False, str(exc))
        if response.status_code == 401:
            return CheckResult(False, "the token was refused (setting: token)")
        return CheckResult(True, "connected", [Source("s1", "Main Campus")])

    def sources(self) -> list[Source]:
        return [Source("s1", "Main Campus")]

    def fetch(self) -> Iterator[Item]:
        response = self._get()
        if response.status_code != 200:
            msg = f"the district server answered {response.status_code} (setting: token)"
            raise ProviderError(msg)
        for person in response.json()["data"]:
            yield RosterRecord(
                external_id=person["id"],
                email=person["email"].lower(),
                first_name=person["first"],
                last_name=person["last"],
                roles=frozenset(person["roles"]),
                active=person["active"],
            )

    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox:
        return Sandbox(
            app=sandbox_app(),
            settings=lambda base_url: {"base_url": base_url},
            secrets={"token": TOKEN},
        )


class BrokenProvider(Provider):
    """A plugin whose sandbox cannot even be built (the demo must carry on without it)."""

    name = "broken"
    title = "Broken"

    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox:
        msg = "this sandbox is out of order"
        raise RuntimeError(msg)


class TestPlugin:
    __test__ = False

    def __init__(self, *providers: type[Provider]) -> None:
        self.providers = list(providers)

    @hookimpl
    def rosterhub_register_providers(self) -> list[type[Provider]]:
        return self.providers


def plugin_manager(*providers: type[Provider], entry_points: bool = True) -> pluggy.PluginManager:
    return make_plugin_manager(extra=[TestPlugin(*providers)], entry_points=entry_points)


@dataclass
class Cli:
    """``cli("school", "list")`` runs ``rosterhub school list --json`` in-process."""

    database: Path

    def __call__(self, *args: str, json: bool = True) -> Result:
        argv = [*args, "--json"] if json else list(args)
        return CliRunner().invoke(app, argv)

    def ok(self, *args: str) -> Any:
        result = self(*args)
        assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
        return document(result)

    def fails(self, code: int, *args: str) -> Any:
        result = self(*args)
        assert result.exit_code == code, (result.exit_code, result.stdout, result.stderr)
        return document(result)


def document(result: Result) -> Any:
    """stdout must be exactly one JSON document."""
    return json.loads(result.stdout)


def make_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Cli:
    """Point the command line at a fresh SQLite file with the test provider installed."""
    database = tmp_path / "cli.db"
    monkeypatch.setenv("ROSTERHUB_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setattr("hub.cli.runtime.plugin_manager", lambda: plugin_manager(DistrictProvider))
    RosterStore.reset()
    return Cli(database)


def add_district_integration(cli: Cli, base_url: str, *, school: str = "Lincoln High") -> str:
    """Connect ``school`` to the test district served at ``base_url``; the integration id."""
    doc = cli.ok(
        "integration",
        "add",
        "--school",
        school,
        "--provider",
        "district",
        "--set",
        f"base_url={base_url}",
        "--secret",
        f"token={TOKEN}",
    )
    return str(doc["id"])
