"""A provider installed as a separate distribution is found through the ``rosterhub``
entry-point group, syncs like a built-in one with nothing in ``hub/`` changed, and passes the
same conformance suite as the built-ins through the kit's public import."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub import runs
from hub.context import Hub
from hub.integrations import create_integration
from hub.plugins import make_plugin_manager
from hub.provider import Provider
from hub.roster import ADMIN, STUDENT
from hub.schools import create_school
from hub.testing import ConformanceTests, ProviderCase, serve
from tests.fakes import accounts

SOURCE = Path(__file__).parent / "acme_sis"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Install ``acme_sis`` 1.0 the way pip would leave it: a package and a dist-info whose
    entry_points.txt names it in the ``rosterhub`` group."""
    site = tmp_path / "site"
    shutil.copytree(SOURCE, site / "acme_sis", ignore=shutil.ignore_patterns("__pycache__"))
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
        for name in [n for n in sys.modules if n == "acme_sis" or n.startswith("acme_sis.")]:
            del sys.modules[name]


@pytest.fixture
def acme_url(installed: Path) -> Iterator[str]:
    from acme_sis.sandbox import AcmeSandbox

    with serve(AcmeSandbox().app) as url:
        yield url


def test_an_installed_provider_syncs(hub: Hub, acme_url: str) -> None:
    plugged = Hub(settings=hub.settings, engine=hub.engine, pm=make_plugin_manager())
    assert "acme" in plugged.registry.names()
    school = create_school(plugged, name="Acme Middle", actor="test")
    integration = create_integration(
        plugged,
        school_id=school.id,
        provider="acme",
        settings={"campus": "north", "base_url": acme_url},
        secrets={"api_key": "acme-key-123"},
        actor="test",
    )
    run = runs.run_json(
        plugged, runs.submit(plugged, runs.RunRequest(integration_id=integration.id), here=True).run
    )
    assert run["status"] == "succeeded"
    assert run["counts"]["created"] == 2 and run["counts"]["skipped"] == 1
    got = accounts(plugged, school.id)
    assert got["ada@north.example"]["roles"] == ["student"]
    assert got["alan@north.example"]["roles"] == ["admin", "teacher"]
    assert {a["source"] for a in got.values()} == {"acme"}
    assert "acme-key-123" not in str(run)


class TestAcmeConformance(ConformanceTests):
    """The built-ins' suite, run against the installed third-party provider."""

    @pytest.fixture
    def case(self, installed: Path) -> Iterator[ProviderCase]:
        from acme_sis import AcmeProvider
        from acme_sis.sandbox import AcmeSandbox

        sandbox = AcmeSandbox()
        made: list[Provider] = []

        with serve(sandbox.app) as url:

            def make(**overrides: Any) -> Provider:
                values = {**sandbox.settings(url), "api_key": sandbox.api_key, **overrides}
                provider = AcmeProvider(AcmeProvider.parse_settings(values))
                made.append(provider)
                return provider

            yield ProviderCase(
                make_provider=make,
                sandbox=sandbox,
                expected={
                    "a-1": ("ada@north.example", frozenset({STUDENT}), True),
                    "a-2": ("alan@north.example", frozenset({ADMIN}), True),
                },
                small_page={"page_size": "1"},
                auth_hint="check api_key",
            )
            for provider in made:
                provider.close()


CARELESS = """
import sys
sys.path.insert(0, {site!r})

from collections.abc import Iterator

import pytest
from acme_sis import AcmeProvider
from acme_sis.sandbox import AcmeSandbox

from hub.provider import CheckResult
from hub.testing import ConformanceTests, ProviderCase, serve


class StopsAfterOnePage(AcmeProvider):
    def _page(self, page):
        people, _ = super()._page(page)
        return people, None


class LeaksTheKey(AcmeProvider):
    def check(self):
        found = super().check()
        key = self.acme.api_key.get_secret_value()
        return CheckResult(found.ok, f"{{found.message}} (api_key={{key}})", found.sources)


class Base(ConformanceTests):
    provider = AcmeProvider

    @pytest.fixture
    def case(self) -> Iterator[ProviderCase]:
        sandbox = AcmeSandbox()
        with serve(sandbox.app) as url:
            def make(**overrides):
                values = {{**sandbox.settings(url), "api_key": sandbox.api_key, **overrides}}
                return self.provider(self.provider.parse_settings(values))

            yield ProviderCase(
                make_provider=make,
                sandbox=sandbox,
                expected={{
                    "a-1": ("ada@north.example", frozenset({{"student"}}), True),
                    "a-2": ("alan@north.example", frozenset({{"admin"}}), True),
                }},
                small_page={{"page_size": "1"}},
                auth_hint="check api_key",
            )


class TestStopsAfterOnePage(Base):
    provider = StopsAfterOnePage


class TestLeaksTheKey(Base):
    provider = LeaksTheKey
"""


def test_the_suite_fails_a_provider_that_breaks_the_rules(installed: Path, tmp_path: Path) -> None:
    """The kit's suite is not a formality: a provider that stops reading after one page, or
    that puts its API key in a message, fails exactly the checks for those rules."""
    suite = tmp_path / "suite" / "test_careless.py"
    suite.parent.mkdir()
    suite.write_text(CARELESS.format(site=str(installed)), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", str(suite)],
        cwd=suite.parent,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    failed = sorted(
        line.split("::", 1)[1].split(" ", 1)[0]
        for line in done.stdout.splitlines()
        if line.startswith("FAILED ")
    )
    assert failed == [
        "TestLeaksTheKey::test_secrets_never_in_messages",
        "TestStopsAfterOnePage::test_detects_a_page_loop",
        "TestStopsAfterOnePage::test_pages_to_the_end",
    ], done.stdout
    assert "3 failed, 17 passed" in done.stdout, done.stdout
