"""Support's side of the chat window without the chat app: the school admins' conversations,
each readable in full, with a reply box whose answer appears in the admin's window."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, Response

from hub.access import OPERATORS
from hub.chat import store, window
from hub.console.session import HereDep, check_csrf
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import ChatConversation
from hub.schools import list_schools

router = APIRouter(route_class=ConsoleRoute)


def agent_name(email: str) -> str:
    """A staff member's first name for the window, from their email (``sam.lee@…`` → Sam)."""
    local = email.split("@", 1)[0]
    first = local.replace("_", ".").replace("-", ".").split(".", 1)[0]
    return first.capitalize() or "Support"


def _visible(here: HereDep, conversation_id: str) -> ChatConversation:
    here.principal.require(*OPERATORS)
    try:
        conversation = store.get_conversation(here.hub, conversation_id[:64])
    except UsageError:
        conversation = None
    if conversation is None or not here.principal.sees_school(conversation.school_id):
        raise HTTPException(404, detail="There is no such conversation.")
    return conversation


@router.get("/conversations")
def conversations(request: Request, here: HereDep) -> Response:
    here.principal.require(*OPERATORS)
    rows = store.conversations(here.hub, here.principal.schools)
    names = {s.id: s.name for s in list_schools(here.hub)}
    return page(
        request, "conversations.html", {"nav": "conversations", "rows": rows, "names": names}
    )


@router.get("/conversations/{conversation_id}")
def conversation(request: Request, here: HereDep, conversation_id: str) -> Response:
    row = _visible(here, conversation_id)
    names = {s.id: s.name for s in list_schools(here.hub)}
    window.refresh(here.hub, row)
    return page(
        request,
        "conversation.html",
        {
            "nav": "conversations",
            "conversation": row,
            "school_name": names.get(row.school_id, row.school_id),
            "lines": store.lines(here.hub, row.id),
        },
    )


@router.post("/conversations/{conversation_id}/replies")
def reply(
    request: Request,
    here: HereDep,
    conversation_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    text: Annotated[str, Form(max_length=store.MAX_TEXT)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    row = _visible(here, conversation_id)
    if not text.strip():
        raise HTTPException(400, detail="Type a reply first.")
    window.agent_said(here.hub, row, name=agent_name(here.visitor.email), text=text.strip())
    return redirect(console_path(f"/conversations/{row.id}"))
