"""The ``/rosterhub`` slash command and the Approve button, for support agents.

Slack wants an answer within 3 seconds, so every listener acknowledges first (the ack carries
the quick answer) and does slow work afterwards on bolt's listener thread; a resync hands its
watching to a thread of its own. Only ``ROSTERHUB_SUPPORT_AGENTS`` may act; anyone else is
told so and nothing runs.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_bolt.context.ack import Ack
from slack_bolt.context.respond import Respond
from slack_sdk import WebClient

from bots import blocks, payload, reports, resync, support
from bots.slack_files import SLACK_FAILURES, slack_error
from hub import audit, districts, integrations, runs, schools
from hub.context import Hub
from hub.errors import HubError, UsageError
from hub.models import District, Integration, School, iso
from hub.run_status import ACTIVE, HELD

log = logging.getLogger(__name__)

COMMAND = "/rosterhub"
HELP = (
    "*rosterhub* commands (support agents):\n"
    "• `/rosterhub resync INTEGRATION|SCHOOL`: sync now (a school resyncs each of its enabled "
    "integrations); progress is posted here\n"
    "• `/rosterhub status SCHOOL`: integrations, last runs, anything held\n"
    "• `/rosterhub approve RUN`: apply a held run\n"
    "• `/rosterhub why EMAIL [SCHOOL]`: why this person has (or has not) these roles\n"
    "• `/rosterhub undo RUN [--force]`: put back what a run (or upload) changed, as a new run\n"
    "• `/rosterhub help`: this list\n"
    "School admins: send me your accounts spreadsheet in a direct message."
)
REFUSED = (
    "Sorry, only rosterhub support agents can use this command, so nothing was run. "
    "School admins can send me their accounts spreadsheet in a direct message."
)


def is_agent(hub: Hub, user: str | None) -> bool:
    return bool(user) and user in hub.settings.support_agents


def resync_targets(hub: Hub, ref: str) -> list[tuple[Integration, School | District]]:
    """An integration id, or a school (id or exact name) meaning all its enabled integrations:
    its own and the district integrations feeding it (one run per district integration)."""
    try:
        integration = integrations.get_integration(hub, ref)
    except UsageError:
        integration = None
    if integration is not None:
        if integration.school_id is None:
            district = districts.resolve_district(hub, integration.district_id or "")
            return [(integration, district)]
        return [(integration, schools.get_school(hub, integration.school_id))]
    try:
        school = schools.resolve_school(hub, ref)
    except UsageError:
        msg = f"`{ref}` is neither an integration id nor a school (id or exact name)."
        raise UsageError(msg) from None
    found = [i for i in integrations.list_integrations(hub, school_id=school.id) if i.enabled]
    if not found:
        msg = f"*{school.name}* has no enabled integrations to resync."
        raise UsageError(msg)
    return [(i, school) for i in found]


def status_text(hub: Hub, ref: str) -> str:
    school = schools.resolve_school(hub, ref)
    lines = [f"*{school.name}* (`{school.id}`, {school.timezone})"]
    found = integrations.list_integrations(hub, school_id=school.id)
    if not found:
        lines.append("No integrations: accounts arrive by spreadsheet or by hand.")
    for integration in found:
        state = "enabled" if integration.enabled else "disabled"
        lines.append(
            f"• {integration.provider} `{integration.id}` ({state}, schedule {integration.schedule})"
        )
        last = runs.list_runs(hub, integration_id=integration.id, limit=1)
        if last:
            run = last[0]
            when = iso(run.finished_at or run.started_at or run.created_at)
            line = f"    last run `{run.id}` *{run.status}* ({run.trigger}, {when})"
            if run.status not in ACTIVE:
                # a district run: this school's part of it
                part = (run.school_counts or {}).get(school.id)
                if integration.district_id is not None:
                    line += f": at this school {reports.run_counts(part or {})}"
                else:
                    line += f": {reports.run_counts(run.counts or {})}"
            if run.error:
                line += f"; {run.error}"
            lines.append(line)
        else:
            lines.append("    no runs yet")
    held = [r for r in runs.list_runs(hub, school_id=school.id, limit=50) if r.status == HELD]
    if held:
        lines.append("*Held, waiting for approval:*")
        lines.extend(
            f"• `{r.id}` ({r.error or 'held by a safeguard'}): `/rosterhub approve {r.id}`"
            for r in held
        )
    else:
        lines.append("Nothing held.")
    return "\n".join(lines)


def approve_run(hub: Hub, run_id: str, *, user: str, channel: str | None) -> dict[str, Any]:
    run = runs.approve(hub, run_id, actor=f"slack:{user}")
    with hub.transaction() as session:
        audit.record(
            session,
            actor=f"slack:{user}",
            action="chat.approve",
            target=run.id,
            status=run.status,
            channel=channel,
        )
    return runs.run_json(hub, run)


def approved_text(run: dict[str, Any], user: str) -> str:
    return "\n".join(
        [
            f"Approved by <@{user}>: {reports.run_line('run', run)}",
            *reports.run_issues(run),
        ]
    )


def register(app: App, *, hub: Hub) -> None:
    def on_command(ack: Ack, command: dict[str, Any], client: WebClient, respond: Respond) -> None:
        text = " ".join((payload.text(command, "text") or "").split())
        verb, _, rest = text.partition(" ")
        verb = verb.lower()
        user = payload.text(command, "user_id")
        channel = payload.text(command, "channel_id")
        if verb in ("", "help"):
            ack(text=HELP)
            return
        if not is_agent(hub, user) or not user:
            ack(text=REFUSED)
            return
        if verb == "resync":
            if not rest:
                ack(text="Usage: `/rosterhub resync INTEGRATION|SCHOOL`")
                return
            try:
                targets = resync_targets(hub, rest)
            except HubError as exc:
                ack(text=str(exc))
                return
            ack(text=f"Queuing {len(targets)} run(s) for `{rest}`…")
            resync.start(hub, client, targets=targets, user=user, channel=channel or "")
            return
        if verb == "status":
            if not rest:
                ack(text="Usage: `/rosterhub status SCHOOL`")
                return
            ack()
            try:
                answer = status_text(hub, rest)
            except HubError as exc:
                answer = str(exc)
            payload.respond_quietly(respond, text=answer)
            return
        if verb == "approve":
            if not rest:
                ack(text="Usage: `/rosterhub approve RUN`")
                return
            ack(text=f"Approving `{rest}`…")
            try:
                run = approve_run(hub, rest, user=user, channel=channel)
            except HubError as exc:
                payload.respond_quietly(respond, text=f"Not approved: {exc}")
                return
            payload.respond_quietly(
                respond, text=approved_text(run, user), response_type="in_channel"
            )
            return
        if verb == "why":
            if not rest:
                ack(text=support.WHY_USAGE)
                return
            ack()
            try:
                answer = support.why_text(hub, rest)
            except HubError as exc:
                answer = str(exc)
            payload.respond_quietly(respond, text=answer)
            return
        if verb == "undo":
            if not rest:
                ack(text=support.UNDO_USAGE)
                return
            ack(text=f"Undoing `{rest}`…")
            try:
                answer, _watcher = support.start_undo(
                    hub, client, rest, user=user, channel=channel or ""
                )
            except HubError as exc:
                answer = f"Not undone: {exc}"
            payload.respond_quietly(respond, text=answer)
            return
        ack(text=f"I don't know `{verb}`.\n{HELP}")

    def on_approve(
        ack: Ack, body: dict[str, Any], action: dict[str, Any], client: WebClient, respond: Respond
    ) -> None:
        ack()
        user = payload.id_of(body, "user")
        if not is_agent(hub, user) or not user:
            payload.respond_quietly(
                respond, text=REFUSED, response_type="ephemeral", replace_original=False
            )
            return
        run_id = payload.text(action, "value") or ""
        channel = payload.id_of(body, "channel")
        try:
            run = approve_run(hub, run_id, user=user, channel=channel)
        except HubError as exc:
            payload.respond_quietly(
                respond,
                text=f"Not approved: {exc}",
                response_type="ephemeral",
                replace_original=False,
            )
            return
        message = payload.obj(body, "message")
        ts = payload.text(message, "ts")
        text = blocks.message_text(message.get("blocks")) or payload.text(message, "text") or ""
        text = f"{text}\n{approved_text(run, user)}"
        if channel and ts:
            try:
                client.chat_update(channel=channel, ts=ts, text=text, blocks=blocks.sections(text))
                return
            except SLACK_FAILURES as exc:
                log.warning("could not update the held-run message: %s", slack_error(exc))
        payload.respond_quietly(
            respond,
            text=approved_text(run, user),
            response_type="in_channel",
            replace_original=False,
        )

    app.command(COMMAND)(on_command)
    app.action(blocks.APPROVE_ACTION)(on_approve)
