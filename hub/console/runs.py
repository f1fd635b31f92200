"""Runs: the school's run history, and one run with its counts and issues. A preview (dry
run) lists person by person what a sync would do; a held run lists exactly who it would
deactivate, with Approve and Discard for support and district IT."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response

from hub import access, integrations, plans, run_history, runs
from hub.access import OPERATORS
from hub.console.paging import PAGE_SIZE, page_number, paging
from hub.console.session import HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.models import Integration
from hub.schools import get_school
from hub.tokens import SCHOOL_ADMIN

router = APIRouter(route_class=ConsoleRoute)

ENDED = ("succeeded", "failed", "held", "dry_run")
KIND_LABELS = {
    "created": "Created",
    "updated": "Updated",
    "reactivated": "Reactivated",
    "deactivated": "Deactivated",
    "skipped": "Skipped",
}


@router.get("/runs")
def history(
    request: Request,
    here: HereDep,
    page_: Annotated[int | None, Query(alias="page", ge=1, le=1_000_000)] = None,
) -> Response:
    school = here.need_school()
    number = page_number(page_)
    total, found = run_history.runs_page(
        here.hub,
        school_ids=[school.id],
        district_runs=here.principal.role != SCHOOL_ADMIN,
        offset=(number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    pages = paging(number, total, lambda n: console_path("/runs", school=school.id, page=n))
    titles = _titles(here)
    providers = {
        i.id: i.provider for i in integrations.list_integrations(here.hub, school_id=school.id)
    }
    rows = [
        {
            "run": run,
            "title": titles.get(providers.get(run.integration_id, ""), ""),
            "counts": run_history.school_part(run, school.id),
        }
        for run in found
    ]
    return page(request, "runs.html", {"nav": "runs", "rows": rows, "paging": pages})


def _titles(here: HereDep) -> dict[str, str]:
    return {cls.name: cls.title for cls in here.hub.registry}


@router.get("/runs/{run_id}")
def detail(
    request: Request,
    here: HereDep,
    run_id: str,
    kind: Annotated[str, Query(max_length=16)] = "",
    page_: Annotated[int | None, Query(alias="page", ge=1, le=1_000_000)] = None,
    issues_page: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    run = access.visible_run(here.hub, here.principal, run_id)
    with here.hub.session() as session:
        integration = session.get(Integration, run.integration_id)
    assert integration is not None  # visible_run found its school through it
    if integration.school_id is not None and (
        here.school is None or here.school.id != integration.school_id
    ):
        here.school = get_school(here.hub, integration.school_id)
        request.state.here = here
    doc = runs.run_json(here.hub, run)
    view = plans.plan_view(run) if run.status in ("dry_run", "held") else None
    totals = {k: view.total(k) for k in plans.KINDS} if view else {}
    if run.status == "held":
        kind = kind if kind in plans.KINDS else "deactivated"
    else:
        kind = (
            kind
            if kind in plans.KINDS
            else next((k for k in plans.KINDS if totals.get(k)), "created")
        )
    number = page_number(page_)

    def link(n: int) -> str:
        return console_path(f"/runs/{run.id}", school=integration.school_id, kind=kind, page=n)

    changes_paging = paging(number, totals.get(kind, 0), link)
    changes = (
        plans.changes(here.hub, view, kind, offset=changes_paging.offset, limit=PAGE_SIZE)
        if view
        else []
    )
    issues = doc["issues"]
    issues_paging = paging(
        page_number(issues_page),
        len(issues),
        lambda n: console_path(
            f"/runs/{run.id}", school=integration.school_id, kind=kind, page=number, issues_page=n
        ),
    )
    return page(
        request,
        "run.html",
        {
            "nav": "runs",
            "run": run,
            "doc": doc,
            "integration": integration,
            "title": _titles(here).get(integration.provider, integration.provider),
            "view": view,
            "totals": totals,
            "kind": kind,
            "kinds": KIND_LABELS,
            "changes": changes,
            "changes_paging": changes_paging,
            "issues": issues[issues_paging.offset : issues_paging.offset + PAGE_SIZE],
            "issues_paging": issues_paging,
            "can_decide": here.principal.may(*OPERATORS),
            "refresh": run.status not in ENDED,
            "school_names": {s.id: s.name for s in here.schools},
        },
    )


@router.post("/runs/{run_id}/approve")
def approve(
    request: Request,
    here: HereDep,
    run_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    run = access.visible_run(here.hub, here.principal, run_id)
    here.principal.require(*OPERATORS)
    done = runs.approve(here.hub, run.id, actor=here.principal.actor)
    flash(
        request,
        here.visitor,
        "Approved: the run is applied."
        if done.status == "succeeded"
        else f"Approving failed: {done.error}",
    )
    return redirect(console_path(f"/runs/{run.id}"))


@router.post("/runs/{run_id}/discard")
def discard(
    request: Request,
    here: HereDep,
    run_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    run = access.visible_run(here.hub, here.principal, run_id)
    here.principal.require(*OPERATORS)
    plans.discard(here.hub, run.id, actor=here.principal.actor)
    flash(request, here.visitor, "Discarded: nothing was applied. The next sync plans afresh.")
    return redirect(console_path(f"/runs/{run.id}"))
