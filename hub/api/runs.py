"""Runs: show, list, and approve a held one."""

from __future__ import annotations

from fastapi import APIRouter, Query

from hub import runs
from hub.api.deps import OPERATORS, HubDep, PrincipalDep
from hub.api.errors import error_responses
from hub.api.scope import visible_integration, visible_run
from hub.schema import RunOut

router = APIRouter(tags=["runs"])


@router.get(
    "/runs",
    summary="Runs newest first (optionally of one integration)",
    responses=error_responses(404, 422),
)
def list_runs(
    hub: HubDep,
    principal: PrincipalDep,
    integration_id: str | None = Query(None, max_length=64),
    limit: int = Query(100, ge=1, le=1000),
) -> list[RunOut]:
    school_id = principal.school_id if principal.role == "school_admin" else None
    if principal.role == "school_admin" and school_id is None:
        return []
    if integration_id is not None:
        integration_id = visible_integration(hub, principal, integration_id).id
    found = runs.list_runs(hub, integration_id=integration_id, school_id=school_id, limit=limit)
    return runs.run_outs(hub, found)


@router.get(
    "/runs/{run_id}",
    summary="One run with its counts and issues",
    responses=error_responses(404, 422),
)
def get_run(run_id: str, hub: HubDep, principal: PrincipalDep) -> RunOut:
    return runs.run_out(hub, visible_run(hub, principal, run_id))


@router.post(
    "/runs/{run_id}/approve",
    summary="Apply a held run",
    responses=error_responses(403, 404, 422),
)
def approve(run_id: str, hub: HubDep, principal: PrincipalDep) -> RunOut:
    run = visible_run(hub, principal, run_id)
    principal.require(*OPERATORS)
    return runs.run_out(hub, runs.approve(hub, run.id, actor=principal.actor))
