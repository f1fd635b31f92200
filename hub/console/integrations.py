"""Integrations: the school's integrations, test a connection, preview, sync now, settings.
Connecting is :mod:`hub.console.connect` (Google has its consent flow in
:mod:`hub.console.google`); who is synced is :mod:`hub.console.syncing`.

District IT connects and edits; support may view, test, preview and sync; school admins see
their school's integrations and may ask support for a resync. A district integration
(:mod:`hub.console.districts` connects it and links its schools) goes through the same pages.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request, Response

from hub import access, integrations
from hub.access import OPERATORS, WRITERS
from hub.console.home import rostering
from hub.console.provider_forms import field_of, form_of, friendly, required_missing, split_values
from hub.console.session import Here, HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import Integration
from hub.runs import RunRequest, submit

router = APIRouter(route_class=ConsoleRoute)


def visible(here: Here, integration_id: str) -> Integration:
    return access.visible_integration(here.hub, here.principal, integration_id)


def home_of(integration: Integration) -> str:
    """The page an integration is shown on: its school's Integrations, or its district's."""
    if integration.district_id is not None:
        return console_path(f"/districts/{integration.district_id}")
    return console_path("/integrations", school=integration.school_id)


def owner_name(here: Here, integration: Integration) -> str:
    """Whose integration this is, as people read it (a school's or a district's name)."""
    if integration.district_id is not None:
        return access.visible_district(here.hub, here.principal, integration.district_id).name
    school = access.visible_school(here.hub, here.principal, str(integration.school_id))
    return school.name


@router.get("/integrations")
def list_page(request: Request, here: HereDep) -> Response:
    here.need_school()
    context: dict[str, Any] = {
        "nav": "integrations",
        "can_connect": here.principal.may(*WRITERS),
        "can_operate": here.principal.may(*OPERATORS),
        "google_ready": bool(here.hub.settings.google_client_id),
        "district": _district_of(here),
    }
    context.update(rostering(here))
    return page(request, "integrations.html", context)


def _district_of(here: Here) -> Any:
    """The district of the school being looked at, for staff who may see it."""
    school = here.school
    if school is None or school.district_id is None:
        return None
    if not here.principal.sees_district(school.district_id):
        return None
    return access.visible_district(here.hub, here.principal, school.district_id)


# -- test, preview, sync -----------------------------------------------------------------------


@router.post("/integrations/{integration_id}/test")
def test_connection(
    request: Request,
    here: HereDep,
    integration_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    integration = visible(here, integration_id)
    here.principal.require(*OPERATORS)
    result = integrations.check_integration(here.hub, integration.id)
    return page(
        request,
        "test_result.html",
        {
            "nav": "integrations",
            "integration": integration,
            "title": _title(here, integration),
            "result": result,
            "can_edit": here.principal.may(*WRITERS),
            "back": home_of(integration),
        },
    )


def _title(here: Here, integration: Integration) -> str:
    try:
        return here.hub.registry.get(integration.provider).title
    except UsageError:
        return integration.provider


def _queue(
    request: Request, here: Here, integration_id: str, csrf: str, *, dry_run: bool
) -> Response:
    check_csrf(request, csrf)
    integration = visible(here, integration_id)
    here.principal.require(*OPERATORS)
    asked = RunRequest(
        integration_id=integration.id,
        trigger="manual",
        dry_run=dry_run,
        actor=here.principal.actor,
    )
    run = submit(here.hub, asked).run
    if run.dry_run != dry_run:
        flash(request, here.visitor, "A run of this integration was already under way; here it is.")
    return redirect(console_path(f"/runs/{run.id}", school=integration.school_id or here.school_id))


@router.post("/integrations/{integration_id}/preview")
def preview(
    request: Request,
    here: HereDep,
    integration_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    return _queue(request, here, integration_id, csrf_token, dry_run=True)


@router.post("/integrations/{integration_id}/sync")
def sync_now(
    request: Request,
    here: HereDep,
    integration_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    return _queue(request, here, integration_id, csrf_token, dry_run=False)


# -- settings ----------------------------------------------------------------------------------


def _settings_page(
    request: Request,
    here: Here,
    integration: Integration,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    form = form_of(integration.provider)
    stored = set(integrations.integration_json(here.hub, integration)["secrets_set"])
    return page(
        request,
        "settings.html",
        {
            "nav": "integrations",
            "integration": integration,
            "form": form,
            "values": values,
            "errors": errors,
            "stored": stored,
            "owner": owner_name(here, integration),
            "back": home_of(integration),
        },
        status=status,
    )


def _current_values(integration: Integration) -> dict[str, Any]:
    values: dict[str, Any] = {k: ("" if v is None else v) for k, v in integration.settings.items()}
    values.update(
        schedule=integration.schedule,
        max_deactivate_percent=f"{integration.max_deactivate_percent:g}",
        admin_implies_teacher=integration.admin_implies_teacher,
        enabled=integration.enabled,
    )
    return values


@router.get("/integrations/{integration_id}/settings")
def settings_form(request: Request, here: HereDep, integration_id: str) -> Response:
    integration = visible(here, integration_id)
    here.principal.require(*WRITERS)
    form = form_of(integration.provider)
    values = {i.key: i.default for i in form.inputs if not i.secret}
    values.update(_current_values(integration))
    return _settings_page(request, here, integration, values, {})


@router.post("/integrations/{integration_id}/settings")
async def save_settings(request: Request, here: HereDep, integration_id: str) -> Response:
    raw = dict((await request.form()).items())
    check_csrf(request, str(raw.get("csrf_token") or ""))
    integration = visible(here, integration_id)
    here.principal.require(*WRITERS)
    form = form_of(integration.provider)
    settings, secrets = split_values(form, raw)
    settings["schedule"] = str(raw.get("schedule") or "").strip() or "off"
    settings["max_deactivate_percent"] = str(raw.get("max_deactivate_percent") or "").strip()
    settings["admin_implies_teacher"] = "true" if raw.get("admin_implies_teacher") else "false"
    enabled = bool(raw.get("enabled"))
    values: dict[str, Any] = dict(settings)
    values["enabled"] = enabled
    values["admin_implies_teacher"] = bool(raw.get("admin_implies_teacher"))
    stored = set(integrations.integration_json(here.hub, integration)["secrets_set"])
    errors = required_missing(form, settings, secrets, stored)
    if not settings["max_deactivate_percent"]:
        errors["max_deactivate_percent"] = "Enter a percentage from 0 to 100"
    if errors:
        return _settings_page(request, here, integration, values, errors, status=400)
    try:
        integrations.update_integration(
            here.hub,
            integration.id,
            settings=settings,
            secrets=secrets or None,
            enabled=enabled,
            actor=here.principal.actor,
        )
    except UsageError as exc:
        return _settings_page(
            request, here, integration, values, {field_of(exc, form): friendly(exc)}, status=400
        )
    flash(request, here.visitor, f"Saved the {form.title} settings.")
    return redirect(home_of(integration))
