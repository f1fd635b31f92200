"""Slack `/rosterhub resync SCHOOL` and `status SCHOOL` for schools fed by a district
integration: one run for the district, and the school's own part of it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from hub.models import Run
from hub.testing import serve
from plugins.clever.sandbox import CleverSandbox
from tests.bots.conftest import AGENT, Slack
from tests.districts.helpers import connect, emails, make_district


@pytest.fixture
def fed(slack: Slack) -> Iterator[tuple[str, str, str]]:
    sandbox = CleverSandbox(seed=4, users=80)
    with serve(sandbox) as url:
        _, (north, south) = make_district(slack.hub, "North Elementary", "South Middle")
        from hub import schools

        district = schools.get_school(slack.hub, north).district_id or ""
        ids = [s["id"] for s in sandbox.schools]
        integration = connect(
            slack.hub,
            district,
            "clever",
            {"base_url": url},
            {"token": sandbox.token},
            {north: {"schools": ids[0]}, south: {"schools": ids[1]}},
        )
        yield integration, north, south


def _runs(slack: Slack) -> list[Run]:
    with slack.hub.session() as session:
        return list(session.exec(select(Run)))


def test_resync_school_runs_its_district_integration_once(
    slack: Slack, fed: tuple[str, str, str]
) -> None:
    integration, north, south = fed
    slack.command(AGENT, "resync North Elementary")

    def done() -> str | None:
        for call in reversed(slack.fake.of("chat.update")):
            text = call.params.get("text") or ""
            if "succeeded" in text:
                return text
        return None

    text = slack.fake.wait_for(done, what="the district run to succeed")
    assert integration in text
    made = _runs(slack)
    assert [r.integration_id for r in made] == [integration]  # one run, not one per school
    assert made[0].school_counts is not None and set(made[0].school_counts) == {north, south}

    slack.command(AGENT, "status South Middle")
    answer = slack.fake.wait_for(lambda: slack.fake.of("respond"), what="the status")
    status = answer[-1].params["text"]
    assert integration in status
    created_here = len(emails(slack.hub, south))
    assert f"at this school created {created_here}" in status
