"""A district's connections: connect Clever, ClassLink or Google Workspace once for the whole
district, link each of its schools to its part of the provider, and see the district runs
with each school's counts.

The connect form, the settings, the test, Preview and Sync now are the one-school pages of
:mod:`hub.console.integrations`, given the district instead of a school; "Edit accounts
syncing" of a linked school is the same page too, editing that school's link. Linking goes
through :func:`hub.districts.link_school`, the same rule as ``rosterhub integration link``
and ``PUT /api/v1/integrations/{id}/links/{school}``. Who may see what is
:mod:`hub.access`'s: a district-scoped user reaches only their district, and a school admin
no district page at all.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, Response

from hub import access, districts, integrations, run_history
from hub.access import OPERATORS, WRITERS
from hub.console.connect import connect_defaults, connect_page, create_from_form, district_target
from hub.console.provider_forms import Pick, ProviderForm, form_of, friendly
from hub.console.session import Here, HereDep, check_csrf, flash
from hub.console.syncing import links_page_path
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import District, Integration, School
from hub.schools import list_schools

router = APIRouter(route_class=ConsoleRoute)

RECENT_RUNS = 5
NOUNS = {
    "schools": ("Clever school", "Clever schools"),
    "orgs": ("org", "orgs"),
    "student_ous": ("student OU", "student OUs"),
    "teacher_ous": ("teacher OU", "teacher OUs"),
    "admin_ous": ("admin OU", "admin OUs"),
    "student_groups": ("student group", "student groups"),
    "teacher_groups": ("teacher group", "teacher groups"),
    "admin_groups": ("admin group", "admin groups"),
}


def _fed_by(chosen: dict[str, Any]) -> str:
    """A link's selection in a few words ("2 Clever schools", "1 student OU, 1 teacher OU")."""
    parts = []
    for key, value in chosen.items():
        count = len(districts.selection_values(value))
        one, many = NOUNS.get(key, (key, key))
        parts.append(f"{count} {one if count == 1 else many}")
    return ", ".join(parts)


def _schools_of(here: Here, district: District) -> list[School]:
    return [
        s
        for s in list_schools(here.hub, district_id=district.id)
        if here.principal.sees_school(s.id)
    ]


def _look_at_district(
    request: Request, here: Here, district: District, schools: list[School]
) -> None:
    """Pages of a district show one of its schools as the school being looked at (so the
    navigation stays in the district), unless one of them is chosen already."""
    if schools and (here.school is None or here.school.district_id != district.id):
        here.school = schools[0]
        request.state.here = here


def _district_integration(here: Here, integration_id: str) -> tuple[Integration, District]:
    integration = access.visible_integration(here.hub, here.principal, integration_id)
    if integration.district_id is None:
        raise HTTPException(
            404,
            detail="This integration belongs to one school; only a district integration links schools.",
        )
    return integration, access.visible_district(here.hub, here.principal, integration.district_id)


def _titles(here: Here) -> dict[str, str]:
    return {cls.name: cls.title for cls in here.hub.registry}


# -- the district page -------------------------------------------------------------------------


@router.get("/districts/{district_id}")
def district_page(request: Request, here: HereDep, district_id: str) -> Response:
    district = access.visible_district(here.hub, here.principal, district_id)
    schools = _schools_of(here, district)
    _look_at_district(request, here, district, schools)
    names = {s.id: s.name for s in schools}
    found = [
        i
        for i in integrations.list_integrations(here.hub, district_id=district.id)
        if i.district_id == district.id
    ]
    latest = run_history.latest_runs(here.hub, [i.id for i in found])
    titles = _titles(here)
    items = []
    for integration in found:
        run = latest.get(integration.id)
        links = districts.links_of(here.hub, integration.id)
        _total, recent = run_history.runs_page(
            here.hub, integration_id=integration.id, limit=RECENT_RUNS
        )
        items.append(
            {
                "row": integration,
                "title": titles.get(integration.provider, integration.provider),
                "run": run,
                "links": [
                    {
                        "school": school_id,
                        "name": names.get(school_id, school_id),
                        "fed": _fed_by(chosen),
                        "counts": run_history.school_part(run, school_id) if run else None,
                    }
                    for school_id, chosen in sorted(
                        links.items(), key=lambda pair: names.get(pair[0], pair[0])
                    )
                ],
                "recent": recent,
            }
        )
    return page(
        request,
        "district.html",
        {
            "nav": "district",
            "district": district,
            "district_schools": schools,
            "items": items,
            "can_connect": here.principal.may(*WRITERS),
            "can_operate": here.principal.may(*OPERATORS),
            "google_ready": bool(here.hub.settings.google_client_id),
        },
    )


# -- connecting the district -------------------------------------------------------------------


def _connectable(here: Here, district_id: str, provider: str) -> tuple[District, ProviderForm]:
    district = access.visible_district(here.hub, here.principal, district_id)
    here.principal.require(*WRITERS)
    return district, form_of(provider)


@router.get("/districts/{district_id}/integrations/new/{provider}")
def connect_form(request: Request, here: HereDep, district_id: str, provider: str) -> Response:
    district, form = _connectable(here, district_id, provider)
    if form.name == "gsuite":
        return redirect(console_path(f"/districts/{district.id}"))
    return connect_page(
        request, form, connect_defaults(form), {}, **district_target(district, form)
    )


