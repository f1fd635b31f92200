"""The audit log: who did what, written in the same transaction as the change itself, and
read back per school (``rosterhub audit``, the console's Audit page)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from hub.models import AuditEvent, Integration, iso

MAX_EVENTS = 1000


def record(
    session: Session, *, actor: str, action: str, target: str | None = None, **detail: Any
) -> None:
    """Add an audit event to ``session`` (committed with the change it describes).

    ``detail`` must hold no secrets or passwords: names of settings, counts and ids only. The
    event's school is ``school_id`` when given, else the school of ``integration_id``."""
    school_id = detail.get("school_id")
    if school_id is None and detail.get("integration_id"):
        integration = session.get(Integration, detail["integration_id"])
        school_id = integration.school_id if integration is not None else None
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            target=target,
            school_id=school_id if isinstance(school_id, str) else None,
            detail=detail,
        )
    )


def events(
    session: Session,
    *,
    school_ids: frozenset[str] | None = None,
    since: datetime | None = None,
    limit: int = MAX_EVENTS,
) -> list[dict[str, Any]]:
    """Events newest first: of ``school_ids`` (None: every event, district-wide ones too),
    at or after ``since``."""
    query = select(AuditEvent)
    if school_ids is not None:
        query = query.where(col(AuditEvent.school_id).in_(sorted(school_ids)))
    if since is not None:
        query = query.where(col(AuditEvent.at) >= since)
    query = query.order_by(col(AuditEvent.at).desc(), col(AuditEvent.id).desc()).limit(limit)
    return [event_json(e) for e in session.exec(query)]


def event_json(event: AuditEvent) -> dict[str, Any]:
    return {
        "at": iso(event.at),
        "actor": event.actor,
        "action": event.action,
        "target": event.target,
        "detail": dict(event.detail or {}),
    }
