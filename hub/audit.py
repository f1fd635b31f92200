"""The audit log: who did what, written in the same transaction as the change itself, and
read back per school (``rosterhub audit``, the console's Audit page)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from hub.errors import UsageError
from hub.models import AuditEvent, Integration, Run, Upload, iso

MAX_EVENTS = 1000


def record(
    session: Session, *, actor: str, action: str, target: str | None = None, **detail: Any
) -> None:
    """Add an audit event to ``session`` (committed with the change it describes).

    ``detail`` must hold no secrets or passwords: names of settings, counts and ids only. The
    event's school is ``school_id`` when given, else that of ``integration_id`` or of the
    target (an integration, run or upload)."""
    school_id = _school_of(session, detail.get("school_id"), detail.get("integration_id"), target)
    session.add(
        AuditEvent(
            actor=actor,
            action=action,
            target=target,
            school_id=school_id,
            detail=detail,
        )
    )


def _school_of(
    session: Session, school_id: Any, integration_id: Any, target: str | None
) -> str | None:
    if isinstance(school_id, str):
        return school_id
    ref = integration_id if isinstance(integration_id, str) else target
    if ref is None:
        return None
    if ref.startswith("run_"):
        run = session.get(Run, ref)
        ref = run.integration_id if run is not None else None
    if ref is not None and ref.startswith("int_"):
        integration = session.get(Integration, ref)
        return integration.school_id if integration is not None else None
    if ref is not None and ref.startswith("upl_"):
        upload = session.get(Upload, ref)
        return upload.school_id if upload is not None else None
    return None


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


def parse_since(text: str) -> datetime:
    """``--since`` / ``?since=``: an ISO-8601 time (UTC when it names no zone)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        msg = f"since '{text}' is not an ISO-8601 time (e.g. 2026-12-01T00:00:00Z)"
        raise UsageError(msg) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
