"""Errors leave as JSON with the right status; nothing unexpected leaks a stack trace."""

from __future__ import annotations

import pytest

from hub import schools
from hub.errors import HubError, ProviderError
from tests.api.conftest import District


def test_an_unexpected_exception_is_a_bare_json_500(
    district: District, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(*_a: object, **_k: object) -> None:
        msg = "boom with sekrit-internal detail"
        raise RuntimeError(msg)

    monkeypatch.setattr(schools, "list_schools", explode)
    response = district.client.get("/api/v1/schools", headers=district.as_(district.district_it))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert set(response.json()) == {"detail"}
    assert "sekrit" not in response.text and "Traceback" not in response.text
    assert "RuntimeError" in caplog.text  # the operator's log has it


@pytest.mark.parametrize(
    ("error", "code"),
    [(ProviderError("the provider refused the token"), 502), (HubError("database is down"), 500)],
)
def test_hub_errors_map_to_statuses(
    district: District, monkeypatch: pytest.MonkeyPatch, error: HubError, code: int
) -> None:
    def fail(*_a: object, **_k: object) -> None:
        raise error

    monkeypatch.setattr(schools, "list_schools", fail)
    response = district.client.get("/api/v1/schools", headers=district.as_(district.district_it))
    assert response.status_code == code
    assert response.json() == {"detail": str(error)}


def test_unknown_routes_and_methods_are_json(district: District) -> None:
    h = district.as_(district.district_it)
    missing = district.client.get("/api/v1/nothing-here", headers=h)
    assert missing.status_code == 404 and "detail" in missing.json()
    wrong = district.client.put("/api/v1/schools", headers=h)
    assert wrong.status_code == 405 and "detail" in wrong.json()
