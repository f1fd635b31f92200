"""Each audience's path through the console in a real browser (Debian's Chromium, driven by
Playwright), against a real uvicorn server on loopback with the embedded worker, the Google,
Clever and ClassLink sandboxes on loopback too. One browser and one server for the module;
each test has its own browser context (its own cookies). Screenshots of the main pages go to
``ROSTERHUB_SCREENSHOTS`` or a directory under pytest's tmp path."""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from hub import integrations, runs
from hub.api import create_app
from hub.context import Hub, open_hub
from hub.queue import set_queue
from hub.service import Service
from hub.testing import LoopbackServer, free_port
from tests.conftest import make_settings
from tests.console.conftest import Console, build_console
from tests.service.helpers import with_fake_provider

CHROMIUM = Path("/usr/bin/chromium")
ARGS = (
    "--headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
    "--disable-background-networking --disable-component-update --disable-sync"
).split()

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.timeout(120),
]
playwright_api = pytest.importorskip("playwright.sync_api")
expect = playwright_api.expect


@dataclass
class Stage:
    url: str
    hub: Hub
    console: Console
    google: Any
    clever: tuple[str, dict[str, str]]
    classlink: tuple[str, dict[str, str]]
    shots: Path


@pytest.fixture(scope="module")
def stage(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stage]:
    from plugins.classlink.provider import OneRosterProvider
    from plugins.clever.provider import CleverProvider
    from plugins.gsuite.sandbox import GoogleSandbox

    root = tmp_path_factory.mktemp("console-browser")
    shots = Path(os.environ.get("ROSTERHUB_SCREENSHOTS") or root / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    google = GoogleSandbox(seed=0)
    clever = CleverProvider.sandbox(seed=0)
    classlink = OneRosterProvider.sandbox(seed=0)
    servers = [LoopbackServer(s).start() for s in (google.app, clever.app, classlink.app)]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    settings = make_settings(
        f"sqlite:///{root / 'hub.db'}",
        public_url=url,
        **google.oauth_client_settings(servers[0].url),
    )
    hub = with_fake_provider(open_hub(settings))
    console = build_console(hub)
    service = Service(hub, worker=True, scheduler=False).start()
    server = LoopbackServer(create_app(hub, worker=False, scheduler=False), port=port).start()
    try:
        yield Stage(
            url=url,
            hub=hub,
            console=console,
            google=google,
            clever=(servers[1].url, {**clever.settings(servers[1].url), **clever.secrets}),
            classlink=(servers[2].url, {**classlink.settings(servers[2].url), **classlink.secrets}),
            shots=shots,
        )
    finally:
        server.stop()
        service.stop(timeout=10)
        for s in servers:
            s.stop()
        set_queue(hub, None)
        hub.engine.dispose()


@pytest.fixture(scope="module")
def browser(stage: Stage) -> Iterator[Any]:
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 860}, accept_downloads=True)
    context.set_default_timeout(15_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on(
        "console",
        # an answer of 400/404 (a refused form, an edited URL) is the page working, not an error
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "responded with a status of 4" not in msg.text
            else None
        ),
    )
    yield tab
    context.close()
    assert errors == [], errors  # no script error and no CSP violation on any page


def shot(stage: Stage, page: Any, name: str) -> None:
    page.screenshot(path=str(stage.shots / f"{name}.png"), full_page=True)


def sign_in(stage: Stage, page: Any, email: str, password: str) -> None:
    page.goto(f"{stage.url}/console/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")  # the keyboard works as well as a click
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def section(page: Any, title: str) -> Any:
    return page.get_by_role("region", name=title)


def wait_for_run(page: Any, text: str) -> None:
    """A run page refreshes itself until the run ends."""
    expect(page.get_by_text(text).first).to_be_visible(timeout=30_000)


def test_sign_in_page_and_a_wrong_password(stage: Stage, page: Any) -> None:
    page.goto(f"{stage.url}/console")
    expect(page).to_have_url(re.compile(r"/console/sign-in\?next="))
    page.get_by_label("Email").fill(stage.console.admin_a[0])
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect")
    expect(page.get_by_label("Password")).to_have_attribute("aria-invalid", "true")
    shot(stage, page, "sign-in")


