"""API tokens, for district IT: make one (shown once), list them (never the token), revoke."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from hub import tokens
from hub.api.deps import HubDep, PrincipalDep, not_found
from hub.api.errors import error_responses
from hub.errors import UsageError
from hub.models import School
from hub.schema import TokenCreated, TokenOut, TokenRevoked
from hub.tokens import DISTRICT_IT

router = APIRouter(tags=["tokens"])


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["district_it", "support", "school_admin"]
    school_id: str | None = Field(
        default=None, min_length=1, max_length=64, description="Required for school_admin only."
    )


@router.get(
    "/tokens",
    summary="API tokens: role, school, created, last used (never the token)",
    responses=error_responses(403),
)
def list_tokens(hub: HubDep, principal: PrincipalDep) -> list[TokenOut]:
    principal.require(DISTRICT_IT)
    return [TokenOut.from_row(row) for row in tokens.list_tokens(hub)]


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    summary="Make an API token; the answer is the only time it is shown",
    responses=error_responses(403, 404, 413, 422),
)
def create_token(body: TokenIn, hub: HubDep, principal: PrincipalDep) -> TokenCreated:
    principal.require(DISTRICT_IT)
    if body.school_id is not None:
        with hub.session() as session:
            if session.get(School, body.school_id) is None:
                not_found("school", body.school_id)
    row, secret = tokens.create_token(
        hub, role=body.role, school_id=body.school_id, actor=principal.actor
    )
    return TokenCreated(token=secret, **TokenOut.from_row(row).model_dump())


@router.delete(
    "/tokens/{token_id}",
    summary="Revoke an API token: requests made with it are refused from now on",
    responses=error_responses(403, 404, 422),
)
def revoke_token(token_id: str, hub: HubDep, principal: PrincipalDep) -> TokenRevoked:
    principal.require(DISTRICT_IT)
    try:
        row = tokens.revoke_token(hub, token_id, actor=principal.actor)
    except UsageError:  # the only refusal: no such token
        not_found("token", token_id)
    return TokenRevoked(id=row.id, revoked=True)
