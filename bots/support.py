"""``/rosterhub why EMAIL [SCHOOL]`` and ``/rosterhub undo RUN [--force]``: the two questions
support is asked most, answered in Slack (agents only; :mod:`bots.commands` checks)."""

from __future__ import annotations

import threading
from typing import Any

from slack_sdk import WebClient

from bots import resync
from hub import accounts, audit, districts, integrations, schools, undo
from hub.actors import Actor
from hub.context import Hub
from hub.explain import explain

WHY_USAGE = "Usage: `/rosterhub why EMAIL [SCHOOL]`"
UNDO_USAGE = "Usage: `/rosterhub undo RUN [--force]` (a run id, or an upload id `upl_…`)"
SHOWN_CONFLICTS = 10


def why_text(hub: Hub, rest: str) -> str:
    """The explain answer for an email at a school (or at every school it is at)."""
    email, _, school_ref = rest.partition(" ")
    if "@" not in email:
        return WHY_USAGE
    if school_ref.strip():
        ids = [schools.resolve_school(hub, school_ref.strip()).id]
    else:
        ids = accounts.schools_of(hub, email)
    if not ids:
        return f"*{email}* is at no school: never synced, or skipped (name a school to see why)."
    return "\n\n".join(_explained(hub, explain(hub, email=email, school_id=sid)) for sid in ids)


def _explained(hub: Hub, answer: dict[str, Any]) -> str:
    school = schools.get_school(hub, answer["school_id"])
    lines = [f"*{answer['email']}* at *{school.name}*: {answer['reason']}"]
    if answer["present"]:
        last = answer["last_changed_by"]
        lines.append(
            f"status {answer['status']}, owner `{answer['owner']}`"
            + (f", last changed by `{last}`" if last else "")
        )
        lines.extend(
            f"• {r['role']}: {r['reason']}" + (f" (`{r['run_id']}`)" if r["run_id"] else "")
            for r in answer["roles"]
        )
    return "\n".join(lines)


def start_undo(
    hub: Hub, client: WebClient, rest: str, *, user: str, channel: str
) -> tuple[str, threading.Thread | None]:
    """Ask for the undo; answer at once (refused, an upload put back) or follow the new run."""
    words = rest.split()
    force = "--force" in words
    refs = [w for w in words if w != "--force"]
    if len(refs) != 1:
        return UNDO_USAGE, None
    actor = f"slack:{user}"
    try:
        done = undo.undo(hub, refs[0], actor=Actor.everywhere(actor), force=force)
    except undo.UndoConflicts as exc:
        shown = [
            f"• {c.email} ({c.what}): changed again by `{c.changed_by}`"
            for c in exc.conflicts[:SHOWN_CONFLICTS]
        ]
        more = len(exc.conflicts) - len(shown)
        if more > 0:
            shown.append(f"• and {more} more")
        tail = f"Undo with `/rosterhub undo {refs[0]} --force` to put back the rest."
        return "\n".join([f"Not undone: {exc}.", *shown, tail]), None
    with hub.transaction() as session:
        audit.record(
            session,
            actor=actor,
            action="chat.undo",
            target=refs[0],
            force=force,
            undo=done.run.id if done.run else (done.upload.id if done.upload else None),
            channel=channel,
        )
    if done.upload is not None:
        result = undo.upload_json(done.upload)
        counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items() if v) or "nothing"
        return f"Upload `{result['undoes']}` undone as `{result['id']}`: {counts}.", None
    assert done.run is not None
    integration = integrations.get_integration(hub, done.run.integration_id)
    if integration.school_id is None:  # a district run's undo: every linked school
        where = districts.resolve_district(hub, integration.district_id or "").name
    else:
        where = schools.get_school(hub, integration.school_id).name
    tracked = [resync.Tracked(f"undo of `{refs[0]}`", where, done.run.id)]
    header = f"Undo requested by <@{user}>"
    watcher = resync.follow(
        hub, client, tracked=tracked, failures=[], header=header, user=user, channel=channel
    )
    return f"Undoing `{refs[0]}`…", watcher
