"""The OpenAPI document lists, for every route, the errors it can answer, each with the
``{"detail": ...}`` model the API really sends."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import District

# Routes that refuse a change that conflicts with the current state (409).
CONFLICTS = {
    ("post", "/api/v1/schools"),  # the name is taken
    ("post", "/api/v1/districts"),  # the name is taken
    ("delete", "/api/v1/integrations/{integration_id}"),  # a run is queued or running
    ("post", "/api/v1/runs/{run_id}/undo"),  # later changes conflict; a run is queued
}
# Reads that only some roles may make (403); every change is limited to some roles.
RESTRICTED_READS = {("get", "/api/v1/tokens")}
ERROR_MODEL = "#/components/schemas/ErrorOut"


def _operations(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in doc["paths"].items()
        if path.startswith("/api/v1")
        for method, operation in operations.items()
    ]


def _expected(method: str, path: str, operation: dict[str, Any]) -> set[str]:
    codes = {"401"}
    if "{" in path:
        codes.add("404")
    if "requestBody" in operation:
        codes |= {"413", "422"}
    if operation.get("parameters") or "requestBody" in operation:
        codes.add("422")
    if method != "get" or (method, path) in RESTRICTED_READS:
        codes.add("403")
    if (method, path) in CONFLICTS:
        codes.add("409")
    return codes


def _refs(schema: dict[str, Any]) -> set[str]:
    found = {schema["$ref"]} if "$ref" in schema else set()
    for option in schema.get("anyOf", []):
        found |= _refs(option)
    return found


@pytest.fixture
def document(district: District) -> dict[str, Any]:
    doc: dict[str, Any] = district.client.get("/openapi.json").json()
    return doc


def test_every_route_declares_the_errors_that_apply(document: dict[str, Any]) -> None:
    operations = _operations(document)
    missing = {
        f"{method.upper()} {path}": sorted(_expected(method, path, op) - set(op["responses"]))
        for method, path, op in operations
        if _expected(method, path, op) - set(op["responses"])
    }
    assert missing == {}
    assert len(operations) >= 21
    for method, path, _op in operations:
        assert (method, path) in CONFLICTS or "409" not in _op["responses"], (method, path)


def test_every_error_answer_uses_the_detail_model(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        for code, response in operation["responses"].items():
            if not code.startswith(("4", "5")):
                continue
            assert code != "400", f"{method} {path}: the API answers 422, never 400"
            schema = response["content"]["application/json"]["schema"]
            assert ERROR_MODEL in _refs(schema), (method, path, code)
            assert response["description"], (method, path, code)
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's model, not what the API sends
    detail = schemas["ErrorOut"]["properties"]["detail"]
    assert schemas["ErrorOut"]["required"] == ["detail"]
    assert {"string", "array"} == {option["type"] for option in detail["anyOf"]}


def test_an_invalid_time_zone_is_422(district: District) -> None:
    response = district.client.post(
        "/api/v1/schools",
        headers=district.as_(district.district_it),
        json={"name": "Mars Base Elementary", "timezone": "Mars/Olympus_Mons"},
    )
    assert response.status_code == 422
    assert "unknown time zone" in response.json()["detail"]
