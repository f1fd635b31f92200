"""The run queue is unreachable (Redis down): a request is refused with the reason and leaves
no run that no queue holds; a scheduled run waits and goes out once the queue is back."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from huey import MemoryHuey
from sqlalchemy import update
from sqlmodel import col, select

from hub import tokens
from hub.api import create_app
from hub.context import Hub
from hub.errors import Unavailable
from hub.integrations import create_integration
from hub.models import Integration, Run
from hub.queue import RunQueue, set_queue
from hub.runs import RunRequest, submit
from hub.scheduler import tick
from hub.schools import create_school
from tests.service.helpers import with_fake_provider


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def down(hub: Hub) -> Iterator[Hub]:
    """The hub with ROSTERHUB_BROKER_URL pointing at a closed loopback port."""
    broker = f"redis://:hunter2-broker-password@127.0.0.1:{closed_port()}/0"
    settings = hub.settings.model_copy(update={"broker_url": broker})
    the_hub = with_fake_provider(Hub(settings=settings, engine=hub.engine, pm=hub.pm))
    yield the_hub
    set_queue(the_hub, None)


def _integration(hub: Hub, *, schedule: str = "off") -> str:
    school = create_school(hub, name="Elm", actor="test")
    made = create_integration(
        hub,
        school_id=school.id,
        provider="fake",
        settings={"people": "3", "domain": "elm.example.org", "schedule": schedule},
        secrets={},
        actor="test",
    )
    return made.id


def _runs(hub: Hub, integration_id: str) -> list[Run]:
    with hub.session() as session:
        return list(session.exec(select(Run).where(Run.integration_id == integration_id)))


def test_api_sync_answers_503_and_leaves_no_queued_run(down: Hub) -> None:
    iid = _integration(down)
    token = tokens.create_token(down, role="district_it", actor="test")[1]
    headers = {"Authorization": f"Bearer {token}"}
    client = TestClient(create_app(down, worker=False, scheduler=False))
    for _attempt in range(2):  # asking again is refused the same way, not given an orphan
        response = client.post(f"/api/v1/integrations/{iid}/sync", headers=headers)
        assert response.status_code == 503, response.text
        detail = response.json()["detail"]
        assert "ROSTERHUB_BROKER_URL" in detail and "cannot be reached" in detail
        assert "try again" in detail and "hunter2" not in detail
    found = _runs(down, iid)
    assert len(found) == 2
    assert {r.status for r in found} == {"failed"}
    assert all(r.active_slot is None and "nothing ran" in (r.error or "") for r in found)
    last = client.get(f"/api/v1/integrations/{iid}", headers=headers).json()["last_run"]
    assert last["status"] == "failed"
    client.close()


def test_submit_frees_the_slot_when_the_queue_refuses(down: Hub) -> None:
    iid = _integration(down)
    with pytest.raises(Unavailable, match="ROSTERHUB_BROKER_URL"):
        submit(down, RunRequest(integration_id=iid, trigger="chat", actor="slack:U1"))
    (run,) = _runs(down, iid)
    assert run.status == "failed" and run.active_slot is None


class FlakyQueue(RunQueue):
    """A queue that refuses messages while ``up`` is False."""

    def __init__(self, hub: Hub) -> None:
        super().__init__(hub, MemoryHuey("outage-test", results=False))
        self.up = False
        self.sent: list[str] = []

    def enqueue(self, run_id: str) -> None:
        if not self.up:
            msg = "Error 111 connecting to 127.0.0.1. Connection refused."
            raise ConnectionError(msg)
        self.sent.append(run_id)
        super().enqueue(run_id)


def test_a_scheduled_run_is_sent_once_the_queue_is_back(hub: Hub) -> None:
    shub = with_fake_provider(hub)
    iid = _integration(shub, schedule="03:00 UTC")
    with shub.transaction() as session:
        session.execute(
            update(Integration)
            .where(col(Integration.id) == iid)
            .values(created_at=datetime(2026, 1, 1, tzinfo=UTC))
        )
    queue = FlakyQueue(shub)
    unsent: set[str] = set()
    first = tick(shub, queue, now=datetime(2026, 1, 2, 3, 0, 30, tzinfo=UTC), unsent=unsent)
    (run,) = _runs(shub, iid)
    assert run.status == "queued" and first.queued == [] and unsent == {run.id}
    queue.up = True
    second = tick(shub, queue, now=datetime(2026, 1, 2, 3, 1, tzinfo=UTC), unsent=unsent)
    assert queue.sent == [run.id] and second.requeued == [run.id] and unsent == set()
    assert len(_runs(shub, iid)) == 1  # the occurrence was not requested twice
