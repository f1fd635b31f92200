"""The /rosterhub command and the Approve button, as support agents (and others) use them."""

from __future__ import annotations

from sqlmodel import select

from hub import integrations, runs
from hub.models import AuditEvent, Run
from tests.bots.conftest import (
    AGENT,
    ROSTERS,
    STRANGER,
    SUPPORT,
    TOKEN,
    District,
    Slack,
    people,
)
from tests.fakes import accounts


def _runs(slack: Slack) -> list[Run]:
    with slack.hub.session() as session:
        return list(session.exec(select(Run)))


def _held_run(slack: Slack, district: District) -> Run:
    """A run the safeguard held: the provider suddenly returns nobody."""
    first = runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    ).run
    assert first.status == "succeeded"
    integration = integrations.get_integration(slack.hub, district.integration)
    ROSTERS[integration.settings["roster"]] = []
    held = runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    ).run
    assert held.status == "held"
    return held


def _final_progress(slack: Slack, channel: str, word: str) -> str:
    """The progress message's text once an update contains ``word``."""

    def updated() -> str | None:
        for call in reversed(slack.fake.of("chat.update")):
            if call.params.get("channel") == channel and word in (call.params.get("text") or ""):
                return str(call.params["text"])
        return None

    updates = slack.fake.of("chat.update")
    last = updates[-1].params.get("text") if updates else None
    return slack.fake.wait_for(updated, what=f"a progress update saying {word} (so far: {last!r})")


def test_non_agent_resync_is_refused_and_nothing_runs(slack: Slack, district: District) -> None:
    response = slack.command(STRANGER, f"resync {district.integration}")
    assert response.status_code == 200
    assert "only rosterhub support agents" in response.text
    assert _runs(slack) == []
    assert slack.fake.of("chat.postMessage") == []


def test_non_agent_approve_and_status_are_refused(slack: Slack, district: District) -> None:
    held = _held_run(slack, district)
    assert "only rosterhub support agents" in slack.command(STRANGER, f"approve {held.id}").text
    assert "only rosterhub support agents" in slack.command(STRANGER, "status Lincoln High").text
    assert runs.get_run(slack.hub, held.id).status == "held"


def test_resync_posts_one_message_and_updates_it_to_the_result(
    slack: Slack, district: District
) -> None:
    response = slack.command(AGENT, f"resync {district.integration}")
    assert response.status_code == 200
    assert "Queuing 1 run" in response.text
    text = _final_progress(slack, "COPS", "succeeded")
    assert "created 10" in text
    assert "Lincoln High" in text
    posted = slack.fake.posted("COPS")
    assert len(posted) == 1, "progress must be one message, updated in place"
    ts = slack.fake.of("chat.update")[-1].params["ts"]
    assert all(c.params["ts"] == ts for c in slack.fake.of("chat.update"))
    (run,) = _runs(slack)
    assert run.trigger == "chat"
    assert run.actor == f"slack:{AGENT}"
    with slack.hub.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "chat.resync" in actions


def test_resync_by_school_runs_each_enabled_integration(slack: Slack, district: District) -> None:
    other_key = "lincoln-second"
    ROSTERS[other_key] = people(3, domain="second.example.org")
    second = integrations.create_integration(
        slack.hub,
        school_id=district.lincoln,
        provider="listed",
        settings={"roster": other_key},
        secrets={},
        actor="test",
    )
    disabled = integrations.create_integration(
        slack.hub,
        school_id=district.lincoln,
        provider="listed",
        settings={"roster": other_key},
        secrets={},
        actor="test",
    )
    integrations.update_integration(slack.hub, disabled.id, enabled=False, actor="test")
    slack.command(AGENT, "resync Lincoln High")

    def both_done() -> str | None:
        for call in reversed(slack.fake.of("chat.update")):
            text = call.params.get("text") or ""
            if text.count("succeeded") == 2:
                return text
        return None

    text = slack.fake.wait_for(both_done, what="both runs to succeed")
    assert district.integration in text and second.id in text
    assert disabled.id not in text
    assert {r.integration_id for r in _runs(slack)} == {district.integration, second.id}


def test_resync_of_unknown_target_says_so(slack: Slack, district: District) -> None:
    response = slack.command(AGENT, "resync Nowhere Academy")
    assert "neither an integration id nor a school" in response.text
    assert _runs(slack) == []


