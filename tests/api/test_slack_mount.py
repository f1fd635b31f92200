"""The Slack routes are mounted by the service's app only when Slack is configured."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from hub.api import create_app
from hub.context import Hub
from hub.server import build_app
from tests.conftest import make_settings


def _hub(sqlite_url: str, **slack: str) -> Hub:
    from hub.context import open_hub

    return open_hub(make_settings(sqlite_url, **slack))


def test_slack_routes_are_off_without_slack_settings(sqlite_url: str) -> None:
    hub = _hub(sqlite_url)
    with TestClient(build_app(hub, worker=False, scheduler=False)) as client:
        assert client.post("/slack/events", content=b"{}").status_code == 404


def test_slack_routes_are_mounted_when_configured(sqlite_url: str) -> None:
    hub = _hub(
        sqlite_url,
        slack_bot_token="xoxb-test-0000",
        slack_signing_secret="signing-secret-0000",
        slack_api_url="http://127.0.0.1:9/api/",
    )
    with TestClient(build_app(hub, worker=False, scheduler=False)) as client:
        unsigned = client.post("/slack/events", content=b"{}")
        assert unsigned.status_code == 401  # reached the Slack app, which wants a signature
        assert client.get("/healthz").status_code == 200


def test_a_broken_slack_app_does_not_take_the_api_down(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bots.slack

    def broken(_hub: Hub) -> None:
        msg = "cannot build"
        raise RuntimeError(msg)

    monkeypatch.setattr(bots.slack, "create_slack_router", broken)
    hub = _hub(sqlite_url, slack_bot_token="xoxb-1", slack_signing_secret="s")
    with TestClient(build_app(hub, worker=False, scheduler=False)) as client:
        assert client.get("/healthz").status_code == 200
        assert client.post("/slack/events", content=b"{}").status_code == 404


def test_the_api_factory_mounts_only_the_surfaces_its_caller_gives(sqlite_url: str) -> None:
    """The API knows no other surface: Slack's routes come from the serve entry point."""
    hub = _hub(
        sqlite_url,
        slack_bot_token="xoxb-test-0000",
        slack_signing_secret="signing-secret-0000",
        slack_api_url="http://127.0.0.1:9/api/",
    )
    with TestClient(create_app(hub, worker=False, scheduler=False)) as client:
        assert client.post("/slack/events", content=b"{}").status_code == 404
        assert client.get("/healthz").status_code == 200
