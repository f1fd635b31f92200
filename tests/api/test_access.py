"""Who may do what: bearer tokens, roles, and a school admin confined to its own school."""

from __future__ import annotations

import re

import pytest
from sqlmodel import func, select

from hub.models import Integration, Run, School, Upload
from hub.runs import RunRequest, submit
from tests.api.conftest import District

EVERY_ROUTE = [
    ("GET", "/api/v1/plugins"),
    ("GET", "/api/v1/schools"),
    ("POST", "/api/v1/schools"),
    ("GET", "/api/v1/schools/{school}"),
    ("GET", "/api/v1/integrations"),
    ("POST", "/api/v1/integrations"),
    ("GET", "/api/v1/integrations/{integration}"),
    ("PATCH", "/api/v1/integrations/{integration}"),
    ("DELETE", "/api/v1/integrations/{integration}"),
    ("POST", "/api/v1/integrations/{integration}/sync"),
    ("POST", "/api/v1/integrations/{integration}/check"),
    ("GET", "/api/v1/runs"),
    ("GET", "/api/v1/runs/{run}"),
    ("POST", "/api/v1/runs/{run}/approve"),
    ("GET", "/api/v1/schools/{school}/accounts"),
    ("POST", "/api/v1/schools/{school}/uploads"),
    ("GET", "/api/v1/uploads/{run}"),
    ("GET", "/api/v1/uploads/{run}/credentials"),
    ("GET", "/api/v1/template.xlsx"),
    ("GET", "/api/v1/tokens"),
    ("POST", "/api/v1/tokens"),
    ("DELETE", "/api/v1/tokens/{run}"),
    ("GET", "/api/v1/schools/{school}/accounts/{run}/explain"),  # any email: refused first
    ("POST", "/api/v1/runs/{run}/undo"),
    ("GET", "/api/v1/audit"),
    ("GET", "/api/v1/districts"),
    ("POST", "/api/v1/districts"),
    ("GET", "/api/v1/districts/{run}"),
    ("PUT", "/api/v1/integrations/{integration}/links/{school}"),
    ("DELETE", "/api/v1/integrations/{integration}/links/{school}"),
    ("GET", "/api/v1/schools/{school}/rooms"),
    ("POST", "/api/v1/schools/{school}/rooms"),
    ("POST", "/api/v1/schools/{school}/rooms/starter-pack"),
    ("POST", "/api/v1/schools/{school}/rooms/imports"),
    ("GET", "/api/v1/rooms/template.xlsx"),
    ("GET", "/api/v1/rooms/{run}"),
    ("PATCH", "/api/v1/rooms/{run}"),
    ("DELETE", "/api/v1/rooms/{run}"),
]


def _path(template: str, district: District, run_id: str) -> str:
    return template.format(school=district.school_a, integration=district.integration_a, run=run_id)


def test_every_api_route_is_listed_here(district: District) -> None:
    """The table above is the whole API: a new route must be added to the auth tests."""

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path)

    listed = {(m, shape(p)) for m, p in EVERY_ROUTE}
    paths = district.client.get("/openapi.json").json()["paths"]
    served = {
        (method.upper(), shape(path))
        for path, operations in paths.items()
        if path.startswith("/api/v1")
        for method in operations
    }
    assert served == listed


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer rh_not-a-real-token"},
        {"Authorization": "Bearer "},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": "rh_no-scheme"},
    ],
    ids=["none", "unknown", "empty", "basic", "no-scheme"],
)
def test_every_route_refuses_a_missing_or_bad_token(district: District, headers: dict) -> None:
    run = submit(district.hub, RunRequest(integration_id=district.integration_a, trigger="api")).run
    before = _snapshot(district)
    for method, template in EVERY_ROUTE:
        response = district.client.request(
            method, _path(template, district, run.id), headers=headers
        )
        assert response.status_code == 401, (method, template, response.text)
        assert response.headers["www-authenticate"] == "Bearer"
        assert "detail" in response.json()
    assert _snapshot(district) == before


def test_health_needs_no_token(district: District) -> None:
    response = district.client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def _snapshot(district: District) -> tuple[int, ...]:
    with district.hub.session() as session:
        return tuple(
            session.exec(select(func.count()).select_from(table)).one()
            for table in (School, Integration, Run, Upload)
        )


def test_school_admin_sees_only_its_school(district: District) -> None:
    c, h = district.client, district.as_(district.admin_a)
    assert [s["id"] for s in c.get("/api/v1/schools", headers=h).json()] == [district.school_a]
    assert c.get(f"/api/v1/schools/{district.school_a}", headers=h).status_code == 200
    integrations = c.get("/api/v1/integrations", headers=h).json()
    assert [i["id"] for i in integrations] == [district.integration_a]


