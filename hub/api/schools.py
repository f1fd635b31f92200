"""Schools: list (a school admin sees only its own), create (district IT), show."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, status
from pydantic import BaseModel, ConfigDict, Field

from hub import schools
from hub.access import visible_district
from hub.api.deps import WRITERS, HubDep, PrincipalDep
from hub.api.errors import error_responses
from hub.api.scope import visible_school
from hub.errors import UsageError
from hub.schema import SchoolOut
from hub.text import PlainText

router = APIRouter(tags=["schools"])


class SchoolIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)
    timezone: PlainText = Field(default="America/New_York", max_length=64)
    district_id: PlainText | None = Field(default=None, min_length=1, max_length=64)


@router.get("/schools", summary="Schools this token can see")
def list_schools(hub: HubDep, principal: PrincipalDep) -> list[SchoolOut]:
    only = principal.school_id if principal.role == "school_admin" else None
    if principal.role == "school_admin" and only is None:
        return []
    found = schools.list_schools(hub, only_school_id=only)
    return [SchoolOut.from_row(s) for s in found if principal.sees_school(s.id)]


@router.post(
    "/schools",
    status_code=status.HTTP_201_CREATED,
    summary="Add a school",
    responses=error_responses(403, 404, 409, 413, 422),
)
def create_school(body: SchoolIn, hub: HubDep, principal: PrincipalDep) -> SchoolOut:
    principal.require(*WRITERS)
    district_id = body.district_id
    if principal.schools is not None:  # a district-scoped token adds schools to its district
        district_id = district_id or principal.district_id
        if district_id is None:
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="this token cannot add schools")
    if district_id is not None:
        visible_district(hub, principal, district_id)
    try:
        school = schools.create_school(
            hub,
            name=body.name,
            timezone=body.timezone,
            district_id=district_id,
            actor=principal.actor,
        )
    except UsageError as exc:
        if "already exists" in str(exc):
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
        raise
    return SchoolOut.from_row(school)


@router.get("/schools/{school_id}", summary="One school", responses=error_responses(404, 422))
def get_school(school_id: str, hub: HubDep, principal: PrincipalDep) -> SchoolOut:
    return SchoolOut.from_row(visible_school(hub, principal, school_id))
