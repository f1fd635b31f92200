"""Request verification: only requests signed with the signing secret, and recent, reach a
listener; everything else is 401 and nothing runs."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from urllib.parse import urlencode

import pytest

from hub.context import Hub
from hub.models import Run
from tests.bots.conftest import (
    AGENT,
    SIGNING_SECRET,
    District,
    Slack,
    resync_form,
    signed_headers,
)


def _runs(slack: Slack) -> list[Run]:
    from sqlmodel import select

    with slack.hub.session() as session:
        return list(session.exec(select(Run)))


def test_bad_signature_is_refused_and_nothing_runs(slack: Slack, district: District) -> None:
    body = resync_form(district.integration)
    headers = signed_headers(
        body, content_type="application/x-www-form-urlencoded", secret="not-the-secret"
    )
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert _runs(slack) == []
    assert slack.fake.calls == []


def test_unsigned_request_is_refused(slack: Slack, district: District) -> None:
    body = resync_form(district.integration)
    response = slack.http.post(
        "/slack/events",
        content=body,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 401
    assert _runs(slack) == []


def test_old_timestamp_is_refused_even_with_a_valid_signature(
    slack: Slack, district: District
) -> None:
    body = resync_form(district.integration)
    old = int(time.time()) - 6 * 60  # a replay from six minutes ago
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded", timestamp=old)
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert _runs(slack) == []
    assert slack.fake.calls == []


def test_tampered_body_is_refused(slack: Slack, district: District) -> None:
    body = resync_form(district.integration)
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    response = slack.http.post(
        "/slack/events", content=body.replace("resync", "status"), headers=headers
    )
    assert response.status_code == 401


def test_signed_help_is_answered_in_the_ack(slack: Slack) -> None:
    response = slack.command("UANYONE", "help")
    assert response.status_code == 200
    assert "/rosterhub resync" in response.text


def test_url_verification_challenge(slack: Slack) -> None:
    response = slack.post_json({"type": "url_verification", "challenge": "abc123", "token": "x"})
    assert response.status_code == 200
    assert response.json()["challenge"] == "abc123"


def test_router_is_mounted_only_when_slack_is_configured(hub: Hub) -> None:
    from fastapi.testclient import TestClient

    from hub.server import build_app

    with TestClient(build_app(hub, worker=False, scheduler=False)) as http:
        assert http.post("/slack/events", content="{}").status_code == 404


def test_a_retry_after_a_timeout_is_only_acknowledged(slack: Slack, district: District) -> None:
    import json

    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "event_id": "Ev1",
            "event": {
                "type": "message",
                "channel": "DUADMIN",
                "channel_type": "im",
                "user": "UADMIN",
                "text": "hello",
                "ts": "1700000000.000100",
            },
        }
    )
    headers = signed_headers(body, content_type="application/json")
    headers |= {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_timeout"}
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200
    slack.say("UADMIN", "DUADMIN", "hello")  # the first delivery is answered
    slack.fake.wait_for(lambda: slack.fake.posted("DUADMIN"), what="the answer")
    time.sleep(0.2)
    assert len(slack.fake.posted("DUADMIN")) == 1


# -- malformed requests are refused with the right status, and logged briefly ---------------


def test_a_malformed_timestamp_is_401_not_a_crash(
    slack: Slack, district: District, caplog: pytest.LogCaptureFixture
) -> None:
    body = resync_form(district.integration)
    for timestamp in (b"abc", b"", b"12e3", "١٢٣".encode(), b"9" * 40):
        response = slack.http.post(
            "/slack/events",
            content=body,
            headers={
                b"content-type": b"application/x-www-form-urlencoded",
                b"x-slack-request-timestamp": timestamp,
                b"x-slack-signature": b"v0=" + b"0" * 64,
            },
        )
        assert response.status_code == 401, timestamp
    assert _runs(slack) == []
    assert "Traceback" not in caplog.text


def test_a_badly_signed_request_is_logged_as_a_bounded_summary(
    slack: Slack, district: District, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = "private-words-" + "x" * 5000
    body = urlencode({"command": "/rosterhub", "text": marker, "user_id": AGENT})
    headers = signed_headers(
        body, content_type="application/x-www-form-urlencoded", secret="not-the-secret"
    )
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert "private-words" not in caplog.text
    refused = [
        r.getMessage() for r in caplog.records if "refused a Slack request" in r.getMessage()
    ]
    assert len(refused) == 1 and len(refused[0]) < 300
    assert f"{len(body)}-byte" in refused[0]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        (b"payload=%5B1%5D", "application/x-www-form-urlencoded"),
        (b"\xff\xfe not utf-8", "application/x-www-form-urlencoded"),
        (b'{"type": "event_callback", "event": "hello"}', "application/json"),
        (b'{"type": "event_callback", "event": null}', "application/json"),
        (b'{"type": "block_actions", "user": {"id": "U1"}}', "application/json"),
        (b'{"type": "block_actions", "actions": [{"value": "x"}]}', "application/json"),
        (b'{"type": ["event_callback"]}', "application/json"),
    ],
)
def test_a_signed_body_that_is_not_a_slack_payload_is_400(
    slack: Slack, district: District, body: bytes, content_type: str
) -> None:
    ts = int(time.time())
    base = f"v0:{ts}:".encode() + body
    sig = "v0=" + hmac.new(SIGNING_SECRET.encode(), base, hashlib.sha256).hexdigest()
    response = slack.http.post(
        "/slack/events",
        content=body,
        headers={
            "content-type": content_type,
            "x-slack-request-timestamp": str(ts),
            "x-slack-signature": sig,
        },
    )
    assert response.status_code == 400, response.text
    assert _runs(slack) == []
    assert slack.fake.calls == []


def test_an_over_large_body_is_413_and_never_read(slack: Slack, district: District) -> None:
    body = "payload=" + "x" * (2 * 1024 * 1024)
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 413
    assert _runs(slack) == []
