"""Property-based requests generated from the app's own OpenAPI schema (schemathesis): none
may produce a 5xx, nor a status the schema does not document for that route. Authenticated as
district IT, so the requests reach the route bodies."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from hub import tokens
from hub.api import create_app
from hub.context import Hub
from hub.integrations import create_integration
from hub.schools import create_school
from tests.service.helpers import with_fake_provider


@pytest.mark.timeout(120)
def test_no_generated_request_produces_a_server_error(sqlite_hub: Hub) -> None:
    hub = with_fake_provider(sqlite_hub)
    school = create_school(hub, name="Fuzz Elementary", actor="test")
    create_integration(
        hub, school_id=school.id, provider="fake", settings={}, secrets={}, actor="test"
    )
    token = tokens.create_token(hub, role="district_it", actor="test")[1]
    app = create_app(hub, worker=False, scheduler=False)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    headers = {"Authorization": f"Bearer {token}"}
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) >= 15

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), database=None
        )
        def fuzz(case: schemathesis.Case) -> None:
            case.call_and_validate(
                headers=headers, checks=[not_a_server_error, status_code_conformance]
            )

        fuzz()
