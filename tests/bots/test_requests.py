"""Request verification: only requests signed with the signing secret, and recent, reach a
listener; everything else is 401 and nothing runs."""

from __future__ import annotations

import time
from urllib.parse import urlencode

from hub.context import Hub
from hub.models import Run
from tests.bots.conftest import AGENT, District, Slack, signed_headers


def _resync_form(integration: str) -> str:
    return urlencode(
        {
            "command": "/rosterhub",
            "text": f"resync {integration}",
            "user_id": AGENT,
            "channel_id": "COPS",
            "team_id": "T1",
            "response_url": "http://127.0.0.1:9/respond",
            "trigger_id": "t",
        }
    )


def _runs(slack: Slack) -> list[Run]:
    from sqlmodel import select

    with slack.hub.session() as session:
        return list(session.exec(select(Run)))


def test_bad_signature_is_refused_and_nothing_runs(slack: Slack, district: District) -> None:
    body = _resync_form(district.integration)
    headers = signed_headers(
        body, content_type="application/x-www-form-urlencoded", secret="not-the-secret"
    )
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert _runs(slack) == []
    assert slack.fake.calls == []


def test_unsigned_request_is_refused(slack: Slack, district: District) -> None:
    body = _resync_form(district.integration)
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
    body = _resync_form(district.integration)
    old = int(time.time()) - 6 * 60  # a replay from six minutes ago
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded", timestamp=old)
    response = slack.http.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert _runs(slack) == []
    assert slack.fake.calls == []


def test_tampered_body_is_refused(slack: Slack, district: District) -> None:
    body = _resync_form(district.integration)
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

    from hub.api import create_app

    with TestClient(create_app(hub, worker=False, scheduler=False)) as http:
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
