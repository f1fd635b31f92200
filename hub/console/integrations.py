"""Integrations: connect Clever and ClassLink (Google has its consent flow in
:mod:`hub.console.google`), test a connection, edit who is synced, settings, preview, sync now.

District IT connects and edits; support may view, test, preview and sync; school admins see
their school's integrations and may ask support for a resync.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, Response

from hub import access, integrations
from hub.access import OPERATORS, WRITERS
from hub.console.home import rostering
from hub.console.provider_forms import FORMS, ProviderForm, field_of, friendly
from hub.console.session import Here, HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import Integration
from hub.runs import RunRequest, submit

router = APIRouter(route_class=ConsoleRoute)

COMMON_DEFAULTS = {"schedule": "23:00 America/New_York", "max_deactivate_percent": "10"}


def _integration(here: Here, integration_id: str) -> Integration:
    return access.visible_integration(here.hub, here.principal, integration_id)


def _form(provider: str) -> ProviderForm:
    form = FORMS.get(provider)
    if form is None:
        raise HTTPException(
            404, detail=f"The console has no form for '{provider}'; use the command line."
        )
    return form


@router.get("/integrations")
def list_page(request: Request, here: HereDep) -> Response:
    here.need_school()
    context: dict[str, Any] = {
        "nav": "integrations",
        "can_connect": here.principal.may(*WRITERS),
        "can_operate": here.principal.may(*OPERATORS),
        "google_ready": bool(here.hub.settings.google_client_id),
    }
    context.update(rostering(here))
    return page(request, "integrations.html", context)


# -- connecting Clever and ClassLink ---------------------------------------------------------


def _connect_page(
    request: Request,
    form: ProviderForm,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return page(
        request,
        "connect.html",
        {"nav": "integrations", "form": form, "values": values, "errors": errors},
        status=status,
    )


@router.get("/integrations/new/{provider}")
def connect_form(request: Request, here: HereDep, provider: str) -> Response:
    here.need_school()
    here.principal.require(*WRITERS)
    form = _form(provider)
    if form.name == "gsuite":
        return redirect(console_path("/integrations", school=here.school_id))
    return _connect_page(request, form, {i.key: i.default for i in form.inputs}, {})


def split_values(form: ProviderForm, raw: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """(settings, secrets) from a submitted form; empty secrets are left out (keep stored)."""
    settings: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for item in form.inputs:
        value = str(raw.get(item.key) or "").strip()
        if item.checkbox:
            value = "true" if raw.get(item.key) else "false"
        if item.secret:
            if value:
                secrets[item.key] = value
        else:
            settings[item.key] = value
    return settings, secrets


def required_missing(
    form: ProviderForm, settings: dict[str, str], secrets: dict[str, str], stored: set[str]
) -> dict[str, str]:
    errors = {}
    for item in form.inputs:
        if not item.required:
            continue
        given = secrets.get(item.key) if item.secret else settings.get(item.key)
        if not given and item.key not in stored:
            errors[item.key] = f"Enter the {item.label[0].lower() + item.label[1:]}"
    return errors


@router.post("/integrations/new/{provider}")
async def connect(request: Request, here: HereDep, provider: str) -> Response:
    raw = dict((await request.form()).items())
    check_csrf(request, str(raw.get("csrf_token") or ""))
    school = here.need_school()
    here.principal.require(*WRITERS)
    form = _form(provider)
    settings, secrets = split_values(form, raw)
    shown = dict(settings)
    errors = required_missing(form, settings, secrets, set())
    if errors:
        return _connect_page(request, form, shown, errors, status=400)
    try:
        created = integrations.create_integration(
            here.hub,
            school_id=school.id,
            provider=form.name,
            settings={k: v for k, v in settings.items() if v},
            secrets=secrets,
            actor=here.principal.actor,
        )
    except UsageError as exc:
        return _connect_page(request, form, shown, {field_of(exc, form): friendly(exc)}, status=400)
    flash(
        request,
        here.visitor,
        f"{form.title} is connected. Test the connection, then choose who to sync.",
    )
    return redirect(console_path("/integrations", school=created.school_id))


# -- test, preview, sync -----------------------------------------------------------------------


@router.post("/integrations/{integration_id}/test")
def test_connection(
    request: Request,
    here: HereDep,
    integration_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    integration = _integration(here, integration_id)
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
    integration = _integration(here, integration_id)
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
    return redirect(console_path(f"/runs/{run.id}", school=integration.school_id))


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


# -- edit accounts syncing ---------------------------------------------------------------------


def _picks(
    form: ProviderForm, integration: Integration, sources: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each pick list with its choices (what check sees, plus anything chosen it no longer
    sees, so saving never drops a selection silently)."""
    found = []
    for pick in form.picks:
        chosen = _chosen(integration.settings.get(pick.setting))
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


def _chosen(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value if str(v).strip()]
    return [part.strip() for part in str(value or "").split(",") if part.strip()]


def _syncing_page(
    request: Request,
    here: Here,
    integration: Integration,
    *,
    error: str | None = None,
    status: int = 200,
) -> Response:
    form = _form(integration.provider)
    result = integrations.check_integration(here.hub, integration.id)
    sources = result.get("sources") or []
    return page(
        request,
        "syncing.html",
        {
            "nav": "integrations",
            "integration": integration,
            "title": form.title,
            "form": form,
            "check": result,
            "lists": _picks(form, integration, sources),
            "error": error,
        },
        status=status,
    )


@router.get("/integrations/{integration_id}/syncing")
def syncing_form(request: Request, here: HereDep, integration_id: str) -> Response:
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    return _syncing_page(request, here, integration)


@router.post("/integrations/{integration_id}/syncing")
async def save_syncing(request: Request, here: HereDep, integration_id: str) -> Response:
    submitted = await request.form()
    check_csrf(request, str(submitted.get("csrf_token") or ""))
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    form = _form(integration.provider)
    changes = {
        pick.setting: ",".join(str(v) for v in submitted.getlist(pick.setting) if str(v).strip())
        for pick in form.picks
    }
    try:
        integrations.update_integration(
            here.hub, integration.id, settings=changes, actor=here.principal.actor
        )
    except UsageError as exc:
        return _syncing_page(request, here, integration, error=friendly(exc), status=400)
    chosen = sum(1 for value in changes.values() if value)
    flash(
        request,
        here.visitor,
        f"Saved who {form.title} syncs. Preview to see who a sync would add and change."
        if chosen
        else f"Saved: {form.title} syncs everyone it can see.",
    )
    return redirect(console_path("/integrations", school=integration.school_id))


# -- settings ----------------------------------------------------------------------------------


def _settings_page(
    request: Request,
    here: Here,
    integration: Integration,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    form = _form(integration.provider)
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
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    form = _form(integration.provider)
    values = {i.key: i.default for i in form.inputs if not i.secret}
    values.update(_current_values(integration))
    return _settings_page(request, here, integration, values, {})


@router.post("/integrations/{integration_id}/settings")
async def save_settings(request: Request, here: HereDep, integration_id: str) -> Response:
    raw = dict((await request.form()).items())
    check_csrf(request, str(raw.get("csrf_token") or ""))
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    form = _form(integration.provider)
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
    return redirect(console_path("/integrations", school=integration.school_id))
