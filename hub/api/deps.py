"""Dependencies shared by the routers: the hub, and who is asking (the bearer token).

Authorisation rule for school-scoped things: a ``school_admin`` token that names another
school's object gets the same 404 as for an id that does not exist, so a token cannot be
used to learn which ids exist elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, NoReturn

from fastapi import Depends, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from hub import access, tokens
from hub.access import EVERYONE, OPERATORS, WRITERS
from hub.context import Hub
from hub.text import control_problem, visible


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]

_bearer = HTTPBearer(
    auto_error=False,
    description="A token from `rosterhub token create` (district_it, support or school_admin).",
)


@dataclass(frozen=True, slots=True)
class Principal(access.Principal):
    """A bearer token as a :class:`hub.access.Principal` (the rules are shared with the
    console); ``token_hash`` ties one-time downloads to the token that asked for them."""

    token_id: str = ""
    token_hash: str = ""

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            msg = f"a {self.role} token cannot do this"
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail=msg)


def _unauthorized(message: str) -> NoReturn:
    raise HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=message, headers={"WWW-Authenticate": "Bearer"}
    )


def get_principal(
    hub: HubDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        _unauthorized("missing bearer token (Authorization: Bearer TOKEN)")
    row = tokens.authenticate(hub, credentials.credentials.strip())
    if row is None:
        _unauthorized("invalid or revoked token")
    return Principal(
        name=f"api:{row.id}",
        role=row.role,
        schools=access.scope_for(
            hub,
            role=row.role,
            school_ids=[row.school_id] if row.school_id else [],
            district_id=row.district_id,
        ),
        school_id=row.school_id,
        district_id=row.district_id,
        token_id=row.id,
        token_hash=row.token_hash,
    )


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def plain_parameters(request: Request) -> None:
    """Every route's path and query parameters follow :mod:`hub.text`: one with a control
    character is a 422 naming it, before any route looks an id up (PostgreSQL cannot even
    compare text holding NUL)."""
    found = []
    params = [
        *(("path", name, value) for name, value in request.path_params.items()),
        *(("query", name, value) for name, value in request.query_params.multi_items()),
    ]
    for where, name, value in params:
        for text in (name, str(value)):
            problem = control_problem(text)
            if problem:
                found.append(
                    {"type": "control_character", "loc": (where, visible(name)), "msg": problem}
                )
                break
    if found:
        raise RequestValidationError(found)


def not_found(kind: str, ref: str) -> NoReturn:
    raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown {kind} '{ref}'")


__all__ = [
    "EVERYONE",
    "OPERATORS",
    "WRITERS",
    "HubDep",
    "Principal",
    "PrincipalDep",
    "get_hub",
    "get_principal",
    "not_found",
]
