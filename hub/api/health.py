"""``GET /healthz``: is the database reachable, and is the queue being worked?"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from hub.api.deps import HubDep
from hub.runs import waiting_runs
from hub.runs.queries import WAIT_WARNING

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)


@router.get(
    "/healthz",
    summary="Liveness and queue health (no token needed)",
    responses={503: {"description": "The database is unreachable"}},
)
def healthz(hub: HubDep, request: Request) -> JSONResponse:
    body: dict[str, Any] = {"status": "ok"}
    try:
        with hub.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
    except Exception:  # noqa: BLE001 - the answer is the health report itself
        log.warning("health check: database unreachable", exc_info=True)
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    service = getattr(request.app.state, "service", None)
    if service is not None:
        body.update(service.health())
    waiting = waiting_runs(hub)
    body["runs_waiting_too_long"] = waiting.count
    if waiting.count:
        body["status"] = "degraded"
        body["warning"] = (
            f"{waiting.count} run(s) have waited over {int(WAIT_WARNING.total_seconds() // 60)} "
            "minutes for a worker"
        )
    return JSONResponse(body)
