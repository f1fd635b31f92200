"""Connecting Clever and ClassLink: the connect form shaped like the provider's own set-up
steps, for one school or for a whole district (:mod:`hub.console.districts`). The values go to
:func:`hub.integrations.create_integration` as ``--set``/``--secret`` would."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from hub import integrations
from hub.access import WRITERS
from hub.console.provider_forms import (
    ProviderForm,
    field_of,
    form_of,
    friendly,
    required_missing,
    split_values,
)
from hub.console.session import Here, HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import School

router = APIRouter(route_class=ConsoleRoute)


def connect_page(
    request: Request,
    form: ProviderForm,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    owner: str,
    action: str,
    back: str,
    district: bool = False,
    status: int = 200,
) -> Response:
    """The connect form of a provider, for a school or a district (``owner`` names it)."""
    return page(
        request,
        "connect.html",
        {
            "nav": "integrations",
            "form": form,
            "values": values,
            "errors": errors,
            "owner": owner,
            "action": action,
            "back": back,
            "district": district,
        },
        status=status,
    )


def connect_defaults(form: ProviderForm) -> dict[str, str]:
    return {i.key: i.default for i in form.inputs}


@router.get("/integrations/new/{provider}")
def connect_form(request: Request, here: HereDep, provider: str) -> Response:
    here.need_school()
    here.principal.require(*WRITERS)
    form = form_of(provider)
    if form.name == "gsuite":
        return redirect(console_path("/integrations", school=here.school_id))
    return connect_page(request, form, connect_defaults(form), {}, **_school_target(here, form))


def _school_target(here: Here, form: ProviderForm) -> dict[str, Any]:
    school = here.need_school()
    return {
        "owner": school.name,
        "action": console_path(f"/integrations/new/{form.name}", school=school.id),
        "back": console_path("/integrations", school=school.id),
    }


@router.post("/integrations/new/{provider}")
async def connect(request: Request, here: HereDep, provider: str) -> Response:
    raw = dict((await request.form()).items())
    check_csrf(request, str(raw.get("csrf_token") or ""))
    school = here.need_school()
    here.principal.require(*WRITERS)
    form = form_of(provider)
    return create_from_form(request, here, form, raw, school=school)


def create_from_form(
    request: Request,
    here: Here,
    form: ProviderForm,
    raw: dict[str, Any],
    *,
    school: School | None = None,
    district: Any = None,
) -> Response:
    """Connect a school (or a district) from a submitted connect form: the values go to
    :func:`hub.integrations.create_integration` as ``--set``/``--secret`` would; an error
    goes back against its field, with the secrets never echoed."""
    target = _school_target(here, form) if school is not None else district_target(district, form)
    settings, secrets = split_values(form, raw)
    shown = dict(settings)
    errors = required_missing(form, settings, secrets, set())
    if errors:
        return connect_page(request, form, shown, errors, status=400, **target)
    try:
        created = integrations.create_integration(
            here.hub,
            school_id=school.id if school is not None else None,
            district_id=district.id if district is not None else None,
            provider=form.name,
            settings={k: v for k, v in settings.items() if v},
            secrets=secrets,
            actor=here.principal.actor,
        )
    except UsageError as exc:
        errors = {field_of(exc, form): friendly(exc)}
        return connect_page(request, form, shown, errors, status=400, **target)
    if district is not None:
        flash(
            request,
            here.visitor,
            f"{form.title} is connected for {district.name}. Test the connection, then link "
            "the district's schools.",
        )
        return redirect(console_path(f"/integrations/{created.id}/links", school=here.school_id))
    flash(
        request,
        here.visitor,
        f"{form.title} is connected. Test the connection, then choose who to sync.",
    )
    return redirect(console_path("/integrations", school=created.school_id))


def district_target(district: Any, form: ProviderForm) -> dict[str, Any]:
    """Where a district's connect form posts and returns to."""
    return {
        "district": True,
        "owner": district.name,
        "action": console_path(f"/districts/{district.id}/integrations/new/{form.name}"),
        "back": console_path(f"/districts/{district.id}"),
    }
