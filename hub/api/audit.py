"""``GET /api/v1/audit``: who did what, newest first, within the schools the token sees."""

from __future__ import annotations

from fastapi import APIRouter, Query

from hub import audit
from hub.api.deps import HubDep, PrincipalDep
from hub.api.errors import error_responses
from hub.api.scope import visible_school
from hub.schema import AuditEventOut

router = APIRouter(tags=["audit"])


@router.get(
    "/audit",
    summary="The audit log: every sync, approval, discard, undo, upload, invite, token and "
    "setting change, with actor, time and target",
    response_model=list[AuditEventOut],
    responses=error_responses(404, 422),
)
def list_audit(
    hub: HubDep,
    principal: PrincipalDep,
    school_id: str | None = Query(None, max_length=64),
    since: str | None = Query(None, max_length=64, description="ISO-8601; at or after it"),
    limit: int = Query(audit.MAX_EVENTS, ge=1, le=audit.MAX_EVENTS),
) -> list[AuditEventOut]:
    if school_id is not None:
        ids: frozenset[str] | None = frozenset({visible_school(hub, principal, school_id).id})
    else:
        ids = principal.schools  # None: every event (staff who see every school)
    moment = audit.parse_since(since) if since else None
    with hub.session() as session:
        found = audit.events(session, school_ids=ids, since=moment, limit=limit)
    return [AuditEventOut(**event) for event in found]
