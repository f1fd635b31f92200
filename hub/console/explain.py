"""Why is this person here (the accounts table's "Why?"), Undo on a run page (support and
district IT), and the school's Audit page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from hub import access, audit, undo
from hub.access import OPERATORS
from hub.console.session import HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.explain import explain

router = APIRouter(route_class=ConsoleRoute)

AUDIT_SHOWN = 200
CONFLICTS_NAMED = 5


@router.get("/accounts/why")
def why(request: Request, here: HereDep, email: Annotated[str, Query(max_length=320)]) -> Response:
    school = here.need_school()
    restricted = here.principal.schools is not None
    answer = explain(here.hub, email=email, school_id=school.id, restricted=restricted)
    return page(request, "why.html", {"nav": "accounts", "answer": answer})


@router.post("/runs/{run_id}/undo")
def undo_run(
    request: Request,
    here: HereDep,
    run_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    force: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    run = access.visible_run(here.hub, here.principal, run_id)
    here.principal.require(*OPERATORS)
    try:
        done = undo.undo(here.hub, run.id, actor=here.principal.as_actor(), force=bool(force))
    except undo.UndoConflicts as exc:
        named = ", ".join(
            f"{c.email} ({c.what}, by {c.changed_by})" for c in exc.conflicts[:CONFLICTS_NAMED]
        )
        more = len(exc.conflicts) - CONFLICTS_NAMED
        extra = f" and {more} more" if more > 0 else ""
        flash(
            request,
            here.visitor,
            f"Not undone: {exc}. Changed again since: {named}{extra}. Tick "
            "“Put back the rest” to undo everything else.",
        )
        return redirect(console_path(f"/runs/{run.id}"))
    assert done.run is not None
    flash(request, here.visitor, f"Undo queued as run {done.run.id}.")
    return redirect(console_path(f"/runs/{done.run.id}"))


@router.get("/audit")
def audit_page(request: Request, here: HereDep) -> Response:
    school = here.need_school()
    with here.hub.session() as session:
        events = audit.events(session, school_ids=frozenset({school.id}), limit=AUDIT_SHOWN)
    return page(request, "audit.html", {"nav": "audit", "events": events})
