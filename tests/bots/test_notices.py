"""The support channel is told about held and failed runs from every trigger (INTERFACE:
``ROSTERHUB_SUPPORT_CHANNEL`` "where support is told about uploads, held runs and failures"),
through the ``rosterhub_run_finished`` hook, and only when Slack is configured."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey
from sqlalchemy import update
from sqlmodel import col

from hub import integrations, runs, tokens
from hub.api import create_app
from hub.context import Hub
from hub.errors import ProviderError
from hub.models import Integration
from hub.plugins import make_plugin_manager
from hub.queue import RunQueue
from hub.scheduler import tick
from tests.bots.conftest import ROSTERS, SUPPORT, TOKEN, District, _plugin
from tests.bots.fake_slack import FakeSlack


class Exploding:
    """A roster whose reading fails the way a provider outage does."""

    def __iter__(self) -> Iterator[Any]:
        msg = "the provider answered 503 Service Unavailable"
        raise ProviderError(msg)


def _roster_key(hub: Hub, district: District) -> str:
    return str(integrations.get_integration(hub, district.integration).settings["roster"])


def _support_notices(fake: FakeSlack) -> list[dict[str, Any]]:
    return fake.posted(SUPPORT)


def _approve_buttons(notice: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (e["action_id"], e["value"])
        for b in notice.get("blocks") or []
        if b["type"] == "actions"
        for e in b["elements"]
    ]


def test_a_scheduled_held_run_is_posted_with_an_approve_button(
    slack_hub: Hub, fake_slack: FakeSlack, district: District
) -> None:
    first = runs.submit(slack_hub, runs.RunRequest(district.integration), here=True).run
    assert first.status == "succeeded"
    assert _support_notices(fake_slack) == []  # a run that succeeded is not announced
    ROSTERS[_roster_key(slack_hub, district)] = []  # the provider suddenly returns nobody
    integrations.update_integration(
        slack_hub, district.integration, settings={"schedule": "03:00 UTC"}, actor="test"
    )
    with slack_hub.transaction() as session:
        session.execute(
            update(Integration)
            .where(col(Integration.id) == district.integration)
            .values(created_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
    queue = RunQueue(slack_hub, MemoryHuey("notices", results=False))
    (run_id,) = tick(slack_hub, queue, now=datetime(2026, 1, 2, 3, 0, 30, tzinfo=UTC)).queued
    assert runs.execute_run(slack_hub, run_id) == "held"
    (notice,) = _support_notices(fake_slack)
    assert f"`{run_id}`" in notice["text"] and "*held*" in notice["text"]
    assert "Lincoln High" in notice["text"] and "no users" in notice["text"]
    assert _approve_buttons(notice) == [("run.approve", run_id)]
    assert runs.get_run(slack_hub, run_id).trigger == "schedule"


def test_a_failed_api_run_is_posted(
    slack_hub: Hub, fake_slack: FakeSlack, district: District
) -> None:
    ROSTERS[_roster_key(slack_hub, district)] = Exploding()  # type: ignore[assignment]
    token = tokens.create_token(slack_hub, role="support", actor="test")[1]
    with TestClient(create_app(slack_hub, scheduler=False)) as http:
        answer = http.post(
            f"/api/v1/integrations/{district.integration}/sync",
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.status_code == 202
        run_id = answer.json()["id"]
        notice = fake_slack.wait_posted(
            lambda p: p.get("channel") == SUPPORT, "the support notice about the failure"
        )
    assert runs.get_run(slack_hub, run_id).status == "failed"
    assert f"`{run_id}`" in notice["text"] and "*failed*" in notice["text"]
    assert "triggered by api" in notice["text"] and "503 Service Unavailable" in notice["text"]
    assert _approve_buttons(notice) == []  # a failure has nothing to approve
    assert all(TOKEN not in text for text in fake_slack.texts())


def test_a_held_cli_run_is_posted_once(
    slack_hub: Hub, fake_slack: FakeSlack, district: District
) -> None:
    runs.submit(slack_hub, runs.RunRequest(district.integration), here=True)
    ROSTERS[_roster_key(slack_hub, district)] = []
    held = runs.submit(slack_hub, runs.RunRequest(district.integration), here=True).run
    assert held.status == "held"
    (notice,) = _support_notices(fake_slack)
    assert _approve_buttons(notice) == [("run.approve", held.id)]


@pytest.mark.parametrize("missing", ["slack", "support_channel"])
def test_nothing_is_posted_without_slack_or_a_support_channel(
    hub: Hub, fake_slack: FakeSlack, district: District, slack_hub: Hub, missing: str
) -> None:
    """The same held and failed runs on a hub without Slack (or without a support channel)
    post nothing, although the notifier is installed and Slack's API is reachable."""
    unset: dict[str, Any] = (
        {"slack_bot_token": None, "slack_signing_secret": None}
        if missing == "slack"
        else {"support_channel": None}
    )
    settings = slack_hub.settings.model_copy(update=unset)
    quiet = Hub(settings=settings, engine=hub.engine, pm=make_plugin_manager(extra=[_plugin]))
    assert quiet.pm.hook.rosterhub_run_finished.get_hookimpls()  # the notifier is there
    runs.submit(quiet, runs.RunRequest(district.integration), here=True)
    ROSTERS[_roster_key(quiet, district)] = []
    assert runs.submit(quiet, runs.RunRequest(district.integration), here=True).run.status == "held"
    ROSTERS[_roster_key(quiet, district)] = Exploding()  # type: ignore[assignment]
    failed = runs.submit(quiet, runs.RunRequest(district.integration, force=True), here=True).run
    assert failed.status == "failed"
    assert fake_slack.of("chat.postMessage") == []
