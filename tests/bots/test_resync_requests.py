"""A school admin's resync request (made in the web console) in the support channel: the
message and its Approve resync button, which only agents' clicks count."""

from __future__ import annotations

from sqlmodel import select

from hub import resync_requests
from hub.models import Run
from tests.bots.conftest import AGENT, STRANGER, SUPPORT, District, Slack


def _request(slack: Slack, district: District) -> str:
    row = resync_requests.request_resync(
        slack.hub,
        school_id=district.lincoln,
        actor="console:principal@lincoln.example.org",
        note="New students started today",
    )
    return row.id


def test_a_request_is_posted_to_support_with_an_approve_button(
    slack: Slack, district: District
) -> None:
    request_id = _request(slack, district)
    notice = slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the request")
    assert "Lincoln High" in notice["text"] and "principal@lincoln.example.org" in notice["text"]
    assert "New students started today" in notice["text"]
    buttons = [e for b in notice["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["text"]["text"], b["value"]) for b in buttons] == [("Approve resync", request_id)]


def test_only_an_agents_click_queues_the_schools_runs(slack: Slack, district: District) -> None:
    request_id = _request(slack, district)
    slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the request")
    slack.press(STRANGER, SUPPORT, "Approve resync")
    refusal = slack.fake.wait_for(lambda: slack.fake.of("respond"), what="the refusal")
    assert "only rosterhub support agents" in refusal[0].params["text"]
    assert resync_requests.get_request(slack.hub, request_id).status == "open"
    with slack.hub.session() as session:
        assert list(session.exec(select(Run))) == []

    slack.press(AGENT, SUPPORT, "Approve resync")
    done = slack.fake.wait_for(
        lambda: [c for c in slack.fake.of("respond") if "approved by" in c.params.get("text", "")],
        what="the approval",
    )
    row = resync_requests.get_request(slack.hub, request_id)
    assert row.status == "approved" and row.decided_by == f"slack:{AGENT}"
    with slack.hub.session() as session:
        (run,) = list(session.exec(select(Run)))
    assert run.integration_id == district.integration and run.trigger == "chat"
    assert run.id in done[0].params["text"]
