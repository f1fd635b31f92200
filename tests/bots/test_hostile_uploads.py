"""Hostile spreadsheets sent to the bot in a direct message: each gets a reply naming what is
wrong with it, the app keeps answering, and nothing is written."""

from __future__ import annotations

import resource

import pytest
from sqlmodel import func, select

from hub.models import Account, Membership, Upload
from tests.bots.conftest import ADMIN, ADMIN_DM, District, Slack
from tests.bots.fake_slack import FakeFile
from tests.plugins.csv.hostile import HOSTILE, hostile_files


def _count(slack: Slack, table: type) -> int:
    with slack.hub.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / (1024 * 1024)


@pytest.mark.timeout(300)
def test_every_hostile_file_gets_a_reply_naming_the_problem(
    slack: Slack, district: District
) -> None:
    before = (_count(slack, Account), _count(slack, Membership))
    files = hostile_files()
    rss = _rss_mb()
    for number, (name, content, phrase) in enumerate(files):
        kind = name.rsplit(".", 1)[-1]
        file = FakeFile(f"FHOSTILE{number}", name, content, ADMIN, ADMIN_DM, kind)
        slack.share(ADMIN, ADMIN_DM, file)
        answer = slack.fake.wait_posted(
            lambda p, name=name: f"I couldn't accept `{name}`" in (p.get("text") or ""),
            f"the refusal of {name}",
        )
        assert phrase in answer["text"], (name, answer["text"])
        assert f"• {name}: " in answer["text"]  # where: the file itself, no row or column

    slack.say(ADMIN, ADMIN_DM, "help")  # the app still answers
    slack.fake.wait_posted(
        lambda p: "I take account spreadsheets" in (p.get("text") or ""), "the help text"
    )
    assert slack.http.get("/healthz").status_code == 200
    assert (_count(slack, Account), _count(slack, Membership)) == before
    with slack.hub.session() as session:
        statuses = [u.status for u in session.exec(select(Upload)).all()]
    assert statuses == ["rejected"] * len(HOSTILE)
    assert _rss_mb() - rss < 64
