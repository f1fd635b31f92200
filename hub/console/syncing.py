"""Edit accounts syncing: pick Clever schools, ClassLink orgs, or Google OUs and groups per
role from a searchable list of what ``check`` sees. For a one-school integration the picks are
its settings; for a district integration they are one linked school's selection (the school
being looked at), stored in that school's link exactly as ``rosterhub integration link``
stores it (:func:`hub.districts.link_school`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from fastapi import APIRouter, Request, Response

from hub import districts, integrations
from hub.access import WRITERS
from hub.console.integrations import home_of, visible
from hub.console.provider_forms import ProviderForm, form_of, friendly
from hub.console.session import Here, HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import Integration, School

router = APIRouter(route_class=ConsoleRoute)


def pick_lists(
    form: ProviderForm, current: dict[str, Any], sources: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each pick list with its choices (what check sees, plus anything chosen it no longer
    sees, so saving never drops a selection silently); ``current`` is the selection now (a
    one-school integration's settings, or a district link's)."""
    found = []
    for pick in form.picks:
        chosen = districts.selection_values(current.get(pick.setting))
        offered = [s for s in sources if s.get("kind") in pick.kinds]
        known = {str(s["id"]).lower() for s in offered}
        for value in chosen:
            if value.lower() not in known:
                offered.append(
                    {
                        "id": value,
                        "name": value,
                        "kind": pick.kinds[0],
                        "detail": "not seen by the last check",
                    }
                )
        found.append({"pick": pick, "chosen": {c.lower() for c in chosen}, "offered": offered})
    return found


def _linked_school(here: Here, integration: Integration) -> School:
    """The school whose link "Edit accounts syncing" edits on a district integration: the
    school being looked at, which must be one of the integration's district."""
    school = here.need_school()
    if school.district_id != integration.district_id:
        msg = (
            f"school '{school.name}' is not in this integration's district; pick one of the "
            "district's schools"
        )
        raise UsageError(msg)
    return school


def _selection(here: Here, integration: Integration) -> dict[str, Any]:
    if integration.district_id is None:
        return dict(integration.settings)
    school = _linked_school(here, integration)
    return districts.links_of(here.hub, integration.id).get(school.id, {})


def _syncing_page(
    request: Request,
    here: Here,
    integration: Integration,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    form = form_of(integration.provider)
    current = _selection(here, integration)
    result = integrations.check_integration(here.hub, integration.id)
    sources = result.get("sources") or []
    district = integration.district_id is not None
    return page(
        request,
        "syncing.html",
        {
            "nav": "integrations",
            "integration": integration,
            "title": form.title,
            "form": form,
            "check": result,
            "lists": pick_lists(form, current, sources),
            "error": error,
            "district": district,
            "back": links_page_path(integration, here.school_id)
            if district
            else home_of(integration),
        },
        status=status,
    )


def links_page_path(integration: Integration, school_id: str | None) -> str:
    return console_path(f"/integrations/{integration.id}/links", school=school_id)


@router.get("/integrations/{integration_id}/syncing")
def syncing_form(request: Request, here: HereDep, integration_id: str) -> Response:
    integration = visible(here, integration_id)
    here.principal.require(*WRITERS)
    return _syncing_page(request, here, integration)


@router.post("/integrations/{integration_id}/syncing")
async def save_syncing(request: Request, here: HereDep, integration_id: str) -> Response:
    submitted = await request.form()
    check_csrf(request, str(submitted.get("csrf_token") or ""))
    integration = visible(here, integration_id)
    here.principal.require(*WRITERS)
    form = form_of(integration.provider)
    changes = {
        pick.setting: ",".join(str(v) for v in submitted.getlist(pick.setting) if str(v).strip())
        for pick in form.picks
    }
    store: Callable[[], object]
    if integration.district_id is not None:
        # a district integration: the school's link, as 'integration link' makes it
        school = _linked_school(here, integration)
        if not any(changes.values()):
            error = (
                f"Choose at least one to feed {school.name}, or use Unlink on the "
                "Link schools page to stop feeding it."
            )
            return _syncing_page(request, here, integration, error=error, status=400)
        store = partial(
            districts.link_school,
            here.hub,
            integration.id,
            school=school,
            settings=changes,
            actor=here.principal.actor,
        )
        note = (
            f"Saved who {form.title} syncs into {school.name}. Preview to see who a sync "
            "would add and change."
        )
        done = links_page_path(integration, school.id)
    else:
        store = partial(
            integrations.update_integration,
            here.hub,
            integration.id,
            settings=changes,
            actor=here.principal.actor,
        )
        note = (
            f"Saved who {form.title} syncs. Preview to see who a sync would add and change."
            if any(changes.values())
            else f"Saved: {form.title} syncs everyone it can see."
        )
        done = console_path("/integrations", school=integration.school_id)
    try:
        store()
    except UsageError as exc:
        return _syncing_page(request, here, integration, error=friendly(exc), status=400)
    flash(request, here.visitor, note)
    return redirect(done)
