"""Set up Google Workspace through the sandbox's consent page: the request, each way it can
go wrong, and the stored refresh token driving a real sync."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from hub import integrations, runs
from hub.api import create_app
from hub.context import Hub, open_hub
from hub.testing import LoopbackServer
from plugins.gsuite.auth import SCOPES
from plugins.gsuite.sandbox import GoogleSandbox
from plugins.gsuite.sandbox.consent import PERSONAL_ACCOUNT, s256
from tests.conftest import make_settings
from tests.console.conftest import build_console, csrf_of, sign_in
from tests.service.helpers import with_fake_provider


@dataclass
class Google:
    hub: Hub
    sandbox: GoogleSandbox
    url: str
    client: TestClient
    school: str


@pytest.fixture
def google(sqlite_url: str) -> Iterator[Google]:
    sandbox = GoogleSandbox(seed=0)
    server = LoopbackServer(sandbox.app).start()
    hub = with_fake_provider(
        open_hub(make_settings(sqlite_url, **sandbox.oauth_client_settings(server.url)))
    )
    console = build_console(hub)
    client = TestClient(create_app(hub, worker=False, scheduler=False))
    sign_in(client, *console.district_it)
    try:
        yield Google(hub, sandbox, server.url, client, console.school_a)
    finally:
        client.close()
        server.stop()
        hub.engine.dispose()


def _start(g: Google, integration: str = "") -> str:
    token = csrf_of(g.client, f"/console/integrations?school={g.school}")
    data = {"csrf_token": token}
    if integration:
        data["integration"] = integration
    response = g.client.post(
        f"/console/integrations/google/start?school={g.school}", data=data, follow_redirects=False
    )
    assert response.status_code == 303
    return response.headers["location"]


def _consent(
    g: Google,
    location: str,
    *,
    account: str | None = None,
    decision: str = "allow",
    drop: str | None = None,
) -> str:
    page = httpx.get(location)
    assert page.status_code == 200, page.text
    hidden = {
        k: html.unescape(v)
        for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)
    }
    granted = [s for s in hidden["scope"].split() if s != drop]
    answer = httpx.post(
        f"{g.url}/auth",
        data={
            **hidden,
            "account": account or g.sandbox.domain.admin.email,
            "granted": granted,
            "decision": decision,
        },
    )
    assert answer.status_code == 302
    back = answer.headers["location"]
    assert back.startswith("http://127.0.0.1:8000/console/integrations/google/callback?")
    return back.removeprefix("http://127.0.0.1:8000")


def test_the_consent_request_asks_for_offline_read_only_access_with_pkce(google: Google) -> None:
    location = _start(google)
    query = parse_qs(urlsplit(location).query)
    assert location.startswith(f"{google.url}/auth?")
    assert query["response_type"] == ["code"]
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and len(query["code_challenge"][0]) == 43
    assert sorted(query["scope"][0].split()) == sorted(SCOPES)
    assert query["redirect_uri"] == ["http://127.0.0.1:8000/console/integrations/google/callback"]
    assert len(query["state"][0]) >= 32


def test_consent_stores_a_refresh_token_that_a_sync_then_uses(google: Google) -> None:
    back = _consent(google, _start(google))
    done = google.client.get(back, follow_redirects=False)
    assert done.status_code == 303 and "/syncing" in done.headers["location"]
    page = google.client.get(done.headers["location"]).text
    assert "Google Workspace is connected" in page and "/Students/2025" in page
    (integration,) = [
        i for i in integrations.list_integrations(google.hub) if i.provider == "gsuite"
    ]
    stored = google.hub.vault.decrypt_json(integration.secrets)
    assert '"type": "authorized_user"' in stored["credentials"]
    assert "refresh_token" in stored["credentials"] and "token" not in stored
    assert integration.settings["customer"] == google.sandbox.domain.customer_id
    assert integration.settings["api_endpoint"] == f"{google.url}/"
    token = csrf_of(google.client, f"/console/integrations?school={google.school}")
    google.client.post(
        f"/console/integrations/{integration.id}/syncing",
        data={"csrf_token": token, "student_ous": "/Students", "teacher_ous": "/Staff"},
    )
    run = runs.submit(
        google.hub, runs.RunRequest(integration_id=integration.id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert run.counts["created"] > 20
    assert google.sandbox.domain.admin.email in {g.subject for g in google.sandbox.issued()}


def test_cancel_on_the_consent_page_says_what_to_do(google: Google) -> None:
    back = _consent(google, _start(google), decision="cancel")
    page = google.client.get(back)
    assert page.status_code == 400
    assert "were not allowed" in page.text and "choose <strong>Allow</strong>" in page.text
    assert [i for i in integrations.list_integrations(google.hub) if i.provider == "gsuite"] == []


def test_an_account_without_the_admin_role_gets_the_role_steps(google: Google) -> None:
    teacher = google.sandbox.domain.by_label("teacher")[0].email
    page = google.client.get(_consent(google, _start(google), account=teacher))
    assert page.status_code == 400
    assert "may not read your directory" in page.text
    assert "Admin API Privileges &gt; Users &gt; Read" in page.text
    assert "Create new role" in page.text


def test_a_personal_account_is_the_wrong_account(google: Google) -> None:
    page = google.client.get(_consent(google, _start(google), account=PERSONAL_ACCOUNT))
    assert page.status_code == 400 and "personal Gmail account" in page.text


def test_an_unticked_permission_is_named(google: Google) -> None:
    dropped = "https://www.googleapis.com/auth/admin.directory.orgunit.readonly"
    page = google.client.get(_consent(google, _start(google), drop=dropped))
    assert page.status_code == 400 and dropped in page.text


def test_a_callback_that_did_not_start_here_connects_nothing(google: Google) -> None:
    back = _consent(google, _start(google))
    forged = re.sub(r"state=[^&]+", "state=forged", back)
    page = google.client.get(forged)
    assert page.status_code == 400 and "did not start here" in page.text
    # and the real callback cannot be replayed afterwards: the pending state was used up
    assert "did not start here" in google.client.get(back).text


def test_reconnecting_with_another_workspace_is_refused(google: Google) -> None:
    google.client.get(_consent(google, _start(google)))
    (integration,) = [
        i for i in integrations.list_integrations(google.hub) if i.provider == "gsuite"
    ]
    integrations.update_integration(
        google.hub, integration.id, settings={"customer": "C0other"}, actor="test"
    )
    page = google.client.get(_consent(google, _start(google, integration.id)))
    assert page.status_code == 400 and "different Google Workspace" in page.text


def test_the_sandbox_checks_the_pkce_verifier_and_uses_a_code_once(google: Google) -> None:
    location = _start(google)
    query = parse_qs(urlsplit(location).query)
    back = _consent(google, location)
    code = parse_qs(urlsplit(back).query)["code"][0]
    form = {
        "grant_type": "authorization_code",
        "client_id": google.sandbox.oauth_client_id,
        "client_secret": google.sandbox.oauth_client_secret,
        "redirect_uri": query["redirect_uri"][0],
        "code": code,
        "code_verifier": "x" * 64,
    }
    assert s256("x" * 64) != query["code_challenge"][0]
    wrong = httpx.post(f"{google.url}/token", data=form)
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    assert "refresh_token" not in wrong.text


def test_set_up_google_for_a_district_lands_on_linking_its_schools(google: Google) -> None:
    from hub import districts, schools

    cedar = districts.create_district(google.hub, name="Cedar Valley", actor="test")
    north, south = (
        schools.create_school(google.hub, name=name, district_id=cedar.id, actor="test").id
        for name in ("North Elementary", "South Middle")
    )
    page = google.client.get(f"/console/districts/{cedar.id}?school={north}")
    assert page.status_code == 200 and 'name="district"' in page.text
    token = csrf_of(google.client, f"/console/districts/{cedar.id}?school={north}")
    started = google.client.post(
        f"/console/integrations/google/start?school={north}",
        data={"csrf_token": token, "district": cedar.id},
        follow_redirects=False,
    )
    assert started.status_code == 303
    done = google.client.get(_consent(google, started.headers["location"]), follow_redirects=False)
    assert done.status_code == 303 and "/links" in done.headers["location"]
    (integration,) = [
        i for i in integrations.list_integrations(google.hub) if i.provider == "gsuite"
    ]
    assert integration.district_id == cedar.id and integration.school_id is None
    links = google.client.get(done.headers["location"]).text
    assert "Google Workspace is connected for Cedar Valley" in links
    assert "/Students/2025" in links and "/Staff" in links
    token = csrf_of(google.client, done.headers["location"])
    for school, source, setting in (
        (north, "/Students/2025", "student_ous"),
        (north, "/Staff", "teacher_ous"),
        (south, "/Students/2026", "student_ous"),
        (south, "/Staff", "teacher_ous"),  # a district-wide staff OU may feed several schools
    ):
        answer = google.client.post(
            f"/console/integrations/{integration.id}/links?school={north}",
            data={"csrf_token": token, "source": source, "setting": setting, "target": school},
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
    saved = google.client.post(
        f"/console/integrations/{integration.id}/syncing?school={north}",
        data={
            "csrf_token": token,
            "student_ous": "/Students/2025",
            "teacher_ous": "/Staff",
            "admin_ous": "/Staff/Administration",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert districts.links_of(google.hub, integration.id) == {
        north: {
            "student_ous": "/Students/2025",
            "teacher_ous": "/Staff",
            "admin_ous": "/Staff/Administration",
        },
        south: {"student_ous": "/Students/2026", "teacher_ous": "/Staff"},
    }
    run = runs.submit(
        google.hub, runs.RunRequest(integration_id=integration.id, actor="test"), here=True
    ).run
    assert run.status == "succeeded", run.error
    assert set(run.school_counts or {}) == {north, south}
    assert all(part["created"] > 0 for part in (run.school_counts or {}).values())