def test_resync_where_the_bot_cannot_post_falls_back_to_the_agents_dm(
    slack: Slack, district: District
) -> None:
    slack.fake.closed_channels.add("CPRIVATE")
    slack.command(AGENT, f"resync {district.integration}", channel="CPRIVATE")
    text = _final_progress(slack, f"D{AGENT}", "succeeded")
    assert "created 10" in text


def test_held_resync_is_reported_and_support_gets_an_approve_button(
    slack: Slack, district: District
) -> None:
    runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    )
    integration = integrations.get_integration(slack.hub, district.integration)
    ROSTERS[integration.settings["roster"]] = []
    slack.command(AGENT, f"resync {district.integration}")
    text = _final_progress(slack, "COPS", "held")
    assert "no users" in text
    assert "/rosterhub approve" in text
    notice = slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the support notice")
    assert "held" in notice["text"]
    (held,) = [r for r in _runs(slack) if r.status == "held"]
    buttons = [e for b in notice["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert [(b["action_id"], b["value"]) for b in buttons] == [("run.approve", held.id)]


def test_approve_button_applies_the_held_run_for_an_agent_only(
    slack: Slack, district: District
) -> None:
    runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    )
    integration = integrations.get_integration(slack.hub, district.integration)
    ROSTERS[integration.settings["roster"]] = []
    slack.command(AGENT, f"resync {district.integration}")
    slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the support notice")
    (held,) = [r for r in _runs(slack) if r.status == "held"]
    # a stranger's click changes nothing
    slack.press(STRANGER, SUPPORT, "Approve")
    refusal = slack.fake.wait_for(lambda: slack.fake.of("respond"), what="the refusal")
    assert "only rosterhub support agents" in refusal[0].params["text"]
    assert runs.get_run(slack.hub, held.id).status == "held"
    # an agent's click applies it and the message says so
    slack.press(AGENT, SUPPORT, "Approve")
    text = _final_progress(slack, SUPPORT, "Approved by")
    assert runs.get_run(slack.hub, held.id).status == "succeeded"
    assert "deactivated 10" in text
    with slack.hub.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "chat.approve" in actions


def test_approve_button_on_a_superseded_run_changes_nothing(
    slack: Slack, district: District
) -> None:
    runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    )
    integration = integrations.get_integration(slack.hub, district.integration)
    key = integration.settings["roster"]
    everyone = ROSTERS[key]
    ROSTERS[key] = []
    slack.command(AGENT, f"resync {district.integration}")
    slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the support notice")
    (held,) = [r for r in _runs(slack) if r.status == "held"]
    ROSTERS[key] = everyone  # the provider recovers before anyone looks
    later = runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    ).run
    assert later.status == "succeeded" and later.counts["unchanged"] == 10
    slack.press(AGENT, SUPPORT, "Approve")
    answer = slack.fake.wait_for(lambda: slack.fake.of("respond"), what="the refusal")
    text = answer[0].params["text"]
    assert text.startswith("Not approved:") and "superseded" in text and later.id in text
    assert runs.get_run(slack.hub, held.id).status == "superseded"
    active = [a for a in accounts(slack.hub, district.lincoln).values() if a["status"] == "active"]
    assert len(active) == 11  # ten synced people and the principal: nobody deactivated


def test_approve_command(slack: Slack, district: District) -> None:
    held = _held_run(slack, district)
    response = slack.command(AGENT, f"approve {held.id}")
    assert "Approving" in response.text
    answer = slack.fake.wait_for(lambda: slack.fake.of("respond"), what="the answer")
    assert "Approved by" in answer[0].params["text"]
    assert runs.get_run(slack.hub, held.id).status == "succeeded"
    # approving again is refused with the reason
    slack.command(AGENT, f"approve {held.id}")
    again = slack.fake.wait_for(lambda: slack.fake.of("respond")[1:], what="the second answer")
    assert "not held" in again[0].params["text"]


def test_status_shows_integrations_last_runs_and_held(slack: Slack, district: District) -> None:
    held = _held_run(slack, district)
    response = slack.command(AGENT, "status Lincoln High")
    assert response.status_code == 200
    answer = slack.fake.wait_for(lambda: slack.fake.of("respond"), what="the status")
    text = answer[0].params["text"]
    assert district.integration in text
    assert f"last run `{held.id}` *held*" in text
    assert f"/rosterhub approve {held.id}" in text


def test_no_message_carries_the_token(slack: Slack, district: District) -> None:
    slack.command(AGENT, f"resync {district.integration}")
    _final_progress(slack, "COPS", "succeeded")
    assert all(TOKEN not in text for text in slack.fake.texts())
