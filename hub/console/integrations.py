"""Integrations: connect Clever and ClassLink (Google has its consent flow in
:mod:`hub.console.google`), test a connection, edit who is synced, settings, preview, sync now.

District IT connects and edits; support may view, test, preview and sync; school admins see
their school's integrations and may ask support for a resync.

A district integration (:mod:`hub.console.districts` connects it and links its schools) goes
through the same pages: its settings, test, preview and sync are the integration's; its
"Edit accounts syncing" edits one linked school's selection (the school being looked at),
stored in that school's link exactly as ``rosterhub integration link`` stores it.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request, Response

from hub import access, districts, integrations
from hub.access import OPERATORS, WRITERS
from hub.console.home import rostering
from hub.console.provider_forms import FORMS, ProviderForm, field_of, friendly
from hub.console.session import Here, HereDep, check_csrf, flash
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.errors import UsageError
from hub.models import Integration, School
from hub.runs import RunRequest, submit

router = APIRouter(route_class=ConsoleRoute)

COMMON_DEFAULTS = {"schedule": "23:00 America/New_York", "max_deactivate_percent": "10"}


def _integration(here: Here, integration_id: str) -> Integration:
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


def form_of(provider: str) -> ProviderForm:
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


# -- connecting Clever and ClassLink ---------------------------------------------------------


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


# -- edit accounts syncing ---------------------------------------------------------------------


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
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    return _syncing_page(request, here, integration)


@router.post("/integrations/{integration_id}/syncing")
async def save_syncing(request: Request, here: HereDep, integration_id: str) -> Response:
    submitted = await request.form()
    check_csrf(request, str(submitted.get("csrf_token") or ""))
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    form = form_of(integration.provider)
    changes = {
        pick.setting: ",".join(str(v) for v in submitted.getlist(pick.setting) if str(v).strip())
        for pick in form.picks
    }
    chosen = sum(1 for value in changes.values() if value)
    if integration.district_id is not None:
        return _save_link(request, here, integration, form, changes)
    try:
        integrations.update_integration(
            here.hub, integration.id, settings=changes, actor=here.principal.actor
        )
    except UsageError as exc:
        return _syncing_page(request, here, integration, error=friendly(exc), status=400)
    flash(
        request,
        here.visitor,
        f"Saved who {form.title} syncs. Preview to see who a sync would add and change."
        if chosen
        else f"Saved: {form.title} syncs everyone it can see.",
    )
    return redirect(console_path("/integrations", school=integration.school_id))


def _save_link(
    request: Request,
    here: Here,
    integration: Integration,
    form: ProviderForm,
    changes: dict[str, str],
) -> Response:
    """A district integration's selection for one school: its link, as ``integration link``
    makes it (a link needs a selection; "Unlink" stops feeding the school)."""
    school = _linked_school(here, integration)
    if not any(changes.values()):
        error = (
            f"Choose at least one to feed {school.name}, or use Unlink on the "
            "Link schools page to stop feeding it."
        )
        return _syncing_page(request, here, integration, error=error, status=400)
    try:
        districts.link_school(
            here.hub, integration.id, school=school, settings=changes, actor=here.principal.actor
        )
    except UsageError as exc:
        return _syncing_page(request, here, integration, error=friendly(exc), status=400)
    flash(
        request,
        here.visitor,
        f"Saved who {form.title} syncs into {school.name}. Preview to see who a sync would "
        "add and change.",
    )
    return redirect(links_page_path(integration, school.id))


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
    integration = _integration(here, integration_id)
    here.principal.require(*WRITERS)
    form = form_of(integration.provider)
    values = {i.key: i.default for i in form.inputs if not i.secret}
    values.update(_current_values(integration))
    return _settings_page(request, here, integration, values, {})


@router.post("/integrations/{integration_id}/settings")
async def save_settings(request: Request, here: HereDep, integration_id: str) -> Response:
    raw = dict((await request.form()).items())
    check_csrf(request, str(raw.get("csrf_token") or ""))
    integration = _integration(here, integration_id)
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
