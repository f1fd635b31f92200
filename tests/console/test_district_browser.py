"""District-scoped district IT in a real browser: they see only their district's schools and
the district run's per-school counts; an edited URL to another district's school is refused."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub.api import create_app
from hub.context import Hub, open_hub
from hub.queue import set_queue
from hub.testing import LoopbackServer, free_port
from plugins.clever.sandbox import CleverSandbox
from tests.conftest import make_settings
from tests.console.conftest import Console, build_console
from tests.console.district_stage import DistrictStage, build_district
from tests.service.helpers import with_fake_provider

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking".split()
)

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
]

playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@dataclass
class Stage:
    url: str
    hub: Hub
    console: Console
    cedar: DistrictStage
    shots: Path


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    root = tmp_path_factory.mktemp("district-browser")
    shots = Path(os.environ.get("ROSTERHUB_SCREENSHOTS") or root / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    sandbox = CleverSandbox(seed=2, users=60)
    clever = LoopbackServer(sandbox).start()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    hub = with_fake_provider(
        open_hub(make_settings(f"sqlite:///{root / 'hub.db'}", public_url=url))
    )
    console = build_console(hub)
    cedar = build_district(hub, console, clever.url, sandbox.token)
    server = LoopbackServer(create_app(hub, worker=False, scheduler=False), port=port).start()
    try:
        yield Stage(url=url, hub=hub, console=console, cedar=cedar, shots=shots)
    finally:
        server.stop()
        clever.stop()
        set_queue(hub, None)
        hub.engine.dispose()


@pytest.fixture(scope="module")
def browser(stage: Stage) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


def test_district_it_of_one_district_sees_only_it(stage: Stage, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"{stage.url}/console/sign-in")
        page.get_by_label("Email").fill(stage.cedar.staff[0])
        page.get_by_label("Password").fill(stage.cedar.staff[1])
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("button", name="Sign out")).to_be_visible()
        picker = page.get_by_label("School")
        options = picker.locator("option").all_inner_texts()
        assert sorted(options) == ["Ada Lovelace Elementary", "Cedar Ridge Middle"]
        page.get_by_role("link", name="Runs").click()
        page.get_by_role("link", name=stage.cedar.run).click()
        expect(page.get_by_role("heading", name="By school")).to_be_visible()
        expect(page.get_by_role("cell", name="Cedar Ridge Middle")).to_be_visible()
        page.screenshot(path=str(stage.shots / "console-district-run.png"), full_page=True)
        answer = page.goto(f"{stage.url}/console/accounts?school={stage.console.school_b}")
        assert answer is not None and answer.status == 404
        expect(page.get_by_text(re.compile("Brook"))).to_have_count(0)
    finally:
        context.close()
