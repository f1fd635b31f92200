"""The chat window's routes: a signed-in school admin's conversation with the assistant and
support, on every console page (the window itself is in ``layout.html`` and ``chat.js``).

Only a school admin has a window, and only for their own school; every route finds the
conversation from the session, never from an id in the request, so nobody reaches another
person's conversation or files. New lines reach the window by server-sent events
(``/chat/stream``), or by polling ``/chat/lines`` where those do not get through.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from hub import limits
from hub.chat import store, window
from hub.chat.queries import first_name
from hub.console.session import Signed, SignedDep, check_csrf
from hub.console.web import ConsoleRoute, console_path
from hub.context import Hub
from hub.errors import UsageError
from hub.models import ChatConversation
from hub.tokens import SCHOOL_ADMIN

router = APIRouter(route_class=ConsoleRoute)

STREAM_SECONDS = 20.0  # then the browser reconnects (EventSource does it by itself)
POLL_SECONDS = 1.0


def conversation_of(here: Signed) -> ChatConversation:
    """The visitor's own conversation at their own school (school admins only)."""
    principal = here.principal
    visitor = here.visitor
    school_id = principal.school_id
    if principal.role != SCHOOL_ADMIN or visitor.account_id is None or not school_id:
        raise HTTPException(404, detail="The chat window is for school admins.")
    if not principal.sees_school(school_id):
        raise HTTPException(404, detail="The chat window is for school admins.")
    return store.conversation_for(
        here.hub,
        school_id=school_id,
        account_id=visitor.account_id,
        email=visitor.email,
        name=lambda: first_name(here.hub, visitor.account_id),
    )


def _file_url(line: store.Line) -> str | None:
    if line.file is None or not line.file.available:
        return None
    return console_path(f"/chat/files/{line.file.id}")


def lines_json(hub: Hub, conversation: ChatConversation, after: int) -> list[dict[str, Any]]:
    window.refresh(hub, conversation)
    return [
        store.line_json(x, _file_url(x)) for x in store.lines(hub, conversation.id, after=after)
    ]


def _refused(exc: UsageError) -> JSONResponse:
    status = 429 if isinstance(exc, window.RateLimited) else 400
    return JSONResponse({"error": str(exc)}, status_code=status)


def _acted(
    here: Signed,
    conversation: ChatConversation,
    after: int,
    act: Callable[[ChatConversation], object],
) -> JSONResponse:
    """Do ``act`` in the conversation; the lines after ``after``, or the refusal."""
    try:
        act(conversation)
    except UsageError as exc:
        return _refused(exc)
    return _done(here.hub, conversation, after)


def _done(hub: Hub, conversation: ChatConversation, after: int) -> JSONResponse:
    return JSONResponse({"lines": lines_json(hub, conversation, after)})


@router.get("/chat/lines")
def lines(here: SignedDep, after: Annotated[int, Query(ge=0)] = 0) -> Response:
    conversation = conversation_of(here)
    return _done(here.hub, conversation, after)


@router.get("/chat/stream")
async def stream(
    request: Request, here: SignedDep, after: Annotated[int, Query(ge=0)] = 0
) -> Response:
    conversation = await run_in_threadpool(conversation_of, here)
    hub = here.hub
    header = request.headers.get("last-event-id", "")
    start = int(header) if header.isdigit() else after

    async def events() -> Any:
        last = start
        yield "retry: 1500\n\n"
        deadline = time.monotonic() + STREAM_SECONDS
        while time.monotonic() < deadline:
            if await request.is_disconnected():
                return
            fresh = await run_in_threadpool(lines_json, hub, conversation, last)
            for line in fresh:
                last = max(last, int(line["id"]))
                yield f"id: {line['id']}\nevent: line\ndata: {json.dumps(line)}\n\n"
            if not fresh:
                yield ": still here\n\n"
            await asyncio.sleep(POLL_SECONDS)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@router.post("/chat/begin")
def begin(
    request: Request,
    here: SignedDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    after: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(here, conversation_of(here), after, lambda c: window.begin(here.hub, c))


@router.post("/chat/messages")
def say(
    request: Request,
    here: SignedDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=store.MAX_TEXT + 100)] = "",
    after: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(here, conversation_of(here), after, lambda c: window.say(here.hub, c, text))


@router.post("/chat/choices")
def choose(
    request: Request,
    here: SignedDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    line: Annotated[int, Form(ge=1)] = 1,
    choice: Annotated[str, Form(max_length=64)] = "",
    value: Annotated[str, Form(max_length=200)] = "",
    after: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    check_csrf(request, csrf_token)
    return _acted(
        here,
        conversation_of(here),
        after,
        lambda c: window.choose(here.hub, c, line, choice, value),
    )


@router.post("/chat/uploads")
def send_file(
    request: Request,
    here: SignedDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    file: Annotated[UploadFile | None, File()] = None,
    after: Annotated[int, Form(ge=0)] = 0,
) -> Response:
    check_csrf(request, csrf_token)
    conversation = conversation_of(here)  # only a school admin's window: before reading
    if file is None or not file.filename:
        return JSONResponse({"error": "Choose the spreadsheet to send."}, status_code=400)
    content = file.file.read(limits.MAX_FILE_BYTES + 1)
    filename = limits.sent_name(file.filename, "upload")
    return _acted(
        here, conversation, after, lambda c: window.send_file(here.hub, c, filename, content)
    )


@router.get("/chat/files/{file_id}")
def download(here: SignedDep, file_id: str) -> Response:
    """A file the assistant offered in this conversation; passwords once only."""
    conversation = conversation_of(here)
    found = store.take_file(here.hub, conversation.id, file_id[:64])
    if found is None:
        raise HTTPException(
            404,
            detail="This file is not here any more (generated passwords can be downloaded once).",
        )
    filename, data = found
    safe = "".join(c for c in filename if c.isalnum() or c in "._- ")[:120] or "download"
    kind = "text/csv; charset=utf-8" if safe.endswith(".csv") else "application/octet-stream"
    return Response(
        data,
        media_type=kind,
        headers={
            "Content-Disposition": f'attachment; filename="{safe}"',
            "Cache-Control": "no-store",
        },
    )
