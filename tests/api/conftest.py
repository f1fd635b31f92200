"""A small district behind the API: two schools, a fake-provider integration each, and one
token per role (a school admin for each school)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hub import tokens
from hub.api import create_app
from hub.context import Hub
from hub.integrations import create_integration
from hub.queue import set_queue
from hub.schools import create_school
from tests.service.helpers import with_fake_provider


@dataclass
class District:
    hub: Hub
    client: TestClient
    school_a: str
    school_b: str
    integration_a: str
    integration_b: str
    district_it: str
    support: str
    admin_a: str
    admin_b: str

    def as_(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}


def build_district(hub: Hub, client: TestClient) -> District:
    a = create_school(hub, name="Ada Lovelace Elementary", actor="test")
    b = create_school(hub, name="Brook Middle", timezone="America/Chicago", actor="test")
    ia = create_integration(
        hub,
        school_id=a.id,
        provider="fake",
        settings={"people": "5", "domain": "ada.example.org"},
        secrets={"token": "sekrit-a-0000"},
        actor="test",
    )
    ib = create_integration(
        hub,
        school_id=b.id,
        provider="fake",
        settings={"people": "3", "domain": "brook.example.org"},
        secrets={"token": "sekrit-b-0000"},
        actor="test",
    )
    made = {
        name: tokens.create_token(hub, role=role, school_id=school, actor="test")[1]
        for name, role, school in [
            ("district_it", "district_it", None),
            ("support", "support", None),
            ("admin_a", "school_admin", a.id),
            ("admin_b", "school_admin", b.id),
        ]
    }
    return District(
        hub=hub,
        client=client,
        school_a=a.id,
        school_b=b.id,
        integration_a=ia.id,
        integration_b=ib.id,
        **made,
    )


@pytest.fixture
def api_hub(hub: Hub) -> Iterator[Hub]:
    the_hub = with_fake_provider(hub)
    yield the_hub
    set_queue(the_hub, None)


@pytest.fixture
def district(api_hub: Hub) -> Iterator[District]:
    """No lifespan: nothing executes queued runs unless a test does it."""
    client = TestClient(create_app(api_hub, worker=False, scheduler=False))
    yield build_district(api_hub, client)
    client.close()
