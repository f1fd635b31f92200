"""Resync from chat: queue the runs, then keep ONE message up to date until they end.

The slash command is acknowledged at once; a watcher thread polls the runs (the database is
the source of truth for runs, wherever they execute) and edits the progress message with
``chat.update`` only when its text changes, for a bounded time. A run that ends held (or
failed) is announced in the support channel by :mod:`bots.notify`, as it is from every other
trigger.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient

from bots import blocks, reports
from bots.slack_files import SLACK_FAILURES, open_dm, slack_error
from hub import audit, runs
from hub.context import Hub
from hub.errors import HubError
from hub.models import District, Integration, School
from hub.run_status import ENDED, HELD

log = logging.getLogger(__name__)

POLL_SECONDS = 2.0
WATCH_SECONDS = 30 * 60.0


@dataclass
class Tracked:
    label: str
    school: str
    run_id: str


def label_for(integration: Integration) -> str:
    return f"{integration.provider} `{integration.id}`"


def start(
    hub: Hub,
    client: WebClient,
    *,
    targets: list[tuple[Integration, School | District]],
    user: str,
    channel: str,
    thread_ts: str | None = None,
) -> threading.Thread | None:
    """Queue a run for each target, post the progress message (in ``thread_ts``'s thread when
    the command was typed in one), and start watching it."""
    actor = f"slack:{user}"
    tracked: list[Tracked] = []
    failures: list[str] = []
    for integration, school in targets:
        try:
            request = runs.RunRequest(integration.id, trigger="chat", actor=actor)
            run = runs.submit(hub, request).run
        except HubError as exc:
            failures.append(f"{label_for(integration)}: could not queue a run: {exc}")
            continue
        tracked.append(Tracked(label_for(integration), school.name, run.id))
        with hub.transaction() as session:
            audit.record(
                session,
                actor=actor,
                action="chat.resync",
                target=integration.id,
                run_id=run.id,
                school_id=school.id,
            )
    return follow(
        hub,
        client,
        tracked=tracked,
        failures=failures,
        header=f"Resync requested by <@{user}>",
        user=user,
        channel=channel,
        thread_ts=thread_ts,
    )


def follow(
    hub: Hub,
    client: WebClient,
    *,
    tracked: list[Tracked],
    failures: list[str],
    header: str,
    user: str,
    channel: str,
    thread_ts: str | None = None,
) -> threading.Thread | None:
    """Post the progress message of runs already queued (a resync, an undo) and watch them
    until they end."""
    text = render(header, tracked, snapshot_of(hub, tracked), failures)
    where, ts = _post_progress(client, channel=channel, user=user, text=text, thread_ts=thread_ts)
    if not tracked or where is None or ts is None:
        return None
    watcher = threading.Thread(
        target=watch,
        args=(hub, client),
        kwargs={
            "tracked": tracked,
            "failures": failures,
            "header": header,
            "channel": where,
            "ts": ts,
            "last_text": text,
        },
        name=f"resync-watch:{ts}",
        daemon=True,
    )
    watcher.start()
    return watcher


def render(
    header: str, tracked: list[Tracked], snapshot: list[dict[str, Any]], failures: list[str]
) -> str:
    """The progress message for one consistent snapshot of the runs."""
    lines = [f"{header}:"]
    for item, run in zip(tracked, snapshot, strict=True):
        lines.append(reports.run_line(f"{item.label} for *{item.school}*", run))
        if run.get("status") in ENDED:
            lines.extend(reports.run_issues(run))
        if run.get("status") == HELD:
            lines.append(f"  Approve with `/rosterhub approve {item.run_id}` once checked.")
    lines.extend(failures)
    return "\n".join(lines)


def snapshot_of(hub: Hub, tracked: list[Tracked]) -> list[dict[str, Any]]:
    """Every tracked run at once: one query for the runs, one for their issues."""
    return runs.runs_json(hub, runs.get_runs(hub, [item.run_id for item in tracked]))


def _post_progress(
    client: WebClient, *, channel: str, user: str, text: str, thread_ts: str | None = None
) -> tuple[str | None, str | None]:
    """Post where the command was typed (in its thread, if it was typed in one); where the bot
    cannot post (a DM between two people, a private channel it is not in), fall back to the
    agent's DM with the bot."""
    for target in (channel, None):
        try:
            where = target or open_dm(client, user)
            response = client.chat_postMessage(
                channel=where,
                text=text,
                blocks=blocks.sections(text),
                thread_ts=thread_ts if target else None,
            )
            return str(response["channel"]), str(response["ts"])
        except (*SLACK_FAILURES, HubError) as exc:
            log.info("cannot post resync progress in %s: %s", target or "DM", slack_error(exc))
    return None, None


def watch(
    hub: Hub,
    client: WebClient,
    *,
    tracked: list[Tracked],
    failures: list[str],
    header: str,
    channel: str,
    ts: str,
    last_text: str,
) -> None:
    """Poll until every run ended (or the time is up), editing the one progress message."""
    deadline = time.monotonic() + WATCH_SECONDS
    while True:
        try:
            snapshot = snapshot_of(hub, tracked)
        except HubError as exc:
            log.warning("resync watcher stopped: %s", exc)
            return
        text = render(header, tracked, snapshot, failures)
        statuses = [run.get("status") for run in snapshot]
        done = all(status in ENDED for status in statuses)
        if not done and time.monotonic() > deadline:
            text += "\nStill running; I stopped watching. Check with `/rosterhub status`."
        if text != last_text:
            _update(client, channel=channel, ts=ts, text=text)
            last_text = text
        if done or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)


def _update(client: WebClient, *, channel: str, ts: str, text: str) -> None:
    try:
        client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks.sections(text))
    except SLACK_FAILURES as exc:
        log.warning("could not update resync progress: %s", slack_error(exc))
