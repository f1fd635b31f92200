"""Set up Google Workspace: the consent flow's two ends (the button that leaves for Google,
the callback it comes back to) and the pages that say what to do when it did not work."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from hub import access, integrations
from hub.access import WRITERS
from hub.console import google_oauth
from hub.console.session import HereDep, check_csrf, flash, save_data
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.schools import get_school

router = APIRouter(route_class=ConsoleRoute)

PENDING_KEY = "google"


@router.post("/integrations/google/start")
def start(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    integration: Annotated[str, Form(max_length=64)] = "",
    district: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Leave for Google's consent page: for the school being looked at, for a district
    (``district``: a district integration, whose schools are linked afterwards), or to
    reconnect an existing integration (``integration``)."""
    visitor = check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*WRITERS)
    for_district = (
        access.visible_district(here.hub, here.principal, district).id if district else None
    )
    existing = None
    if integration:
        existing = access.visible_integration(here.hub, here.principal, integration)
        if existing.provider != "gsuite":
            msg = "only a Google Workspace integration can be reconnected with Google"
            raise UsageError(msg)
        if existing.school_id is not None:
            school = get_school(here.hub, existing.school_id)
    url, pending = google_oauth.start(
        here.hub.settings,
        school_id=school.id,
        integration_id=existing.id if existing else None,
        district_id=None if existing else for_district,
    )
    save_data(here.hub, visitor, **{PENDING_KEY: pending})
    return redirect(url)


def _problem(
    request: Request,
    problem: google_oauth.ConsentProblem,
    integration_id: str | None,
    district_id: str | None = None,
) -> Response:
    return page(
        request,
        "google_problem.html",
        {
            "nav": "integrations",
            "kind": problem.kind,
            "detail": problem.detail,
            "extra": problem.extra,
            "integration_id": integration_id,
            "district_id": district_id,
        },
        status=400,
    )


@router.get("/integrations/google/callback")
def callback(request: Request, here: HereDep) -> Response:
    visitor = here.visitor
    here.principal.require(*WRITERS)
    pending: dict[str, Any] | None = visitor.data.get(PENDING_KEY)
    if pending is not None:
        save_data(here.hub, visitor, **{PENDING_KEY: None})  # one use, whatever happens
        if here.principal.sees_school(pending.get("school_id")):
            here.school = get_school(here.hub, str(pending["school_id"]))
    integration_id = pending.get("integration_id") if pending else None
    district_id = pending.get("district_id") if pending else None
    try:
        consent = google_oauth.finish(here.hub.settings, pending, request.url.query)
    except google_oauth.ConsentProblem as problem:
        return _problem(request, problem, integration_id, district_id)
    assert pending is not None
    school = access.visible_school(here.hub, here.principal, str(pending["school_id"]))
    settings = {"customer": consent.customer_id}
    endpoint = here.hub.settings.google_directory_endpoint
    if endpoint != "https://admin.googleapis.com/":
        settings["api_endpoint"] = endpoint
    if integration_id:
        current = access.visible_integration(here.hub, here.principal, integration_id)
        known = str(current.settings.get("customer") or "my_customer")
        if known not in ("my_customer", consent.customer_id):
            other = google_oauth.ConsentProblem(
                google_oauth.WRONG_ACCOUNT,
                extra={"expected": known, "found": consent.customer_id, "domain": consent.domain},
            )
            return _problem(request, other, integration_id)
        target = integrations.update_integration(
            here.hub,
            current.id,
            settings=settings,
            secrets={"credentials": consent.credentials, "token": ""},
            actor=here.principal.actor,
        )
        note = f"Google Workspace is reconnected ({consent.domain or consent.customer_id})."
    else:
        for_district: str | None = None
        for_school: str | None = school.id
        note = (
            f"Google Workspace is connected ({consent.domain or consent.customer_id}). "
            "Now choose the organizational units for each account type."
        )
        if pending.get("district_id"):
            district = access.visible_district(
                here.hub, here.principal, str(pending["district_id"])
            )
            for_district, for_school = district.id, None
            note = (
                f"Google Workspace is connected for {district.name} "
                f"({consent.domain or consent.customer_id}). Now link each school to its "
                "organizational units and groups."
            )
        target = integrations.create_integration(
            here.hub,
            school_id=for_school,
            district_id=for_district,
            provider="gsuite",
            settings=settings,
            secrets={"credentials": consent.credentials},
            actor=here.principal.actor,
        )
    flash(request, visitor, note)
    if target.district_id is not None:
        return redirect(console_path(f"/integrations/{target.id}/links", school=school.id))
    return redirect(console_path(f"/integrations/{target.id}/syncing", school=target.school_id))
