"""Spreadsheet uploads through the API, and the one-time download of generated passwords.

Validation and applying are the upload service's (:mod:`hub.uploads`), exactly as for ``rosterhub import`` and chat. Generated
passwords never appear in the upload result: they are stored encrypted with the SHA-256 of
the uploading token, downloadable once by that same token, and erased by the download.
"""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, UploadFile, status
from fastapi.responses import JSONResponse, Response
from sqlalchemy import update
from sqlmodel import col

from hub import audit, limits
from hub.api.deps import HubDep, PrincipalDep, not_found
from hub.api.errors import ErrorOut, error_responses
from hub.api.scope import visible_school
from hub.memory import give_back
from hub.models import Upload
from hub.tokens import DISTRICT_IT, SCHOOL_ADMIN
from hub.uploads import APPLYING, FAILED, REJECTED, background, process_upload

router = APIRouter(tags=["uploads"])

CSV_TYPE = "text/csv; charset=utf-8"


def credentials_url(upload_id: str) -> str:
    return f"/api/v1/uploads/{upload_id}/credentials"


@router.post(
    "/schools/{school_id}/uploads",
    summary="Upload an accounts spreadsheet (.xlsx, .xls, .ods, .csv)",
    responses={
        **error_responses(403, 404, 413),
        422: {
            "model": ErrorOut | dict[str, Any],
            "description": "Rejected: the upload result, with its errors (sheet, row, column); "
            "or an invalid request (`detail`)",
        },
    },
)
def upload(
    school_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    file: Annotated[UploadFile, File(description="The spreadsheet")],
    dry_run: Annotated[bool, Query(description="Validate and count; write nothing")] = False,
) -> JSONResponse:
    school = visible_school(hub, principal, school_id)
    principal.require(DISTRICT_IT, SCHOOL_ADMIN)
    content = file.file.read(limits.MAX_FILE_BYTES + 1)
    if len(content) > limits.MAX_FILE_BYTES:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            detail=f"the file is over {limits.MAX_FILE_BYTES // limits.MB} MB; split it into smaller files",
        )
    filename = limits.sent_name(file.filename, "upload")
    try:
        if dry_run:
            outcome = process_upload(
                hub,
                school_id=school.id,
                filename=filename,
                content=content,
                dry_run=True,
                actor=principal.as_actor(),
            )
            upload_id = outcome.upload_id
        else:  # applied on a thread; answered when done, or with its progress after ~10 s
            upload_id = background.start_apply(
                hub,
                school_id=school.id,
                filename=filename,
                content=content,
                actor=principal.as_actor(),
                owner=principal.token_hash,
            )
    finally:
        del content
        give_back()  # a large file's rows are gone; so is the memory that held them
    return _answer(hub, principal, upload_id)


def _answer(hub: Any, principal: Any, upload_id: str) -> JSONResponse:
    with hub.session() as session:
        row = session.get(Upload, upload_id)
    if row is None or not principal.sees_school(row.school_id):
        not_found("upload", upload_id)
    result = background.upload_json(row)
    if row.status == APPLYING:
        return JSONResponse(result, status_code=status.HTTP_202_ACCEPTED)
    result["credentials_file"] = None
    mine = row.credentials_token_hash is not None and hmac.compare_digest(
        row.credentials_token_hash, principal.token_hash
    )
    result["credentials_url"] = credentials_url(row.id) if row.credentials and mine else None
    code = {REJECTED: 422, FAILED: 409}.get(row.status, 200)
    return JSONResponse(result, status_code=code)


@router.get(
    "/uploads/{upload_id}",
    summary="An upload: its progress while applying, then its result",
    responses=error_responses(404, 422),
)
def get_upload(upload_id: str, hub: HubDep, principal: PrincipalDep) -> JSONResponse:
    with hub.session() as session:
        row = session.get(Upload, upload_id)
    if row is None or not principal.sees_school(row.school_id):
        not_found("upload", upload_id)
    if row.status == APPLYING:
        background.resume_stale(hub)  # its process died: take it over (or fail it) now
    answer = _answer(hub, principal, upload_id)
    answer.status_code = 200  # the document says how the upload stands
    return answer


@router.get(
    "/uploads/{upload_id}/credentials",
    summary="Download the generated passwords of an upload, once, with the uploading token",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}}, **error_responses(404, 422)},
)
def download_credentials(upload_id: str, hub: HubDep, principal: PrincipalDep) -> Response:
    with hub.session() as session:
        row = session.get(Upload, upload_id)
    if (
        row is None
        or not principal.sees_school(row.school_id)
        or row.credentials is None
        or row.credentials_token_hash is None
        or not hmac.compare_digest(row.credentials_token_hash, principal.token_hash)
    ):
        not_found("credentials download", upload_id)
    data = hub.vault.decrypt(row.credentials)
    with hub.transaction() as session:
        taken = session.execute(
            update(Upload)
            .where(col(Upload.id) == row.id, col(Upload.credentials).is_not(None))
            .values(credentials=None, credentials_token_hash=None)
        )
        if taken.rowcount == 1:
            audit.record(
                session,
                actor=principal.actor,
                action="upload.credentials_downloaded",
                target=row.id,
                school_id=row.school_id,
            )
    if taken.rowcount != 1:  # another request downloaded it a moment ago
        not_found("credentials download", upload_id)
    return Response(
        data,
        media_type=CSV_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}-credentials.csv"',
            "Cache-Control": "no-store",
        },
    )