def test_district_it_connects_google_picks_ous_previews_and_syncs(stage: Stage, page: Any) -> None:
    sign_in(stage, page, *stage.console.district_it)
    page.get_by_role("link", name="Integrations").click()
    shot(stage, page, "integrations")
    page.get_by_role("button", name="Set up Google Workspace").click()
    # Google's (the sandbox's) consent page: choose the sync admin, allow
    page.get_by_label(stage.google.domain.admin.email).check()
    page.get_by_role("button", name="Allow").click()
    expect(page.get_by_role("heading", name="Edit accounts syncing")).to_be_visible()
    expect(page.get_by_role("status").first).to_contain_text("Google Workspace is connected")
    page.get_by_role("group", name=re.compile(r"^Students: organizational units")).get_by_label(
        "/Students", exact=True
    ).check()
    page.get_by_role("group", name=re.compile(r"^Teachers: organizational units")).get_by_label(
        "/Staff", exact=True
    ).check()
    page.get_by_role("group", name=re.compile(r"^Admins: organizational units")).get_by_label(
        "/Staff/Administration", exact=True
    ).check()
    shot(stage, page, "edit-accounts-syncing")
    page.get_by_role("button", name="Save").click()
    google = section(page, "Google Workspace")
    google.get_by_role("button", name="Preview").click()
    wait_for_run(page, "A preview: nothing was changed")
    student = stage.google.domain.by_label("student", ou="/Students/2025")[0]
    expect(page.get_by_role("cell", name=student.email)).to_be_visible()
    expect(page.get_by_role("link", name=re.compile(r"^Created \(\d+\)"))).to_be_visible()
    shot(stage, page, "preview")
    page.get_by_role("link", name="Integrations").click()
    section(page, "Google Workspace").get_by_role("button", name="Sync now").click()
    wait_for_run(page, "Applied.")
    shot(stage, page, "run")
    page.get_by_role("link", name="Runs").click()
    expect(page.get_by_role("cell", name="succeeded").first).to_be_visible()
    shot(stage, page, "runs")


def test_district_it_connects_clever_and_classlink(stage: Stage, page: Any) -> None:
    sign_in(stage, page, *stage.console.district_it)
    page.get_by_label("School").select_option(label="Brook Middle")
    expect(page.get_by_role("heading", name="Brook Middle")).to_be_visible()
    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("button", name="Connect Clever").click()
    page.get_by_role("button", name="Connect").click()  # nothing filled in
    expect(page.get_by_text("Enter the district token").first).to_be_visible()
    base, values = stage.clever
    page.get_by_label("District token").fill(values["token"])
    page.get_by_label("Clever API address").fill(base)
    shot(stage, page, "connect-clever")
    page.get_by_role("button", name="Connect").click()
    clever = section(page, "Clever")
    clever.get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("The connection works.")).to_be_visible()
    page.get_by_role("button", name="Edit accounts syncing").click()
    page.get_by_role("group", name=re.compile("Clever schools to sync")).get_by_role(
        "checkbox"
    ).first.check()
    page.get_by_role("button", name="Save").click()
    section(page, "Clever").get_by_role("button", name="Sync now").click()
    wait_for_run(page, "Applied.")

    page.get_by_role("link", name="Integrations").click()
    page.get_by_role("button", name="Connect ClassLink").click()
    _root, link = stage.classlink
    page.get_by_label("Tenant name").fill(link["tenant_name"])
    page.get_by_label("Tenant ID").fill(link["tenant_id"])
    page.get_by_label("OneRoster base URL").fill(link["base_url"])
    page.get_by_label("Client ID").fill(link["client_id"])
    page.get_by_label("Client secret").fill(link["client_secret"])
    page.get_by_role("button", name="Connect").click()
    section(page, "ClassLink").get_by_role("button", name="Test connection").click()
    expect(page.get_by_text("The connection works.")).to_be_visible()
    assert link["client_secret"] not in page.content()
    page.get_by_role("link", name="Back", exact=True).click()
    section(page, "ClassLink").get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Client secret")).to_have_attribute("placeholder", "stored — replace")
    expect(page.get_by_label("Client secret")).to_have_value("")


def _held(stage: Stage) -> str:
    c = stage.console
    integrations.update_integration(c.hub, c.integration_b, settings={"people": "3"}, actor="test")
    runs.submit(c.hub, runs.RunRequest(integration_id=c.integration_b, actor="test"), here=True)
    integrations.update_integration(c.hub, c.integration_b, settings={"people": "0"}, actor="test")
    held = runs.submit(
        c.hub, runs.RunRequest(integration_id=c.integration_b, actor="test"), here=True
    ).run
    assert held.status == "held"
    return held.id


