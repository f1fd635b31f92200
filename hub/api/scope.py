"""Look-ups that respect the caller's scope: 404 for unknown ids and for ids in a school the
token may not see (the two are indistinguishable on purpose)."""

from __future__ import annotations

from hub.api.deps import Principal, not_found
from hub.context import Hub
from hub.models import Integration, Run, School


def visible_school(hub: Hub, principal: Principal, school_id: str) -> School:
    with hub.session() as session:
        school = session.get(School, school_id)
    if school is None or not principal.sees_school(school.id):
        not_found("school", school_id)
    return school


def visible_integration(hub: Hub, principal: Principal, integration_id: str) -> Integration:
    with hub.session() as session:
        integration = session.get(Integration, integration_id)
    if integration is None or not principal.sees_school(integration.school_id):
        not_found("integration", integration_id)
    return integration


def visible_run(hub: Hub, principal: Principal, run_id: str) -> Run:
    with hub.session() as session:
        run = session.get(Run, run_id)
        school_id = None
        if run is not None:
            integration = session.get(Integration, run.integration_id)
            school_id = integration.school_id if integration is not None else None
    if run is None or school_id is None or not principal.sees_school(school_id):
        not_found("run", run_id)
    return run
