"""Rooms: a school's rooms in order, one room read, created, changed or deleted, the starter
pack, and a rooms spreadsheet imported (the same service as ``rosterhub rooms import``).

Reading needs only to see the school; changing needs district IT or the school's own admin
(support reads). A room of a school the token may not see answers 404 like an unknown id.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from hub import limits
from hub.access import visible_room
from hub.api.deps import HubDep, PrincipalDep
from hub.api.errors import ErrorOut, error_responses
from hub.api.scope import visible_school
from hub.rooms import imports, queries, starter, store, template
from hub.tokens import DISTRICT_IT, SCHOOL_ADMIN

router = APIRouter(tags=["rooms"])

CHANGERS = (DISTRICT_IT, SCHOOL_ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Restriction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    who: str = Field(max_length=32)
    room: str | None = Field(default=None, max_length=16)
    teacher: str | None = Field(default=None, max_length=320)


class Visibility(BaseModel):
    model_config = ConfigDict(extra="forbid")
    mode: str = Field(default="all", max_length=16)
    students: list[Annotated[str, Field(max_length=320)]] = Field(default=[], max_length=5000)


class RoomIn(BaseModel):
    """Any of a room's settings (the room shape's names); what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=200)
    number: str | None = Field(default=None, max_length=200)
    folder: str | None = Field(default=None, max_length=200)
    travel_type: str | None = Field(default=None, max_length=32)
    time_limit: int | None = None
    teachers: list[Annotated[str, Field(max_length=320)]] | None = Field(
        default=None, max_length=500
    )
    closest_rooms: list[Annotated[str, Field(max_length=200)]] | None = Field(
        default=None, max_length=500
    )
    counts_toward_limits: bool | None = None
    show_as_origin: bool | None = None
    max_capacity: int | None = None
    restriction_now: Restriction | None = None
    restriction_future: Restriction | None = None
    restrict_ending: list[Annotated[str, Field(max_length=32)]] | None = Field(
        default=None, max_length=3
    )
    visibility: Visibility | None = None
    open: bool | None = None
    color: str | None = Field(default=None, max_length=32)
    icon: str | None = Field(default=None, max_length=32)


class RoomErrors(BaseModel):
    detail: str
    errors: dict[str, str]


def _invalid(exc: store.RoomInvalid) -> JSONResponse:
    return JSONResponse(
        {"detail": str(exc), "errors": exc.errors},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


def _settings(body: RoomIn) -> dict[str, Any]:
    return body.model_dump(exclude_unset=True)


@router.get(
    "/schools/{school_id}/rooms",
    summary="A school's rooms, in the school's order",
    responses=error_responses(404, 422),
)
def list_rooms(school_id: str, hub: HubDep, principal: PrincipalDep) -> JSONResponse:
    school = visible_school(hub, principal, school_id)
    return JSONResponse(queries.list_rooms(hub, school_id=school.id))


@router.post(
    "/schools/{school_id}/rooms",
    status_code=status.HTTP_201_CREATED,
    summary="Add a room (name, number, travel type, time limit required)",
    responses={**error_responses(403, 404, 413), 422: {"model": RoomErrors | ErrorOut}},
)
def create_room(school_id: str, body: RoomIn, hub: HubDep, principal: PrincipalDep) -> Response:
    school = visible_school(hub, principal, school_id)
    principal.require(*CHANGERS)
    try:
        doc = store.create_room(
            hub, school_id=school.id, data=_settings(body), actor=principal.as_actor()
        )
    except store.RoomInvalid as exc:
        return _invalid(exc)
    return JSONResponse(doc, status_code=status.HTTP_201_CREATED)


@router.get(
    "/rooms/template.xlsx",
    summary="The rooms import template",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def rooms_template(principal: PrincipalDep) -> Response:
    del principal
    return Response(
        template.template_bytes(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="rosterhub-rooms.xlsx"'},
    )


@router.get("/rooms/{room_id}", summary="One room", responses=error_responses(404, 422))
def get_room(room_id: str, hub: HubDep, principal: PrincipalDep) -> JSONResponse:
    room = visible_room(hub, principal, room_id)
    return JSONResponse(store.get_room(hub, room_id=room.id, actor=principal.as_actor()))


@router.patch(
    "/rooms/{room_id}",
    summary="Change a room's settings",
    responses={**error_responses(403, 404, 413), 422: {"model": RoomErrors | ErrorOut}},
)
def update_room(room_id: str, body: RoomIn, hub: HubDep, principal: PrincipalDep) -> Response:
    room = visible_room(hub, principal, room_id)
    principal.require(*CHANGERS)
    try:
        doc = store.update_room(
            hub, room_id=room.id, data=_settings(body), actor=principal.as_actor()
        )
    except store.RoomInvalid as exc:
        return _invalid(exc)
    return JSONResponse(doc)


@router.delete(
    "/rooms/{room_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete a room",
    responses=error_responses(403, 404, 422),
)
def delete_room(room_id: str, hub: HubDep, principal: PrincipalDep) -> Response:
    room = visible_room(hub, principal, room_id)
    principal.require(*CHANGERS)
    store.delete_room(hub, room_id=room.id, actor=principal.as_actor())
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/schools/{school_id}/rooms/starter-pack",
    summary="Add the rooms starter pack (dismiss=true: stop offering it)",
    responses=error_responses(403, 404, 422),
)
def starter_pack(
    school_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    dismiss: Annotated[bool, Query(description="Dismiss the offer; create nothing")] = False,
) -> dict[str, int]:
    school = visible_school(hub, principal, school_id)
    principal.require(*CHANGERS)
    action = starter.dismiss_starter_pack if dismiss else starter.add_starter_pack
    return action(hub, school_id=school.id, actor=principal.as_actor())


@router.post(
    "/schools/{school_id}/rooms/imports",
    summary="Import rooms from a spreadsheet (.xlsx, .xls, .ods, .csv)",
    responses={
        **error_responses(403, 404, 413),
        422: {"model": ErrorOut | dict[str, Any], "description": "Rejected: the import result"},
    },
)
def import_rooms(
    school_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="The rooms spreadsheet")],
    dry_run: Annotated[bool, Query(description="Validate and count; write nothing")] = False,
) -> JSONResponse:
    school = visible_school(hub, principal, school_id)
    principal.require(*CHANGERS)
    content = file.file.read(limits.MAX_FILE_BYTES + 1)
    if len(content) > limits.MAX_FILE_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"the file is over {limits.MAX_FILE_BYTES // limits.MB} MB; split it into smaller files",
        )
    filename = limits.sent_name(file.filename, "rooms")
    result = imports.process_rooms_file(
        hub,
        school_id=school.id,
        filename=filename,
        content=content,
        dry_run=dry_run,
        actor=principal.as_actor(),
    )
    code = status.HTTP_422_UNPROCESSABLE_CONTENT if result["status"] == "rejected" else 200
    return JSONResponse(result, status_code=code)
