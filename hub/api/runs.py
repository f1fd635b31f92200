"""Runs: show, list, approve a held one, and undo one (or an upload)."""

from __future__ import annotations

from fastapi import APIRouter, Query, status
from fastapi.responses import JSONResponse

from hub import runs, undo
from hub.api.deps import OPERATORS, HubDep, PrincipalDep
from hub.api.errors import ErrorOut, error_responses
from hub.api.scope import visible_change_set, visible_integration, visible_run
from hub.schema import RunOut, UndoConflictOut, UndoRefusedOut, UploadUndoOut

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


@router.post(
    "/runs/{run_id}/undo",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Undo a run (or an upload, upl_...): a new run with trigger undo puts back what it "
    "changed; 409 with the conflicts when later changes touched the same rows, unless force",
    response_model=RunOut | UploadUndoOut,
    responses={
        **error_responses(403, 404, 422),
        409: {
            "model": ErrorOut | UndoRefusedOut,
            "description": "Later runs or uploads changed some of the same rows (the "
            "conflicts are listed), or the integration has a run queued or running",
        },
    },
)
def undo_run(
    run_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    force: bool = Query(
        False, description="Put back the rows no later change touched; report the rest"
    ),
) -> JSONResponse:
    target = visible_change_set(hub, principal, run_id)
    principal.require(*OPERATORS)
    try:
        done = undo.undo(hub, target, actor=principal.as_actor(), force=force)
    except undo.UndoConflicts as exc:
        conflicts = [UndoConflictOut(**c.as_dict()).model_dump() for c in exc.conflicts]
        return JSONResponse({"detail": str(exc), "conflicts": conflicts}, status_code=409)
    if done.run is not None:
        body = runs.run_out(hub, done.run).model_dump()
        return JSONResponse(body, status_code=status.HTTP_202_ACCEPTED)
    assert done.upload is not None
    return JSONResponse(UploadUndoOut(**undo.upload_json(done.upload)).model_dump(), 200)
