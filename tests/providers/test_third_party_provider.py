"""A provider installed as a separate distribution is found through the ``rosterhub``
entry-point group and syncs like a built-in one, with nothing in ``hub/`` changed."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub import runs
from hub.context import Hub
from hub.integrations import create_integration
from hub.plugins import make_plugin_manager
from hub.schools import create_school
from tests.fakes import accounts

PLUGIN = '''
"""Acme SIS: a district's own student information system."""

from pydantic import SecretStr

from hub import hookimpl
from hub.provider import CheckResult, Provider, ProviderSettings
from hub.roster import RosterRecord, Skip


class AcmeProvider(Provider):
    name = "acme"
    title = "Acme SIS"

    class Settings(ProviderSettings):
        campus: str
        api_key: SecretStr

    def check(self):
        return CheckResult(ok=True, message="ok")

    def sources(self):
        return []

    def fetch(self):
        campus = self.settings.campus
        yield RosterRecord("a-1", f"ada@{campus}.example", "Ada", "Lovelace", frozenset({"student"}))
        yield RosterRecord("a-2", f"alan@{campus}.example", "Alan", "Turing", frozenset({"admin"}))
        yield Skip("parent record; not synced", external_id="a-3")


@hookimpl
def rosterhub_register_providers():
    return [AcmeProvider]
'''


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Install ``acme_sis`` 1.0 the way pip would leave it: a package and a dist-info whose
    entry_points.txt names it in the ``rosterhub`` group."""
    site = tmp_path / "site"
    package = site / "acme_sis"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "acme_sis-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: acme-sis\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [rosterhub]
            acme = acme_sis
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    try:
        yield site
    finally:
        sys.modules.pop("acme_sis", None)


def test_an_installed_provider_syncs(hub: Hub, installed: Path) -> None:
    plugged = Hub(settings=hub.settings, engine=hub.engine, pm=make_plugin_manager())
    assert "acme" in plugged.registry.names()
    school = create_school(plugged, name="Acme Middle", actor="test")
    integration = create_integration(
        plugged,
        school_id=school.id,
        provider="acme",
        settings={"campus": "north"},
        secrets={"api_key": "acme-key-123"},
        actor="test",
    )
    run = runs.run_json(plugged, runs.sync_now(plugged, integration_id=integration.id))
    assert run["status"] == "succeeded"
    assert run["counts"]["created"] == 2 and run["counts"]["skipped"] == 1
    got = accounts(plugged, school.id)
    assert got["ada@north.example"]["roles"] == ["student"]
    assert got["alan@north.example"]["roles"] == ["admin", "teacher"]
    assert {a["source"] for a in got.values()} == {"acme"}
    assert "acme-key-123" not in str(run)
