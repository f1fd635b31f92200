"""Bulk add standard accounts: the accounts spreadsheet, checked, previewed, then confirmed.

The same upload service as the CLI, the HTTP API and chat (validation, preview, confirm within
the hour, only by whoever uploaded it). Generated passwords are kept encrypted for ONE
download, by the same browser session that confirmed the upload.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Request, Response, UploadFile
from sqlalchemy import update
from sqlmodel import col

from hub import audit, limits
from hub import uploads as upload_service
from hub.console.accounts import ADDERS
from hub.console.session import HereDep, check_csrf
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import Upload
from hub.uploads import background

router = APIRouter(route_class=ConsoleRoute)

SHOWN_PROBLEMS = 200


def _owner(session_id: str) -> str:
    """What ties a passwords download to the browser session that made it."""
    return hashlib.sha256(f"console-session:{session_id}".encode()).hexdigest()


def _bulk_page(
    request: Request,
    *,
    result: dict[str, Any] | None = None,
    filename: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> Response:
    return page(
        request,
        "bulk.html",
        {
            "nav": "accounts",
            "result": result,
            "filename": filename,
            "error": error,
            "shown": SHOWN_PROBLEMS,
        },
        status=status,
    )


@router.get("/accounts/bulk")
def bulk_form(request: Request, here: HereDep) -> Response:
    here.need_school()
    here.principal.require(*ADDERS)
    return _bulk_page(request)


@router.post("/accounts/uploads")
def preview(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*ADDERS)
    if file is None or not file.filename:
        return _bulk_page(request, error="Choose the accounts spreadsheet to send", status=400)
    content = file.file.read(limits.MAX_FILE_BYTES + 1)
    if len(content) > limits.MAX_FILE_BYTES:
        return _bulk_page(
            request,
            error=f"The file is over {limits.MAX_FILE_BYTES // limits.MB} MB; split it into smaller files",
            status=413,
        )
    filename = limits.sent_name(file.filename, "upload")
    outcome = upload_service.preview_upload(
        here.hub,
        school_id=school.id,
        filename=filename,
        content=content,
        actor=here.principal.as_actor(),
    )
    result = dict(outcome.result)
    result["upload_id"] = outcome.upload_id
    code = 400 if result["status"] == "rejected" else 200
    return _bulk_page(request, result=result, filename=filename, status=code)


def _upload(here: Any, upload_id: str) -> Upload:
    with here.hub.session() as session:
        row = session.get(Upload, upload_id)
    if row is None or not here.principal.sees_school(row.school_id):
        raise HTTPException(404, detail="There is no such upload.")
    return row


@router.post("/accounts/uploads/{upload_id}/confirm")
def confirm(
    request: Request,
    here: HereDep,
    upload_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Apply the previewed file in the background (argon2 for thousands of rows takes
    minutes), waiting a few seconds for it; then the upload's page, which shows its progress
    until it is applied. The passwords are kept for the session that confirmed it."""
    visitor = check_csrf(request, csrf_token)
    here.principal.require(*ADDERS)
    row = _upload(here, upload_id)
    try:
        background.confirm_in_background(
            here.hub,
            upload_id=row.id,
            actor=here.principal.as_actor(),
            owner=_owner(visitor.session_id),
        )
    except UsageError as exc:
        return _bulk_page(request, error=str(exc), status=400)
    return redirect(console_path(f"/accounts/uploads/{row.id}", school=row.school_id))


@router.get("/accounts/uploads/{upload_id}")
def upload_page(request: Request, here: HereDep, upload_id: str) -> Response:
    """How a confirmed upload stands: its progress while applying (the page refreshes
    itself), then what it did, with the passwords download for the session that confirmed it."""
    here.principal.require(*ADDERS)
    row = _upload(here, upload_id)
    if row.status == upload_service.APPLYING:
        background.resume_stale(here.hub)  # its process died: take it over (or fail it) now
        row = _upload(here, upload_id)
    result = background.upload_json(row)
    mine = row.credentials_token_hash is not None and hmac.compare_digest(
        row.credentials_token_hash, _owner(here.visitor.session_id)
    )
    if row.credentials is not None and mine:
        result["passwords_url"] = console_path(
            f"/accounts/uploads/{row.id}/passwords", school=row.school_id
        )
    return _bulk_page(request, result=result, filename=row.filename)


@router.post("/accounts/uploads/{upload_id}/cancel")
def cancel(
    request: Request,
    here: HereDep,
    upload_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    here.principal.require(*ADDERS)
    row = _upload(here, upload_id)
    try:
        upload_service.cancel_upload(here.hub, upload_id=row.id, actor=here.principal.as_actor())
    except UsageError as exc:
        return _bulk_page(request, error=str(exc), status=400)
    return redirect(console_path("/accounts/bulk", school=row.school_id))


@router.get("/accounts/uploads/{upload_id}/passwords")
def passwords(request: Request, here: HereDep, upload_id: str) -> Response:
    """The generated passwords, once, to the session that confirmed the upload."""
    del request
    row = _upload(here, upload_id)
    owner = _owner(here.visitor.session_id)
    if (
        row.credentials is None
        or row.credentials_token_hash is None
        or not hmac.compare_digest(row.credentials_token_hash, owner)
    ):
        raise HTTPException(
            404, detail="These passwords were downloaded already (they can be downloaded once)."
        )
    data = here.hub.vault.decrypt(row.credentials)
    with here.hub.transaction() as session:
        taken = session.execute(
            update(Upload)
            .where(col(Upload.id) == row.id, col(Upload.credentials).is_not(None))
            .values(credentials=None, credentials_token_hash=None)
        )
        if taken.rowcount == 1:
            audit.record(
                session,
                actor=here.principal.actor,
                action="upload.credentials_downloaded",
                target=row.id,
                school_id=row.school_id,
            )
    if taken.rowcount != 1:
        raise HTTPException(404, detail="These passwords were downloaded already.")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{row.id}-passwords.csv"',
            "Cache-Control": "no-store",
        },
    )
