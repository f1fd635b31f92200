"""Home: the signed-in school's onboarding checklist, each step with its live state."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hub import accounts, integrations, resync_requests, run_history
from hub.console.session import HereDep
from hub.console.web import ConsoleRoute, page
from hub.rooms import queries

router = APIRouter(route_class=ConsoleRoute)


def rostering(here: Any) -> dict[str, Any]:
    """The school's integrations (its own and the district ones feeding it), each with its
    latest run (read without plans) and that school's part of it. A district run spans other
    schools: only people who may see it get its link and its reason."""
    school = here.school
    found = integrations.list_integrations(here.hub, school_id=school.id) if school else []
    latest = run_history.latest_runs(here.hub, [i.id for i in found])
    titles = {cls.name: cls.title for cls in here.hub.registry}
    items = []
    for i in found:
        run = latest.get(i.id)
        items.append(
            {
                "row": i,
                "title": titles.get(i.provider, i.provider)
                + (" (district)" if i.district_id else ""),
                "run": run,
                "counts": run_history.school_part(run, school.id) if run else {},
                "open": here.principal.sees_integration(i),
            }
        )
    return {"integrations": items}


@router.get("")
@router.get("/")
def home(request: Request, here: HereDep) -> Response:
    school = here.school
    context: dict[str, Any] = {"nav": "home"}
    if school is not None:
        context.update(rostering(here))
        context["roles"] = accounts.role_counts(here.hub, school_id=school.id)
        rooms = queries.list_rooms(here.hub, school_id=school.id)
        context["rooms_count"] = len(rooms)
        context["rooms_unstaffed"] = [r["name"] for r in rooms if r["needs_teacher"]]
        context["open_request"] = next(
            iter(resync_requests.list_requests(here.hub, school_ids=frozenset({school.id}))),
            None,
        )
    return page(request, "home.html", context)
