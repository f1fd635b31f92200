"""Signing in and out, and setting a password from an invite link."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from hub import invites, signin
from hub.console import session as sessions
from hub.console.web import PREFIX, ConsoleRoute, hub_of, page, redirect
from hub.errors import UsageError

router = APIRouter(route_class=ConsoleRoute)

NOTES = {
    "signed-out": "You are signed out.",
    "password-set": "Your password is set. Sign in with it now.",
}


def safe_next(target: str | None) -> str:
    """Only a console path (never another site) is a place to go after signing in."""
    if target and target.startswith(PREFIX) and not target.startswith("//") and "\\" not in target:
        return target
    return PREFIX


def _sign_in_page(
    request: Request,
    *,
    email: str = "",
    error: str | None = None,
    next_url: str | None = None,
    note: str | None = None,
    status: int = 200,
) -> Response:
    response = Response()
    token = sessions.form_token(request, response)
    answer = page(
        request,
        "sign_in.html",
        {
            "email": email,
            "error": error,
            "next": safe_next(next_url),
            "form_token": token,
            "note": NOTES.get(note or ""),
        },
        status=status,
    )
    for value in response.headers.getlist("set-cookie"):
        answer.headers.append("set-cookie", value)
    return answer


@router.get("/sign-in")
def sign_in_form(
    request: Request,
    next: Annotated[str | None, Query(max_length=500)] = None,  # noqa: A002
    note: Annotated[str | None, Query(max_length=40)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
) -> Response:
    if sessions.current_visitor(request) is not None:
        return redirect(safe_next(next))
    return _sign_in_page(request, next_url=next, note=note, email=email or "")


@router.post("/sign-in")
async def sign_in(
    request: Request,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=500)] = "",  # noqa: A002
) -> Response:
    sessions.check_form_token(request, form_token)
    hub = hub_of(request)
    address = request.client.host if request.client else ""
    try:
        wait = await run_in_threadpool(signin.check_lock, hub, email.strip().lower())
        if wait:
            await asyncio.sleep(wait)
        identity = await run_in_threadpool(
            signin.identify, hub, email=email, password=password, address=address
        )
    except signin.SignInRefused as exc:
        return _sign_in_page(
            request, email=email.strip(), error=str(exc), next_url=next, status=400
        )
    previous = sessions.current_visitor(request)
    if previous is not None:
        await run_in_threadpool(sessions.end_session, hub, previous.session_id)
    cookie = await run_in_threadpool(sessions.start_session, hub, identity)
    response = redirect(safe_next(next))
    sessions.set_session_cookie(request, response, cookie)
    return response


@router.post("/sign-out")
def sign_out(request: Request, csrf_token: Annotated[str, Form(max_length=100)] = "") -> Response:
    visitor = sessions.check_csrf(request, csrf_token)
    sessions.end_session(hub_of(request), visitor.session_id)
    response = redirect(f"{PREFIX}/sign-in?note=signed-out")
    sessions.clear_session_cookie(request, response)
    return response


def _invite_page(
    request: Request, token: str, *, error: str | None = None, status: int = 200
) -> Response:
    hub = hub_of(request)
    try:
        _invite, email = invites.pending_invite(hub, token)
    except UsageError as exc:
        return page(request, "invite.html", {"invalid": str(exc)}, status=404)
    response = Response()
    form = sessions.form_token(request, response)
    answer = page(
        request,
        "invite.html",
        {"email": email, "error": error, "form_token": form, "token": token},
        status=status,
    )
    for value in response.headers.getlist("set-cookie"):
        answer.headers.append("set-cookie", value)
    return answer


@router.get("/invite/{token}")
def invite_form(request: Request, token: str) -> Response:
    return _invite_page(request, token)


@router.post("/invite/{token}")
def invite_accept(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=200)] = "",
    confirm: Annotated[str, Form(max_length=200)] = "",
    form_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    sessions.check_form_token(request, form_token)
    hub = hub_of(request)
    try:
        email = invites.redeem_invite(hub, token, password=password, confirm=confirm)
    except UsageError as exc:
        return _invite_page(request, token, error=str(exc), status=400)
    from urllib.parse import urlencode

    return redirect(f"{PREFIX}/sign-in?" + urlencode({"note": "password-set", "email": email}))