def test_support_discards_one_held_run_and_approves_another(stage: Stage, page: Any) -> None:
    first = _held(stage)
    sign_in(stage, page, *stage.console.support)
    page.get_by_label("School").select_option(label="Brook Middle")
    page.get_by_role("link", name="Runs").click()
    page.get_by_role("link", name=first).click()
    expect(page.get_by_role("cell", name="p0@brook.example.org")).to_be_visible()
    shot(stage, page, "held-run")
    page.get_by_role("button", name="Discard").click()
    expect(page.get_by_text("Discarded: nothing was applied.")).to_be_visible()
    second = _held(stage)
    page.goto(f"{stage.url}/console/runs/{second}")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: the run is applied.")).to_be_visible()
    assert runs.get_run(stage.hub, second).status == "succeeded"
    assert runs.get_run(stage.hub, first).status == "failed"


def _workbook(students: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name in ("Student", "Teacher", "Admin"):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ["Email", "First Name", "Last Name", "Password"])
        if name == "Student":
            for r, row in enumerate(students, start=1):
                sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def test_a_school_admin_searches_adds_and_bulk_adds_in_their_school_only(
    stage: Stage, page: Any, tmp_path: Path
) -> None:
    c = stage.console
    sign_in(stage, page, *c.admin_a)
    expect(page.get_by_label("School")).to_have_count(0)  # one school: no switcher
    expect(page.get_by_role("heading", name="Ada Lovelace Elementary")).to_be_visible()
    shot(stage, page, "home")
    page.get_by_role("link", name="Accounts").click()
    for header in ("Email", "Name", "Roles", "Status", "Source"):
        expect(page.get_by_role("columnheader", name=header)).to_be_visible()
    page.get_by_label("Search").fill("First3")
    page.get_by_label("Search").press("Enter")
    expect(page.get_by_role("cell", name="p3@ada.example.org")).to_be_visible()
    expect(page.get_by_role("cell", name="p1@ada.example.org")).to_have_count(0)
    shot(stage, page, "accounts")

    add = page.get_by_role("button", name="Add")
    add.focus()
    page.keyboard.press("Enter")  # the menu opens from the keyboard, focus on its first item
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Add an account")).to_be_visible()
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_text("Enter a first name").last).to_be_visible()
    page.get_by_label("Email").fill("grace@ada.example.org")
    page.get_by_label("First name").fill("Grace")
    page.get_by_label("Last name").fill("Hopper")
    page.get_by_label("Teacher").check()
    page.get_by_role("button", name="Add account").click()
    expect(page.get_by_label("Generated password")).to_be_visible()

    page.get_by_role("link", name="Done").click()
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Bulk add standard accounts").click()  # opens the chat window
    page.get_by_role("region", name="Chat").get_by_role(
        "link", name="Use the upload form instead"
    ).click()
    bad = tmp_path / "students-bad.xlsx"
    bad.write_bytes(_workbook([["not-an-email", "Ann", "Able", ""]]))
    page.get_by_label("Accounts spreadsheet").set_input_files(str(bad))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_role("alert")).to_contain_text("nothing was changed")
    expect(page.get_by_role("cell", name="Student")).to_be_visible()
    shot(stage, page, "bulk-add-errors")
    good = tmp_path / "students.xlsx"
    good.write_bytes(_workbook([["ann@ada.example.org", "Ann", "Able", ""]]))
    page.get_by_label("Accounts spreadsheet").set_input_files(str(good))
    page.get_by_role("button", name="Check file").click()
    expect(page.get_by_text("looks good")).to_be_visible()
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("is applied")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download passwords").click()
    assert "ann@ada.example.org" in Path(download.value.path()).read_text()

    page.goto(f"{stage.url}/console/accounts?school={c.school_b}")
    expect(page.get_by_role("heading", name="Not found")).to_be_visible()
    assert "brook.example.org" not in page.content()


def test_support_asks_why_then_undoes_a_run(stage: Stage, page: Any) -> None:
    c = stage.console
    synced = runs.list_runs(stage.hub, integration_id=c.integration_a)[-1]
    sign_in(stage, page, *c.support)
    page.get_by_label("School").select_option(label="Ada Lovelace Elementary")
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("row", name="p1@ada.example.org").get_by_role("link", name="Why?").click()
    expect(page.get_by_role("table", name="Where each role comes from")).to_be_visible()
    shot(stage, page, "console-why")
    page.goto(f"{stage.url}/console/runs/{synced.id}")
    page.get_by_label("Put back the rest even if some were changed again since").check()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Undo queued as run")).to_be_visible()
    wait_for_run(page, "This run undid")
    shot(stage, page, "console-undo")
    page.get_by_role("link", name="Audit").click()
    expect(page.get_by_role("cell", name="run.request").first).to_be_visible()
