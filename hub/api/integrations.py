"""Integrations: a school connected to a provider. Secrets go in, never come out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field, SecretStr

from hub import integrations, runs
from hub.access import visible_district
from hub.api.deps import OPERATORS, WRITERS, HubDep, PrincipalDep
from hub.api.errors import error_responses
from hub.api.scope import visible_integration, visible_school
from hub.errors import UsageError
from hub.schema import IntegrationOut, RunOut, SettingValue
from hub.text import PlainText

router = APIRouter(tags=["integrations"])


class IntegrationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    school_id: PlainText | None = Field(default=None, min_length=1, max_length=64)
    district_id: PlainText | None = Field(
        default=None, min_length=1, max_length=64, description="A district integration's"
    )
    provider: PlainText = Field(min_length=1, max_length=64)
    settings: dict[str, SettingValue] = Field(default_factory=dict)
    secrets: dict[str, SecretStr] = Field(
        default_factory=dict, description="Encrypted at rest; never returned."
    )


class IntegrationPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    settings: dict[str, SettingValue] | None = Field(
        default=None, description="Changed settings; an empty value removes one."
    )
    secrets: dict[str, SecretStr] | None = Field(
        default=None, description="Changed secrets; an empty value removes one."
    )
    enabled: bool | None = None


def _plain(secrets: dict[str, SecretStr] | None) -> dict[str, str] | None:
    if secrets is None:
        return None
    return {key: value.get_secret_value() for key, value in secrets.items()}


@router.get("/integrations", summary="Integrations this token can see, with their last run")
def list_integrations(hub: HubDep, principal: PrincipalDep) -> list[IntegrationOut]:
    if principal.role == "school_admin":
        if principal.school_id is None:
            return []
        rows = integrations.list_integrations(hub, school_id=principal.school_id)
    elif principal.schools is not None:
        if principal.district_id is None:
            return []
        rows = integrations.list_integrations(hub, district_id=principal.district_id)
    else:
        rows = integrations.list_integrations(hub)
    return [
        integrations.integration_out(hub, row) for row in rows if principal.sees_integration(row)
    ]


@router.post(
    "/integrations",
    status_code=status.HTTP_201_CREATED,
    summary="Connect a school to a provider",
    responses=error_responses(403, 404, 413, 422),
)
def create_integration(body: IntegrationIn, hub: HubDep, principal: PrincipalDep) -> IntegrationOut:
    principal.require(*WRITERS)
    if (body.school_id is None) == (body.district_id is None):
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail="give school_id (one school) or district_id (a district integration)",
        )
    if body.school_id is not None:
        visible_school(hub, principal, body.school_id)
    if body.district_id is not None:
        visible_district(hub, principal, body.district_id)
    try:
        hub.registry.get(body.provider)
    except UsageError as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from None
    integration = integrations.create_integration(
        hub,
        school_id=body.school_id,
        district_id=body.district_id,
        provider=body.provider,
        settings=dict(body.settings),
        secrets=_plain(body.secrets) or {},
        actor=principal.actor,
    )
    return integrations.integration_out(hub, integration)


@router.get(
    "/integrations/{integration_id}",
    summary="One integration and its last run",
    responses=error_responses(404, 422),
)
def get_integration(integration_id: str, hub: HubDep, principal: PrincipalDep) -> IntegrationOut:
    integration = visible_integration(hub, principal, integration_id)
    return integrations.integration_out(hub, integration)


@router.patch(
    "/integrations/{integration_id}",
    summary="Change settings or secrets (district IT), or pause/resume (support too)",
    responses=error_responses(403, 404, 413, 422),
)
def update_integration(
    integration_id: str, body: IntegrationPatch, hub: HubDep, principal: PrincipalDep
) -> IntegrationOut:
    integration = visible_integration(hub, principal, integration_id)
    if body.settings is not None or body.secrets is not None:
        principal.require(*WRITERS)
    else:
        principal.require(*OPERATORS)
    updated = integrations.update_integration(
        hub,
        integration.id,
        settings=dict(body.settings) if body.settings is not None else None,
        secrets=_plain(body.secrets),
        enabled=body.enabled,
        actor=principal.actor,
    )
    return integrations.integration_out(hub, updated)


@router.delete(
    "/integrations/{integration_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an integration (its accounts stay)",
    responses=error_responses(403, 404, 409, 422),
)
def delete_integration(integration_id: str, hub: HubDep, principal: PrincipalDep) -> None:
    integration = visible_integration(hub, principal, integration_id)
    principal.require(*WRITERS)
    try:
        integrations.delete_integration(hub, integration.id, actor=principal.actor)
    except UsageError as exc:
        if "queued or running" in str(exc):
            raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from None
        raise


@router.post(
    "/integrations/{integration_id}/sync",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Queue a sync (answers the run already queued or running, if any)",
    responses=error_responses(403, 404, 422),
)
def sync(
    integration_id: str,
    hub: HubDep,
    principal: PrincipalDep,
    dry_run: bool = Query(False, description="Compute counts and issues; write nothing"),
    full: bool = Query(False, description="Read the whole roster even when incremental"),
    force: bool = Query(False, description="Apply even if a safeguard would hold the run"),
) -> RunOut:
    integration = visible_integration(hub, principal, integration_id)
    principal.require(*OPERATORS)
    request = runs.RunRequest(
        integration.id,
        trigger="api",
        dry_run=dry_run,
        full=full,
        force=force,
        actor=principal.actor,
    )
    run = runs.submit(hub, request).run
    return runs.run_out(hub, run)


@router.post(
    "/integrations/{integration_id}/check",
    summary="Test the credentials and list what the provider lets the hub see",
    responses=error_responses(403, 404, 422),
)
def check(integration_id: str, hub: HubDep, principal: PrincipalDep) -> dict[str, Any]:
    integration = visible_integration(hub, principal, integration_id)
    principal.require(*OPERATORS)
    return integrations.check_integration(hub, integration.id)
