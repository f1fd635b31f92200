"""``GET /api/v1/template.xlsx``: the accounts spreadsheet template."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from hub.api.deps import PrincipalDep

router = APIRouter(tags=["uploads"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/template.xlsx",
    summary="The accounts template (sheets Student, Teacher, Admin)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
)
def template(_principal: PrincipalDep) -> Response:
    from plugins.csv.template import template_bytes

    return Response(
        template_bytes(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="rosterhub-accounts.xlsx"'},
    )
