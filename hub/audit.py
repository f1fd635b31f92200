"""The audit log: who did what, written in the same transaction as the change itself."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session

from hub.models import AuditEvent


def record(
    session: Session, *, actor: str, action: str, target: str | None = None, **detail: Any
) -> None:
    """Add an audit event to ``session`` (committed with the change it describes).

    ``detail`` must hold no secrets or passwords: names of settings, counts and ids only.
    """
    session.add(AuditEvent(actor=actor, action=action, target=target, detail=detail))