def test_school_admin_gets_404_for_every_other_school_object(district: District) -> None:
    hub, c, h = district.hub, district.client, district.as_(district.admin_a)
    other_run = submit(hub, RunRequest(integration_id=district.integration_b, trigger="api")).run
    before = _snapshot(district)
    b, ib = district.school_b, district.integration_b
    attempts = [
        ("GET", f"/api/v1/schools/{b}", None),
        ("GET", f"/api/v1/schools/{b}/accounts", None),
        ("GET", f"/api/v1/integrations/{ib}", None),
        ("PATCH", f"/api/v1/integrations/{ib}", {"enabled": False}),
        ("DELETE", f"/api/v1/integrations/{ib}", None),
        ("POST", f"/api/v1/integrations/{ib}/sync", None),
        ("POST", f"/api/v1/integrations/{ib}/check", None),
        ("GET", f"/api/v1/runs/{other_run.id}", None),
        ("POST", f"/api/v1/runs/{other_run.id}/approve", None),
        ("GET", f"/api/v1/runs?integration_id={ib}", None),
    ]
    for method, path, body in attempts:
        response = c.request(method, path, headers=h, json=body)
        assert response.status_code == 404, (method, path, response.text)
        text = response.text
        assert "Brook" not in text and "brook.example.org" not in text
    upload = c.post(
        f"/api/v1/schools/{b}/uploads",
        headers=h,
        files={"file": ("a.csv", b"Email,First Name,Last Name,Role\nx@y.org,X,Y,student\n")},
    )
    assert upload.status_code == 404
    assert _snapshot(district) == before
    listed = c.get("/api/v1/runs", headers=h).json()
    assert other_run.id not in {r["id"] for r in listed}
    with hub.session() as session:
        integration = session.get(Integration, ib)
        assert integration is not None and integration.enabled


def test_unknown_ids_and_other_schools_answer_alike(district: District) -> None:
    c, h = district.client, district.as_(district.admin_a)
    unknown = c.get("/api/v1/integrations/int_doesnotexist", headers=h)
    other = c.get(f"/api/v1/integrations/{district.integration_b}", headers=h)
    assert unknown.status_code == other.status_code == 404
    assert unknown.json()["detail"].startswith("unknown integration")
    assert other.json()["detail"].startswith("unknown integration")


def test_school_admin_cannot_operate_its_own_integration(district: District) -> None:
    c, h = district.client, district.as_(district.admin_a)
    ia = district.integration_a
    assert c.post(f"/api/v1/integrations/{ia}/sync", headers=h).status_code == 403
    assert (
        c.patch(f"/api/v1/integrations/{ia}", headers=h, json={"enabled": False}).status_code == 403
    )
    assert c.delete(f"/api/v1/integrations/{ia}", headers=h).status_code == 403
    created = c.post("/api/v1/schools", headers=h, json={"name": "Sneaky School"})
    assert created.status_code == 403


def test_support_reads_everything_but_creates_nothing(district: District) -> None:
    c, h = district.client, district.as_(district.support)
    assert len(c.get("/api/v1/schools", headers=h).json()) == 2
    assert len(c.get("/api/v1/integrations", headers=h).json()) == 2
    before = _snapshot(district)
    assert c.post("/api/v1/schools", headers=h, json={"name": "New"}).status_code == 403
    body = {"school_id": district.school_a, "provider": "fake", "settings": {}, "secrets": {}}
    assert c.post("/api/v1/integrations", headers=h, json=body).status_code == 403
    ia = district.integration_a
    secret = c.patch(f"/api/v1/integrations/{ia}", headers=h, json={"secrets": {"token": "x"}})
    assert secret.status_code == 403
    setting = c.patch(f"/api/v1/integrations/{ia}", headers=h, json={"settings": {"people": "1"}})
    assert setting.status_code == 403
    assert c.delete(f"/api/v1/integrations/{ia}", headers=h).status_code == 403
    upload = c.post(
        f"/api/v1/schools/{district.school_a}/uploads",
        headers=h,
        files={"file": ("a.csv", b"Email,First Name,Last Name,Role\nx@y.org,X,Y,student\n")},
    )
    assert upload.status_code == 403
    assert _snapshot(district) == before


def test_support_may_pause_resync_and_approve(district: District) -> None:
    c, h = district.client, district.as_(district.support)
    ia = district.integration_a
    sync = c.post(f"/api/v1/integrations/{ia}/sync", headers=h)
    assert sync.status_code == 202
    approve = c.post(f"/api/v1/runs/{sync.json()['id']}/approve", headers=h)
    assert approve.status_code == 422  # allowed, but a queued run is not held
    assert "not held" in approve.json()["detail"]
    paused = c.patch(
        f"/api/v1/integrations/{district.integration_b}", headers=h, json={"enabled": False}
    )
    assert paused.status_code == 200 and paused.json()["enabled"] is False