@router.post("/districts/{district_id}/integrations/new/{provider}")
async def connect(request: Request, here: HereDep, district_id: str, provider: str) -> Response:
    raw = dict((await request.form()).items())
    check_csrf(request, str(raw.get("csrf_token") or ""))
    district, form = _connectable(here, district_id, provider)
    return create_from_form(request, here, form, raw, district=district)


# -- linking schools ---------------------------------------------------------------------------


def _picks_for(form: ProviderForm, kind: str) -> list[Pick]:
    return [pick for pick in form.picks if kind in pick.kinds]


def _links_context(
    here: Here, integration: Integration, district: District, form: ProviderForm
) -> dict[str, Any]:
    """The district's schools with what feeds each, and what the provider shows (from
    ``check``) with the schools each source feeds."""
    check = integrations.check_integration(here.hub, integration.id)
    sources = list(check.get("sources") or [])
    links = districts.links_of(here.hub, integration.id)
    schools = _schools_of(here, district)
    names = {s.id: s.name for s in schools}
    by_id = {str(s["id"]).lower(): s for s in sources}
    rows = []
    for school in schools:
        chosen = links.get(school.id)
        parts = []
        for pick in form.picks:
            for value in districts.selection_values((chosen or {}).get(pick.setting)):
                source = by_id.get(value.lower())
                parts.append(
                    {
                        "legend": pick.legend,
                        "name": source["name"] if source else value,
                        "id": value,
                        "unseen": source is None,
                    }
                )
        rows.append({"school": school, "linked": chosen is not None, "parts": parts})
    offered = []
    for source in sources:
        picks = _picks_for(form, str(source.get("kind")))
        if not picks:
            continue
        feeds = [
            {"name": names.get(school_id, school_id), "legend": pick.legend}
            for school_id, chosen in links.items()
            for pick in picks
            if str(source["id"]).lower()
            in {v.lower() for v in districts.selection_values(chosen.get(pick.setting))}
        ]
        offered.append({"source": source, "picks": picks, "feeds": feeds})
    return {
        "nav": "district",
        "integration": integration,
        "district": district,
        "title": form.title,
        "form": form,
        "check": check,
        "rows": rows,
        "offered": offered,
        "kind_label": _kind_label(form),
        "can_connect": here.principal.may(*WRITERS),
    }


def _kind_label(form: ProviderForm) -> str:
    return {"clever": "Clever schools", "classlink": "ClassLink orgs"}.get(
        form.name, "Organizational units and groups"
    )


def _links_page(
    request: Request,
    here: Here,
    integration: Integration,
    district: District,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    context = _links_context(here, integration, district, form_of(integration.provider))
    _look_at_district(request, here, district, [row["school"] for row in context["rows"]])
    context["error"] = error
    return page(request, "links.html", context, status=status)


@router.get("/integrations/{integration_id}/links")
def links_page(request: Request, here: HereDep, integration_id: str) -> Response:
    integration, district = _district_integration(here, integration_id)
    here.principal.require(*OPERATORS)
    return _links_page(request, here, integration, district)


@router.post("/integrations/{integration_id}/links")
def link(
    request: Request,
    here: HereDep,
    integration_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    source: Annotated[str, Form(max_length=500)] = "",
    setting: Annotated[str, Form(max_length=64)] = "",
    target: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Add one of the provider's schools (org, OU, group) to a school's link: the link is
    made if the school has none, and validated as ``integration link`` validates it."""
    check_csrf(request, csrf_token)
    integration, district = _district_integration(here, integration_id)
    here.principal.require(*WRITERS)
    form = form_of(integration.provider)
    if not target.strip():
        return _links_page(
            request,
            here,
            integration,
            district,
            error="Choose the school to link it to.",
            status=400,
        )
    school = access.visible_school(here.hub, here.principal, target.strip())
    settings = {pick.setting for pick in form.picks}
    if setting not in settings or not source.strip():
        return _links_page(
            request, here, integration, district, error="Choose what to link.", status=400
        )
    chosen = dict(districts.links_of(here.hub, integration.id).get(school.id) or {})
    values = districts.selection_values(chosen.get(setting))
    if source.strip().lower() not in {v.lower() for v in values}:
        values.append(source.strip())
    chosen[setting] = ",".join(values)
    try:
        districts.link_school(
            here.hub, integration.id, school=school, settings=chosen, actor=here.principal.actor
        )
    except UsageError as exc:
        return _links_page(request, here, integration, district, error=friendly(exc), status=400)
    flash(request, here.visitor, f"{school.name} is linked. Preview to see who a sync would add.")
    return redirect(links_page_path(integration, here.school_id))


@router.post("/integrations/{integration_id}/links/{school_id}/unlink")
def unlink(
    request: Request,
    here: HereDep,
    integration_id: str,
    school_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    deactivate: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Stop feeding a school: its accounts stay (as manual) unless "deactivate" is ticked."""
    check_csrf(request, csrf_token)
    integration, district = _district_integration(here, integration_id)
    here.principal.require(*WRITERS)
    school = access.visible_school(here.hub, here.principal, school_id)
    try:
        done = districts.unlink_school(
            here.hub,
            integration.id,
            school=school,
            deactivate=bool(deactivate),
            actor=here.principal.actor,
        )
    except UsageError as exc:
        return _links_page(request, here, integration, district, error=friendly(exc), status=400)
    flash(
        request,
        here.visitor,
        f"{school.name} is no longer fed by this integration; "
        + (
            f"{done['deactivated']} of its synced accounts were deactivated."
            if deactivate
            else "its accounts stay as they are (now manual)."
        ),
    )
    return redirect(links_page_path(integration, here.school_id))
