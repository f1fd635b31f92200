"""A request already handled is acknowledged and not handled again: a replayed slash command,
Slack's own retry of an event, in this process, after a restart, or in a second process
sharing the database. And no payload, however malformed, crashes a listener."""

from __future__ import annotations

import copy
import json
import logging
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from slack_bolt import BoltResponse
from sqlmodel import select

from bots import replays
from bots.slack import create_slack_router
from bots.slack_requests import Identity, identity
from hub.context import Hub
from hub.models import AuditEvent, Run, SeenRequest, utcnow
from tests.bots.conftest import (
    ADMIN,
    ADMIN_DM,
    AGENT,
    SUPPORT,
    District,
    Slack,
    resync_form,
    signed_headers,
)


def _runs(hub: Hub) -> list[Run]:
    with hub.session() as session:
        return list(session.exec(select(Run)))


def _resync(slack: Slack, integration: str, trigger: str = "13345224609.738474920.8088") -> str:
    return resync_form(integration, trigger=trigger, response_url=f"{slack.fake.base_url}/r/1")


def _wait_until_runs_end(slack: Slack, count: int = 1) -> None:
    """Until ``count`` runs exist and all have ended (a run is queued after Slack's ack)."""

    def ended() -> bool:
        found = _runs(slack.hub)
        return len(found) >= count and all(r.status == "succeeded" for r in found)

    slack.fake.wait_for(ended, what="the runs to finish")


def test_a_replayed_resync_runs_once(slack: Slack, district: District) -> None:
    body = _resync(slack, district.integration)
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    first = slack.http.post("/slack/events", content=body, headers=headers)
    assert first.status_code == 200 and "Queuing 1 run" in first.text
    for _ in range(3):
        # each copy arrives after the run before it ended, so "the run already queued" would
        # not catch it: only recognising the request does
        _wait_until_runs_end(slack)
        again = slack.http.post("/slack/events", content=body, headers=headers)
        assert again.status_code == 200 and again.text == ""
    _wait_until_runs_end(slack)
    assert len(_runs(slack.hub)) == 1
    with slack.hub.session() as session:
        resyncs = session.exec(select(AuditEvent).where(AuditEvent.action == "chat.resync")).all()
    assert len(resyncs) == 1


def test_a_new_invocation_of_the_same_command_still_runs(slack: Slack, district: District) -> None:
    for n, trigger in enumerate(("trigger.1", "trigger.2"), start=1):
        body = _resync(slack, district.integration, trigger=trigger)
        headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
        response = slack.http.post("/slack/events", content=body, headers=headers)
        assert response.status_code == 200 and "Queuing" in response.text
        _wait_until_runs_end(slack, count=n)
    assert len(_runs(slack.hub)) == 2


def test_a_second_process_sharing_the_database_recognises_the_replay(
    slack: Slack, district: District
) -> None:
    """Another ``serve`` (or this one after a restart): a router of its own, the same database."""
    body = _resync(slack, district.integration)
    headers = signed_headers(body, content_type="application/x-www-form-urlencoded")
    assert "Queuing" in slack.http.post("/slack/events", content=body, headers=headers).text
    _wait_until_runs_end(slack)
    other = FastAPI()
    other.include_router(create_slack_router(slack.hub))
    with TestClient(other) as second:
        replayed = second.post("/slack/events", content=body, headers=headers)
    assert replayed.status_code == 200 and replayed.text == ""
    assert len(_runs(slack.hub)) == 1


def _dm_event(event_id: str) -> dict[str, Any]:
    return {
        "type": "event_callback",
        "team_id": "T1",
        "api_app_id": "A1",
        "event_id": event_id,
        "event_time": int(time.time()),
        "event": {
            "type": "message",
            "channel": ADMIN_DM,
            "channel_type": "im",
            "user": ADMIN,
            "text": "hello",
            "ts": "1700000000.000100",
        },
    }


def test_slacks_retry_of_an_event_is_answered_once(slack: Slack, district: District) -> None:
    first = slack.post_json(_dm_event("Ev0RETRY"))
    assert first.status_code == 200
    slack.fake.wait_for(lambda: slack.fake.posted(ADMIN_DM), what="the answer")
    # Slack re-sends the same event (same event_id, a fresh signature) when it believes the
    # first delivery failed, whatever the reason
    body = json.dumps(_dm_event("Ev0RETRY"))
    headers = signed_headers(body, content_type="application/json")
    headers |= {"x-slack-retry-num": "1", "x-slack-retry-reason": "http_error"}
    retry = slack.http.post("/slack/events", content=body, headers=headers)
    assert retry.status_code == 200
    time.sleep(0.3)
    assert len(slack.fake.posted(ADMIN_DM)) == 1


def test_a_delivery_that_failed_gives_its_claim_back(
    slack_hub: Hub, district: District, monkeypatch: pytest.MonkeyPatch
) -> None:
    router = create_slack_router(slack_hub)
    app = FastAPI()
    app.include_router(router)
    bolt_app = router.bolt_app  # type: ignore[attr-defined]
    real_dispatch = bolt_app.dispatch
    failures = [BoltResponse(status=500, body="")]

    def dispatch(request: Any) -> BoltResponse:
        return failures.pop() if failures else real_dispatch(request)

    monkeypatch.setattr(bolt_app, "dispatch", dispatch)
    body = urlencode({"command": "/rosterhub", "text": "help", "trigger_id": "t.fail"})
    with TestClient(app) as http:
        sent = signed_headers(body, content_type="application/x-www-form-urlencoded")
        assert http.post("/slack/events", content=body, headers=sent).status_code == 500
        sent = signed_headers(body, content_type="application/x-www-form-urlencoded")
        again = http.post("/slack/events", content=body, headers=sent)
    assert again.status_code == 200 and "/rosterhub resync" in again.text


