"""Districts and a district integration's school links."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field

from hub import districts
from hub.access import visible_district
from hub.api.deps import WRITERS, HubDep, PrincipalDep
from hub.api.errors import error_responses
from hub.api.scope import visible_integration, visible_school
from hub.errors import UsageError
from hub.schema import DistrictOut, SettingValue
from hub.text import PlainText

router = APIRouter(tags=["districts"])


class DistrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: PlainText = Field(min_length=1, max_length=200)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settings: dict[str, SettingValue] = Field(
        description="This school's selection (clever schools, classlink orgs, gsuite OUs/groups)"
    )


class LinkResult(BaseModel):
    integration_id: str
    school_id: str
    settings: dict[str, SettingValue]


class UnlinkResult(BaseModel):
    integration_id: str
    school_id: str
    deactivated: int


@router.get("/districts", summary="Districts this token can see, with their schools")
def list_districts(hub: HubDep, principal: PrincipalDep) -> list[DistrictOut]:
    if principal.role == "school_admin":
        return []
    only = principal.district_id if principal.schools is not None else None
    if principal.schools is not None and only is None:
        return []
    return [
        DistrictOut(**districts.district_json(hub, d))
        for d in districts.list_districts(hub, only_district_id=only)
    ]


@router.post(
    "/districts",
    status_code=status.HTTP_201_CREATED,
    summary="Add a district",
    responses=error_responses(403, 409, 413, 422),  # 409: the name is taken
)
def create_district(body: DistrictIn, hub: HubDep, principal: PrincipalDep) -> DistrictOut:
    principal.require(*WRITERS)
    if principal.schools is not None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail="a district-scoped token cannot add districts"
        )
    try:
        district = districts.create_district(hub, name=body.name, actor=principal.actor)
    except UsageError as exc:
        if "already exists" in str(exc):
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
        raise
    return DistrictOut(**districts.district_json(hub, district))


@router.get("/districts/{district_id}", summary="One district", responses=error_responses(404, 422))
def get_district(district_id: str, hub: HubDep, principal: PrincipalDep) -> DistrictOut:
    district = visible_district(hub, principal, district_id)
    return DistrictOut(**districts.district_json(hub, district))


@router.put(
    "/integrations/{integration_id}/links/{school_id}",
    summary="Feed a school of the district from a district integration",
    responses=error_responses(403, 404, 413, 422),
)
def put_link(
    integration_id: str, school_id: str, body: LinkIn, hub: HubDep, principal: PrincipalDep
) -> LinkResult:
    integration = visible_integration(hub, principal, integration_id)
    school = visible_school(hub, principal, school_id)
    principal.require(*WRITERS)
    doc = districts.link_school(
        hub, integration.id, school=school, settings=dict(body.settings), actor=principal.actor
    )
    return LinkResult(**doc)


@router.delete(
    "/integrations/{integration_id}/links/{school_id}",
    summary="Stop feeding a school (its accounts stay, as manual, unless deactivate=true)",
    responses=error_responses(403, 404, 422),
)
def delete_link(
    integration_id: str,
    school_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    deactivate: Annotated[bool, Query()] = False,
) -> UnlinkResult:
    integration = visible_integration(hub, principal, integration_id)
    school = visible_school(hub, principal, school_id)
    principal.require(*WRITERS)
    doc = districts.unlink_school(
        hub, integration.id, school=school, deactivate=deactivate, actor=principal.actor
    )
    return UnlinkResult(**doc)
