"""Resync requests: a school admin asks support to sync their school now; support (and
district IT) see the open requests here and approve (queue the runs) or dismiss them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response

from hub import resync_requests
from hub.access import OPERATORS
from hub.console.session import HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.schools import list_schools

router = APIRouter(route_class=ConsoleRoute)


@router.post("/resync-requests")
def ask(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    try:
        resync_requests.request_resync(
            here.hub, school_id=school.id, actor=here.principal.actor, note=note
        )
    except UsageError as exc:
        flash(request, here.visitor, str(exc))
    else:
        flash(
            request, here.visitor, "Support has your request and will sync your accounts shortly."
        )
    return redirect(console_path("", school=school.id))


@router.get("/resync-requests")
def listing(request: Request, here: HereDep) -> Response:
    here.principal.require(*OPERATORS)
    scope = here.principal.schools
    names = {s.id: s.name for s in list_schools(here.hub)}
    open_rows = resync_requests.list_requests(here.hub, school_ids=scope)
    recent = [
        row
        for row in resync_requests.list_requests(here.hub, school_ids=scope, status=None, limit=50)
        if row.status != resync_requests.OPEN
    ]
    return page(
        request,
        "requests.html",
        {"nav": "requests", "open_rows": open_rows, "recent": recent, "names": names},
    )


def _decide(
    request: Request, here: HereDep, request_id: str, csrf: str, *, approve: bool
) -> Response:
    check_csrf(request, csrf)
    here.principal.require(*OPERATORS)
    row = resync_requests.get_request(here.hub, request_id)
    if not here.principal.sees_school(row.school_id):
        msg = f"unknown resync request '{request_id}'"
        raise UsageError(msg)
    if approve:
        outcome = resync_requests.approve_request(here.hub, row.id, actor=here.principal.actor)
        queued = len(outcome["runs"])
        message = f"Approved: {queued} run{'s' if queued != 1 else ''} queued."
        if outcome["failures"]:
            message += " Not queued: " + "; ".join(outcome["failures"])
    else:
        resync_requests.dismiss_request(here.hub, row.id, actor=here.principal.actor)
        message = "Dismissed."
    flash(request, here.visitor, message)
    return redirect(console_path("/resync-requests"))


@router.post("/resync-requests/{request_id}/approve")
def approve(
    request: Request,
    here: HereDep,
    request_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    return _decide(request, here, request_id, csrf_token, approve=True)


@router.post("/resync-requests/{request_id}/dismiss")
def dismiss(
    request: Request,
    here: HereDep,
    request_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    return _decide(request, here, request_id, csrf_token, approve=False)
