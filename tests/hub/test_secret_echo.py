"""A provider server that repeats what it was sent (the ``Authorization`` header, the request
body) in its answers must not get a stored secret back out of the hub: not through a check, a
failed run's error, a run's issues, the audit log or the process log. One loopback echo server
speaks just enough of each provider's protocol: in ``error`` mode every request is refused with
the echo in the provider's error shape, in ``roster`` mode the echo comes back as ids, names
and roles."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub import integrations, runs, schools, tokens
from hub.api import create_app
from hub.context import Hub
from hub.models import AuditEvent
from hub.scrub import REDACTED
from hub.testing import serve
from plugins.gsuite.sandbox import GoogleSandbox

CLEVER_TOKEN = "9c1e7a0b5d3f48e2a6b1c0d9e8f7a6b5c4d3e2f1"
CLASSLINK_SECRET = "rs-Secret/0123+ABCdef=xyz"
GOOGLE_TOKEN = "ya29.a0Echo-Access_Token0123456789"


@dataclass
class Echo:
    """The loopback server: ``answer(path, echo)`` is the provider-shaped JSON for a path."""

    error: Callable[[str], Any]
    roster: Callable[[str, str], Any]
    """``roster(path, echo)`` (a later OneRoster page is empty)."""
    mode: str = "error"
    seen: list[str] = field(default_factory=list)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{path:path}", self._answer, methods=["GET", "POST"])])

    async def _answer(self, request: Request) -> JSONResponse:
        auth = request.headers.get("authorization", "")
        body = (await request.body()).decode()
        credential = auth.partition(" ")[2]
        self.seen.extend(part for part in (auth, credential, body) if part)
        echo = f"you sent Authorization: {auth} (credential {credential}); body: {body}"
        path = request.url.path
        if path.endswith("/token"):  # Google's token endpoint, repeating the form it got
            return JSONResponse(
                {"error": "invalid_grant", "error_description": echo}, status_code=400
            )
        if self.mode == "error":
            return JSONResponse(self.error(echo), status_code=400)
        if request.query_params.get("offset", "0") != "0":
            return JSONResponse({"orgs": [], "users": []})
        return JSONResponse(self.roster(path, echo))


def _clever_roster(path: str, echo: str) -> Any:
    if path.endswith("/districts"):
        return {"data": [{"data": {"id": "d1", "name": echo}}], "links": []}
    if path.endswith("/schools"):
        return {"data": [{"data": {"id": "s1", "name": echo}}], "links": []}
    # a user without an email is a skip whose external id is the echo
    user = {"id": echo, "roles": {"student": {"school": "s1"}}, "name": {"first": "A"}}
    return {"data": [{"data": user}], "links": []}


def _classlink_roster(path: str, echo: str) -> Any:
    if path.endswith("/orgs"):
        return {"orgs": [{"sourcedId": "o1", "name": echo, "type": "school"}]}
    user = {"sourcedId": "u1", "role": echo, "email": "u1@example.org", "status": "active"}
    return {"users": [user]}


def _google_roster(path: str, echo: str) -> Any:
    if path.endswith("/orgunits"):
        return {"organizationUnits": [{"orgUnitPath": "/Students", "name": echo}]}
    if path.endswith("/groups"):
        return {"groups": [{"email": "g@example.org", "name": echo}]}
    return {"users": [{"id": echo, "orgUnitPath": "/Students"}]}


@dataclass(frozen=True)
class Case:
    provider: str
    settings: Callable[[str], dict[str, str]]
    secrets: Callable[[str], dict[str, str]]
    error: Callable[[str], Any]
    roster: Callable[[str, str], Any] | None
    hidden: Callable[[dict[str, str]], list[str]]
    """Every value that must not come back, given the secrets."""


def _plain(secrets: dict[str, str]) -> list[str]:
    return list(secrets.values())


def _google_parts(secrets: dict[str, str]) -> list[str]:
    info = json.loads(secrets["credentials"])
    parts = [info[k] for k in ("client_secret", "refresh_token") if k in info]
    if "private_key" in info:
        lines = [line for line in info["private_key"].splitlines() if not line.startswith("-")]
        parts.extend(lines)
    return parts


_SANDBOX = GoogleSandbox(seed=0)  # only for its key material: a real service-account key

CASES = [
    Case(
        "clever",
        lambda url: {"base_url": url},
        lambda url: {"token": CLEVER_TOKEN},
        lambda echo: {"message": echo},
        _clever_roster,
        lambda s: [*_plain(s), base64.b64encode(CLEVER_TOKEN.encode()).decode()],
    ),
    Case(
        "classlink",
        lambda url: {
            "base_url": f"{url}/ims/oneroster/v1p1",
            "client_id": "echo-key",
            "tenant_id": "t1",
        },
        lambda url: {"client_secret": CLASSLINK_SECRET},
        lambda echo: {"imsx_codeMajor": "failure", "imsx_description": echo},
        _classlink_roster,
        _plain,
    ),
    Case(
        "gsuite",
        lambda url: {"api_endpoint": f"{url}/", "student_ous": "/Students"},
        lambda url: {"token": GOOGLE_TOKEN},
        lambda echo: {"error": {"code": 400, "message": echo, "errors": [{"reason": "x"}]}},
        _google_roster,
        _plain,
    ),
    Case(
        "gsuite-authorized-user",
        lambda url: {"api_endpoint": f"{url}/", "student_ous": "/Students"},
        lambda url: {"credentials": json.dumps(_SANDBOX.authorized_user_info(url))},
        lambda echo: {"error": {"code": 400, "message": echo}},
        None,
        _google_parts,
    ),
    Case(
        "gsuite-service-account",
        lambda url: {
            "api_endpoint": f"{url}/",
            "student_ous": "/Students",
            "subject": "admin@example.org",
        },
        lambda url: {"credentials": json.dumps(_SANDBOX.service_account_info(url))},
        lambda echo: {"error": {"code": 400, "message": echo}},
        None,
        _google_parts,
    ),
]
ROSTER_CASES = [case for case in CASES if case.roster is not None]


@dataclass
class Connected:
    hub: Hub
    integration_id: str
    echo: Echo
    hidden: list[str]

    def sync(self) -> dict[str, Any]:
        run = runs.submit(
            self.hub, runs.RunRequest(integration_id=self.integration_id, actor="test"), here=True
        ).run
        return runs.run_json(self.hub, run)

    def assert_run_hides(self, doc: dict[str, Any], log: str) -> None:
        """The run, the audit trail and the log hold nothing secret."""
        with self.hub.session() as session:
            audit = [event.detail for event in session.exec(select(AuditEvent))]
        for found in (doc, audit, log):
            self.assert_hidden(found)

    def assert_hidden(self, found: Any) -> None:
        """No secret, and nothing the server was sent, is in ``found`` (text, or decoded
        JSON: compared string by string, as JSON escaping would hide a quoted header)."""
        text = "\n".join(_strings(found))
        for value in [*self.hidden, *self.echo.seen]:
            if len(value) >= 6:
                assert value not in text, f"{value[:12]}… leaked"


def _strings(found: Any) -> Iterator[str]:
    if isinstance(found, str):
        yield found
    elif isinstance(found, dict):
        for key, value in found.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(found, list | tuple):
        for value in found:
            yield from _strings(value)


@contextmanager
def _connect(hub: Hub, case: Case, mode: str) -> Iterator[Connected]:
    echo = Echo(error=case.error, roster=case.roster or (lambda path, text: {}), mode=mode)
    with serve(echo.app()) as url:
        secrets = case.secrets(url)
        school = schools.create_school(hub, name="Echo School", actor="test")
        integration = integrations.create_integration(
            hub,
            school_id=school.id,
            provider=case.provider.split("-")[0],
            settings=case.settings(url),
            secrets=secrets,
            actor="test",
        )
        yield Connected(hub, integration.id, echo, case.hidden(secrets))


@pytest.fixture
def caplog_debug(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)
    return caplog


@pytest.mark.parametrize("mode", ["error", "roster"])
@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
def test_check_through_the_api_gives_no_secret_back(
    hub: Hub, case: Case, mode: str, caplog_debug: pytest.LogCaptureFixture
) -> None:
    if mode == "roster" and case.roster is None:
        pytest.skip("this credential kind fails at the token endpoint before any roster")
    with _connect(hub, case, mode) as connected:
        token = tokens.create_token(hub, role="district_it", actor="test")[1]
        with TestClient(create_app(hub, worker=False, scheduler=False)) as client:
            answer = client.post(
                f"/api/v1/integrations/{connected.integration_id}/check",
                headers={"Authorization": f"Bearer {token}"},
            )
        assert answer.status_code == 200, answer.text
        assert connected.echo.seen, "the provider never reached the echo server"
        assert "you sent Authorization" in answer.text  # the echo came back, scrubbed
        connected.assert_hidden(answer.json())
        connected.assert_hidden(caplog_debug.text)


@pytest.mark.parametrize("case", CASES, ids=[c.provider for c in CASES])
def test_a_failed_runs_error_gives_no_secret_back(
    hub: Hub, case: Case, caplog_debug: pytest.LogCaptureFixture
) -> None:
    with _connect(hub, case, "error") as connected:
        doc = connected.sync()
        assert doc["status"] == "failed"
        assert "you sent Authorization" in (doc["error"] or ""), doc["error"]
        connected.assert_run_hides(doc, caplog_debug.text)


@pytest.mark.parametrize("case", ROSTER_CASES, ids=[c.provider for c in ROSTER_CASES])
def test_a_runs_issues_give_no_secret_back(
    hub: Hub, case: Case, caplog_debug: pytest.LogCaptureFixture
) -> None:
    with _connect(hub, case, "roster") as connected:
        doc = connected.sync()
        assert doc["status"] == "succeeded", doc["error"]
        assert doc["issues"], "the echoed record should have been skipped with an issue"
        assert REDACTED in json.dumps(doc["issues"])
        connected.assert_run_hides(doc, caplog_debug.text)
