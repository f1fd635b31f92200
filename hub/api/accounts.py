"""``GET /api/v1/schools/{id}/accounts``: a school's accounts; ``.../{email}/explain``: why one
person is (or is not) there."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from hub import accounts
from hub.api.deps import HubDep, PrincipalDep
from hub.api.errors import error_responses
from hub.api.scope import visible_school
from hub.explain import explain
from hub.schema import AccountOut, ExplainOut

router = APIRouter(tags=["accounts"])


@router.get(
    "/schools/{school_id}/accounts",
    summary="A school's accounts, by email",
    response_model=list[AccountOut],
    responses=error_responses(404, 422),
)
def list_accounts(
    school_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    role: Literal["student", "teacher", "admin"] | None = Query(None),
    all: bool = Query(False, description="Include deactivated accounts"),  # noqa: A002
) -> JSONResponse:
    school = visible_school(hub, principal, school_id)
    # Plain JSON dicts already: skip FastAPI's per-field re-encoding (a school can be large).
    return JSONResponse(
        accounts.list_accounts(hub, school_id=school.id, role=role, include_all=all)
    )


@router.get(
    "/schools/{school_id}/accounts/{email}/explain",
    summary="Why this person has (or has not) an account and these roles at this school",
    response_model=ExplainOut,
    responses=error_responses(404, 422),
)
def explain_account(school_id: str, email: str, hub: HubDep, principal: PrincipalDep) -> ExplainOut:
    school = visible_school(hub, principal, school_id)
    restricted = principal.schools is not None
    return ExplainOut(**explain(hub, email=email, school_id=school.id, restricted=restricted))