def test_claims_expire(hub: Hub) -> None:
    seen = Identity("trigger", "a" * 64)
    now = utcnow()
    assert replays.claim(hub, seen, now=now) is True
    assert replays.claim(hub, seen, now=now + timedelta(minutes=10)) is False
    later = now + replays.KEEP + timedelta(seconds=1)
    assert replays.claim(hub, seen, now=later) is True  # kept no longer: a fresh request
    assert replays.claim(hub, seen, now=later) is False
    replays.release(hub, seen)
    assert replays.claim(hub, seen, now=later) is True
    with hub.session() as session:
        assert len(session.exec(select(SeenRequest)).all()) == 1


def test_identities() -> None:
    event = identity({"type": "event_callback", "event_id": "Ev1"}, signature="s")
    retry = identity({"type": "event_callback", "event_id": "Ev1", "x": 1}, signature="t")
    assert event == retry and event is not None and event.kind == "event"
    command = identity({"command": "/rosterhub", "trigger_id": "T.1"}, signature="s")
    assert command is not None and command.kind == "trigger" and command != event
    click = identity(
        {"type": "block_actions", "user": {"id": "U1"}, "actions": [{"action_ts": "1.2"}]},
        signature="s",
    )
    assert click is not None and click.kind == "action"
    assert identity({"command": "/rosterhub"}, signature="s") == identity({}, signature="s")
    assert identity({"type": "url_verification", "challenge": "x"}, signature="s") is None


# -- malformed payloads: every field of a real payload replaced by the wrong kind of value --

WRONG: list[Any] = [None, 7, "x", [], {}, [1], True]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        children: Any = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        children = ()
    for key, value in children:
        found += _paths(value, (*prefix, key))
    return found


def _replaced(doc: Any, path: tuple[Any, ...], value: Any) -> Any:
    doc = copy.deepcopy(doc)
    node = doc
    for key in path[:-1]:
        node = node[key]
    if value is _DROP:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return doc


_DROP = object()


def _payloads(slack: Slack) -> list[tuple[dict[str, Any], bool]]:
    message = {
        "type": "message",
        "ts": "1700000000.000400",
        "text": "Held",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Held"}}],
    }
    click = {
        "type": "block_actions",
        "team": {"id": "T1", "domain": "test"},
        "user": {"id": AGENT, "team_id": "T1"},
        "api_app_id": "A1",
        "container": {"type": "message", "message_ts": message["ts"], "channel_id": SUPPORT},
        "trigger_id": "tr",
        "channel": {"id": SUPPORT, "name": "support"},
        "message": message,
        "response_url": f"{slack.fake.base_url}/respond/1",
        "actions": [
            {
                "type": "button",
                "action_id": "run.approve",
                "block_id": "b1",
                "value": "run_unknown",
                "action_ts": "1700000000.1",
            }
        ],
    }
    choice = _replaced(click, ("actions", 0, "action_id"), "conv.cancel.0")
    choice["channel"] = {"id": ADMIN_DM}
    choice["user"] = {"id": ADMIN}
    dm = _dm_event("Ev")
    dm["event"] |= {"files": [{"id": "F1", "name": "a.xlsx"}], "thread_ts": "1700000000.000050"}
    shared = {
        "type": "event_callback",
        "team_id": "T1",
        "event_id": "Ev",
        "event": {
            "type": "file_shared",
            "channel_id": ADMIN_DM,
            "file_id": "F1",
            "user_id": ADMIN,
            "file": {"id": "F1"},
            "event_ts": "1700000000.000300",
        },
    }
    command = {
        "command": "/rosterhub",
        "text": "status Lincoln High",
        "user_id": AGENT,
        "channel_id": "COPS",
        "response_url": f"{slack.fake.base_url}/respond/2",
        "trigger_id": "tr",
    }
    return [(click, True), (choice, True), (dm, False), (shared, False), (command, False)]


@pytest.mark.timeout(300)
def test_no_malformed_payload_crashes_anything(
    slack_hub: Hub, district: District, caplog: pytest.LogCaptureFixture, fake_slack: Any
) -> None:
    router = create_slack_router(slack_hub)
    app = FastAPI()
    app.include_router(router)
    slack = Slack(slack_hub, TestClient(app), fake_slack)
    statuses: dict[int, int] = {}
    n = 0
    with slack.http:
        for base, as_payload_field in _payloads(slack):
            for path in _paths(base):
                for value in [*WRONG, _DROP]:
                    n += 1
                    doc = _replaced(base, path, value)
                    for key in ("event_id", "trigger_id"):  # each a new request
                        if isinstance(doc.get(key), str):
                            doc[key] = f"{doc[key]}{n}"
                    if as_payload_field:
                        response = slack.post_form({"payload": json.dumps(doc)})
                    elif "command" in base:
                        form = {
                            k: v if isinstance(v, str) else json.dumps(v) for k, v in doc.items()
                        }
                        response = slack.post_form(form)
                    else:
                        response = slack.post_json(doc)
                    statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                    assert response.status_code < 500, (path, value)
        router.bolt_app.listener_runner.listener_executor.shutdown(wait=True)  # type: ignore[attr-defined]
    crashes = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert crashes == []
    assert statuses.get(400, 0) > 100 and statuses.get(200, 0) > 100
