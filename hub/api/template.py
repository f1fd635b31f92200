"""``GET /api/v1/template.xlsx``: the accounts spreadsheet template."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hub.api.deps import HubDep, PrincipalDep
from hub.uploads import upload_format

router = APIRouter(tags=["uploads"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/template.xlsx",
    summary="The accounts template (sheets Student, Teacher, Admin)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def template(_principal: PrincipalDep, hub: HubDep) -> Response:
    return Response(
        upload_format(hub).template(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="rosterhub-accounts.xlsx"'},
    )
