"""``/rosterhub why`` and ``/rosterhub undo``: agents only, answered in the conversation."""

from __future__ import annotations

from sqlmodel import select

from hub import accounts, runs
from hub.models import AuditEvent, Run
from tests.bots.conftest import AGENT, STRANGER, District, Slack


def _synced(slack: Slack, district: District) -> Run:
    run = runs.submit(
        slack.hub, runs.RunRequest(integration_id=district.integration, actor="test"), here=True
    ).run
    assert run.status == "succeeded"
    return run


def _answers(slack: Slack, count: int) -> list[str]:
    found = slack.fake.wait_for(
        lambda: slack.fake.of("respond")[count - 1 :] or None, what=f"answer {count}"
    )
    return [str(call.params["text"]) for call in found]


def test_why_and_undo_are_refused_to_non_agents(slack: Slack, district: District) -> None:
    run = _synced(slack, district)
    assert "only rosterhub support agents" in slack.command(STRANGER, "why a@b.example").text
    assert "only rosterhub support agents" in slack.command(STRANGER, f"undo {run.id}").text
    with slack.hub.session() as session:
        assert [r.id for r in session.exec(select(Run))] == [run.id]


def test_why_explains_a_person_and_someone_never_synced(slack: Slack, district: District) -> None:
    run = _synced(slack, district)
    email = next(
        a["email"]
        for a in accounts.list_accounts(slack.hub, school_id=district.lincoln)
        if a["source"] != "manual"
    )
    slack.command(AGENT, f"why {email}")
    (text,) = _answers(slack, 1)
    assert email in text and "Lincoln High" in text and run.id in text
    slack.command(AGENT, "why nobody@nowhere.example Lincoln High")
    text = _answers(slack, 2)[0]
    assert "never synced" in text


def test_undo_runs_and_posts_its_progress_and_refuses_conflicts(
    slack: Slack, district: District
) -> None:
    run = _synced(slack, district)
    response = slack.command(AGENT, f"undo {run.id} --force")
    assert "Undoing" in response.text

    def undone() -> str | None:
        for call in reversed(slack.fake.of("chat.update")):
            text = call.params.get("text") or ""
            if "succeeded" in text:
                return text
        return None

    text = slack.fake.wait_for(undone, what="the undo to succeed")
    assert "deactivated 10" in text and "Undo requested by" in text
    with slack.hub.session() as session:
        done = session.exec(select(Run).where(Run.trigger == "undo")).one()
        assert done.undoes == run.id and done.actor == f"slack:{AGENT}"
        assert "chat.undo" in [e.action for e in session.exec(select(AuditEvent))]
    slack.command(AGENT, f"undo {run.id}")
    refused = _answers(slack, 2)[-1]
    assert refused.startswith("Not undone:") and done.id in refused
