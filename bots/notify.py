"""The support channel's notices about runs: held runs (with an Approve button) and failures.

A plugin of the hub like any other (the ``rosterhub`` entry point ``slack``): it implements
:func:`hub.hookspecs.rosterhub_run_finished`, which every process that ends a run calls, so a
run held or failed from any trigger (the schedule, the CLI, the API, chat) is posted once,
by whoever ended it. Nothing is posted unless Slack is configured (``SLACK_BOT_TOKEN``,
``SLACK_SIGNING_SECRET``) and ``ROSTERHUB_SUPPORT_CHANNEL`` is set. The Slack client is loaded
on the first notice, so a CLI command that ends no run never imports it.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from hub import hookimpl
from hub.run_status import FAILED, HELD

if TYPE_CHECKING:
    from hub.config import Settings
    from hub.schema import RunOutcome

log = logging.getLogger(__name__)

NOTICE_TIMEOUT = 10
"""Seconds a notice may take: it is posted on the thread that ended the run."""
ANNOUNCED = (HELD, FAILED)


def notice_text(outcome: RunOutcome) -> str:
    """What support reads about a held or failed run."""
    from bots import reports  # loaded with the first notice, like the Slack client

    run = outcome.run.model_dump()
    label = f"{outcome.provider} `{run['integration_id']}`"
    schools = ", ".join(f"*{school.name}*" for school in outcome.schools)
    head = f"Run `{run['id']}` of {label} for {schools}"
    if run["status"] == HELD:
        lines = [
            f"{head} is *held*: {run.get('error') or 'a safeguard stopped it'}.",
            f"Planned: {reports.run_counts(run.get('counts') or {})}.",
            *reports.run_issues(run),
            "Nothing has been applied. Approve to apply it as planned.",
        ]
    else:
        lines = [
            f"{head} *failed* (triggered by {run['trigger']}): {run.get('error') or 'no reason given'}.",
            *reports.run_issues(run),
            "Nothing from it was applied.",
        ]
    return "\n".join(lines)


def notice_blocks(outcome: RunOutcome, text: str) -> list[dict[str, Any]]:
    from bots import blocks

    if outcome.run.status == HELD:
        return blocks.held_run(text, outcome.run.id)
    return blocks.sections(text)


@hookimpl
def rosterhub_run_finished(outcome: RunOutcome, settings: Settings) -> None:
    """Post held and failed runs in the support channel, when Slack is set up."""
    channel = settings.support_channel
    if outcome.run.status not in ANNOUNCED or not settings.slack_enabled or not channel:
        return
    from slack_sdk import WebClient

    from bots.slack_files import SLACK_FAILURES, api_base, slack_error

    assert settings.slack_bot_token is not None  # slack_enabled says so
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=api_base(settings.slack_api_url),
        timeout=NOTICE_TIMEOUT,
    )
    text = notice_text(outcome)
    try:
        client.chat_postMessage(channel=channel, text=text, blocks=notice_blocks(outcome, text))
    except SLACK_FAILURES as exc:
        log.warning(
            "could not tell support about %s run %s: %s",
            outcome.run.status,
            outcome.run.id,
            slack_error(exc),
        )
