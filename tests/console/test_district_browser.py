"""District-scoped district IT in a real browser: they see only their district's schools and
the district run's per-school counts; an edited URL to another district's school is refused.
District IT of a second district connects Clever for the whole district against the sandbox,
links two schools, edits one school's selection, previews and syncs, and sees each school's
counts (the embedded worker runs the queued runs)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hub import districts, schools
from hub.api import create_app
from hub.context import Hub, open_hub
from hub.queue import set_queue
from hub.service import Service
from hub.staff import add_staff
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
    clever_url: str
    sandbox: CleverSandbox
    pine: tuple[str, list[str], tuple[str, str]]
    """Pine Hills: its id, its two schools, its district IT user (nothing connected yet)."""


def _pine_hills(hub: Hub) -> tuple[str, list[str], tuple[str, str]]:
    pine = districts.create_district(hub, name="Pine Hills", actor="test")
    made = [
        schools.create_school(hub, name=name, district_id=pine.id, actor="test").id
        for name in ("Pine Hills Elementary", "Pine Hills High")
    ]
    staff, password = add_staff(
        hub, email="it@pinehills.example.org", role="district_it", district_id=pine.id, actor="t"
    )
    return pine.id, made, (staff.email, password)


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
    pine = _pine_hills(hub)
    service = Service(hub, worker=True, scheduler=False).start()
    server = LoopbackServer(create_app(hub, worker=False, scheduler=False), port=port).start()
    try:
        yield Stage(
            url=url,
            hub=hub,
            console=console,
            cedar=cedar,
            shots=shots,
            clever_url=clever.url,
            sandbox=sandbox,
            pine=pine,
        )
    finally:
        server.stop()
        service.stop(timeout=10)
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


def test_district_it_connects_clever_for_the_district_links_schools_and_syncs(
    stage: Stage, browser: Any
) -> None:
    district_id, (elementary, high), staff = stage.pine
    clever = stage.sandbox.schools
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{stage.url}/console/sign-in")
        page.get_by_label("Email").fill(staff[0])
        page.get_by_label("Password").fill(staff[1])
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("link", name="District", exact=True).click()
        expect(page.get_by_role("heading", name="Pine Hills", exact=True)).to_be_visible()
        expect(page.get_by_text("No district connection yet")).to_be_visible()

        # connect Clever once for the district
        page.get_by_role("button", name="Connect Clever").click()
        page.get_by_role("button", name="Connect", exact=True).click()  # nothing filled in
        expect(page.get_by_text("Enter the district token").first).to_be_visible()
        page.get_by_label("District token").fill(stage.sandbox.token)
        page.get_by_label("Clever API address").fill(stage.clever_url)
        page.get_by_role("button", name="Connect", exact=True).click()
        expect(page.get_by_role("heading", name="Link schools")).to_be_visible()
        expect(page.get_by_role("status").first).to_contain_text(
            "Clever is connected for Pine Hills"
        )
        assert stage.sandbox.token not in page.content()

        # link two schools: search the Clever schools, pick the hub school on each row
        search = page.get_by_label("Search clever schools")
        search.fill(clever[0]["name"][:6])
        expect(page.get_by_role("row", name=re.compile(clever[1]["name"]))).to_be_hidden()
        search.fill("")
        for source, school in (
            (clever[0], "Pine Hills Elementary"),
            (clever[1], "Pine Hills High"),
        ):
            row = page.get_by_role("row", name=re.compile(re.escape(source["name"])))
            row.get_by_label(f"Link {source['name']} to").select_option(label=school)
            row.get_by_role("button", name="Link", exact=True).click()
            expect(page.get_by_role("status").first).to_contain_text(f"{school} is linked")
        # the same Clever school cannot feed a second school
        row = page.get_by_role("row", name=re.compile(re.escape(clever[0]["name"])))
        row.get_by_label(f"Link {clever[0]['name']} to").select_option(label="Pine Hills High")
        row.get_by_role("button", name="Link", exact=True).click()
        expect(page.get_by_role("alert")).to_contain_text(
            "already feeds school 'Pine Hills Elementary'"
        )

        page.screenshot(path=str(stage.shots / "console-district-links.png"), full_page=True)

        # Edit accounts syncing for one linked school: add a third Clever school to it
        page.get_by_role("row", name=re.compile("^Pine Hills High")).get_by_role(
            "button", name="Edit accounts syncing"
        ).click()
        expect(page.get_by_role("heading", name="Edit accounts syncing")).to_be_visible()
        group = page.get_by_role("group", name=re.compile("Clever schools to sync"))
        expect(group.get_by_label(clever[1]["name"], exact=True)).to_be_checked()
        group.get_by_label("Search clever schools to sync").fill(clever[2]["name"][:8])
        group.get_by_label(clever[2]["name"], exact=True).check()
        page.get_by_role("button", name="Save").click()
        expect(page.get_by_role("status").first).to_contain_text("Pine Hills High")
        assert districts.links_of(stage.hub, _integration(stage, district_id)) == {
            elementary: {"schools": clever[0]["id"]},
            high: {"schools": f"{clever[1]['id']},{clever[2]['id']}"},
        }

        # preview, then sync: each school's counts
        page.get_by_role("link", name="Back to Pine Hills").click()
        page.get_by_role("button", name="Preview").click()
        expect(page.get_by_text("A preview: nothing was changed").first).to_be_visible(
            timeout=30_000
        )
        expect(page.get_by_role("heading", name="By school")).to_be_visible()
        page.get_by_role("link", name="District", exact=True).click()
        page.get_by_role("button", name="Sync now").click()
        expect(page.get_by_text("Applied.").first).to_be_visible(timeout=30_000)
        page.get_by_role("link", name="District", exact=True).click()
        table = page.get_by_role("table", name=re.compile("Linked schools, with the last run"))
        for school in ("Pine Hills Elementary", "Pine Hills High"):
            expect(table.get_by_role("row", name=re.compile(f"^{school}"))).to_be_visible()
        run = _last_run(stage, district_id)
        for school_id, name in ((elementary, "Pine Hills Elementary"), (high, "Pine Hills High")):
            created = run.school_counts[school_id]["created"]
            assert created > 0
            row = table.get_by_role("row", name=re.compile(f"^{name}"))
            expect(row.get_by_role("cell").nth(2)).to_have_text(f"{created:,}")
        page.screenshot(path=str(stage.shots / "console-district-integration.png"), full_page=True)
        assert stage.sandbox.token not in page.content()
        assert errors == [], errors
    finally:
        context.close()


def _integration(stage: Stage, district_id: str) -> str:
    from hub import integrations

    (found,) = [
        i.id
        for i in integrations.list_integrations(stage.hub, district_id=district_id)
        if i.district_id == district_id
    ]
    return found


def _last_run(stage: Stage, district_id: str) -> Any:
    from hub import run_history

    return run_history.latest_runs(stage.hub, [_integration(stage, district_id)])[
        _integration(stage, district_id)
    ]
