"""School admins asking support to sync their school now.

A request is recorded (and listed in the console for support either way); when the chat app is
set up it also registers a notifier here, which posts the request to the support channel with
an Approve button for agents. Approving queues one run per enabled integration of the school;
dismissing closes the request. Only an open request can be decided, once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import update
from sqlmodel import col, select

from hub import audit
from hub.context import Hub
from hub.errors import HubError, UsageError
from hub.integrations import list_integrations
from hub.models import ResyncRequest, School, utcnow
from hub.runs import RunRequest, submit

log = logging.getLogger(__name__)

OPEN = "open"
APPROVED = "approved"
DISMISSED = "dismissed"
MAX_NOTE = 500

Notifier = Callable[[Hub, ResyncRequest, School], None]
_ATTRIBUTE = "_resync_notifiers"
_lock = threading.Lock()
_request_table = ResyncRequest.__table__  # type: ignore[attr-defined]


def set_notifier(hub: Hub, name: str, notifier: Notifier) -> None:
    """Tell ``notifier`` about every new request on this hub (the chat app registers itself
    as ``slack``; setting a name again replaces that notifier)."""
    with _lock:
        hub.__dict__.setdefault(_ATTRIBUTE, {})[name] = notifier


def request_resync(hub: Hub, *, school_id: str, actor: str, note: str = "") -> ResyncRequest:
    """Record a request for ``school_id`` (already authorised by the caller) and tell the
    notifiers. A school with an open request gets that one back instead of a second."""
    with hub.session() as session:
        school = session.get(School, school_id)
        existing = session.exec(
            select(ResyncRequest).where(
                ResyncRequest.school_id == school_id, ResyncRequest.status == OPEN
            )
        ).first()
    if school is None:
        msg = f"unknown school '{school_id}'"
        raise UsageError(msg)
    if existing is not None:
        return existing
    if not [i for i in list_integrations(hub, school_id=school_id) if i.enabled]:
        msg = (
            f"{school.name} has no integration to sync; add accounts with "
            "'Bulk add standard accounts' instead"
        )
        raise UsageError(msg)
    row = ResyncRequest(
        school_id=school_id, requested_by=actor, note=" ".join(note.split())[:MAX_NOTE]
    )
    with hub.transaction() as session:
        session.add(row)
        audit.record(
            session, actor=actor, action="resync.request", target=row.id, school_id=school_id
        )
    for notifier in list(hub.__dict__.get(_ATTRIBUTE, {}).values()):
        try:
            notifier(hub, row, school)
        except Exception:  # noqa: BLE001 - the request stands even when chat is down
            log.exception("could not tell support about resync request %s", row.id)
    return row


def get_request(hub: Hub, request_id: str) -> ResyncRequest:
    with hub.session() as session:
        row = session.get(ResyncRequest, request_id)
    if row is None:
        msg = f"unknown resync request '{request_id}'"
        raise UsageError(msg)
    return row


def list_requests(
    hub: Hub,
    *,
    school_ids: frozenset[str] | None = None,
    status: str | None = OPEN,
    limit: int = 200,
) -> list[ResyncRequest]:
    """Requests newest first (``school_ids`` None: every school)."""
    query = select(ResyncRequest)
    if status is not None:
        query = query.where(ResyncRequest.status == status)
    if school_ids is not None:
        query = query.where(col(ResyncRequest.school_id).in_(list(school_ids)))
    query = query.order_by(col(ResyncRequest.created_at).desc()).limit(limit)
    with hub.session() as session:
        return list(session.exec(query))


def _decide(hub: Hub, request_id: str, *, status: str, actor: str, run_ids: list[str]) -> bool:
    with hub.transaction() as session:
        done = session.execute(
            update(_request_table)
            .where(_request_table.c.id == request_id, _request_table.c.status == OPEN)
            .values(status=status, decided_by=actor, decided_at=utcnow(), run_ids=run_ids)
        ).rowcount
        if done == 1:
            audit.record(
                session, actor=actor, action=f"resync.{status}", target=request_id, runs=run_ids
            )
    return done == 1


def approve_request(
    hub: Hub, request_id: str, *, actor: str, trigger: str = "manual"
) -> dict[str, Any]:
    """Queue the school's runs and close the request: ``{"request", "runs", "failures"}``."""
    row = get_request(hub, request_id)
    if row.status != OPEN:
        msg = f"resync request {row.id} is {row.status} already"
        raise UsageError(msg)
    runs: list[Any] = []
    failures: list[str] = []
    for integration in list_integrations(hub, school_id=row.school_id):
        if not integration.enabled:
            continue
        try:
            request = RunRequest(integration_id=integration.id, trigger=trigger, actor=actor)
            runs.append(submit(hub, request).run)
        except HubError as exc:
            failures.append(f"{integration.provider} {integration.id}: {exc}")
    if not _decide(hub, row.id, status=APPROVED, actor=actor, run_ids=[r.id for r in runs]):
        msg = f"resync request {row.id} was decided by someone else a moment ago"
        raise UsageError(msg)
    return {"request": get_request(hub, row.id), "runs": runs, "failures": failures}


def dismiss_request(hub: Hub, request_id: str, *, actor: str) -> ResyncRequest:
    row = get_request(hub, request_id)
    if not _decide(hub, row.id, status=DISMISSED, actor=actor, run_ids=[]):
        msg = f"resync request {row.id} is {get_request(hub, row.id).status} already"
        raise UsageError(msg)
    return get_request(hub, row.id)
