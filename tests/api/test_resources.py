"""The resources through the API as district IT uses them: schools, integrations, runs,
accounts. Secrets go in and never come out."""

from __future__ import annotations

import json

from hub.runs import execute_run
from tests.api.conftest import District

SECRET = "sekrit-NEVER-ECHO-4711"


def test_create_and_list_schools(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    made = c.post(
        "/api/v1/schools", headers=h, json={"name": "  Cedar   High ", "timezone": "America/Denver"}
    )
    assert made.status_code == 201
    assert made.json() == {
        "id": made.json()["id"],
        "name": "Cedar High",
        "timezone": "America/Denver",
        "district_id": None,
    }
    names = [s["name"] for s in c.get("/api/v1/schools", headers=h).json()]
    assert names == sorted(names) and "Cedar High" in names
    again = c.post("/api/v1/schools", headers=h, json={"name": "Cedar High"})
    assert again.status_code == 409
    bad_zone = c.post("/api/v1/schools", headers=h, json={"name": "X", "timezone": "Mars/Base"})
    assert bad_zone.status_code == 422 and "time zone" in bad_zone.json()["detail"]
    extra = c.post("/api/v1/schools", headers=h, json={"name": "Y", "colour": "red"})
    assert extra.status_code == 422


def test_create_integration_keeps_the_secret_to_itself(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    body = {
        "school_id": district.school_a,
        "provider": "fake",
        "settings": {
            "people": 7,
            "domain": "cedar.example.org",
            "schedule": "06:30 America/Chicago",
        },
        "secrets": {"token": SECRET},
    }
    made = c.post("/api/v1/integrations", headers=h, json=body)
    assert made.status_code == 201, made.text
    data = made.json()
    assert SECRET not in made.text
    assert data["provider"] == "fake" and data["school_id"] == district.school_a
    assert data["schedule"] == "06:30 America/Chicago"
    assert data["secrets_set"] == ["token"]
    assert data["last_run"] is None
    shown = c.get(f"/api/v1/integrations/{data['id']}", headers=h)
    listed = c.get("/api/v1/integrations", headers=h)
    for response in (shown, listed):
        assert response.status_code == 200 and SECRET not in response.text


def test_bad_integration_requests_are_clear_and_never_echo_secrets(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    base = {"school_id": district.school_a, "provider": "fake", "settings": {}}
    cases = [
        ({**base, "secrets": {"token": {"nested": SECRET}}}, 422),
        ({**base, "secrets": [SECRET]}, 422),
        ({**base, "secrets": {"tokn": SECRET}}, 422),  # not a secret key
        ({**base, "settings": {"token": SECRET}}, 422),  # a secret passed as a setting
        ({**base, "secrets": {"token": SECRET}, "extra": SECRET}, 422),
        ({**base, "provider": "nosuch", "secrets": {"token": SECRET}}, 422),
        ({**base, "school_id": "sch_nosuch", "secrets": {"token": SECRET}}, 404),
        ({**base, "settings": {"people": "many"}, "secrets": {"token": SECRET}}, 422),
        ({**base, "settings": {"schedule": "nightly"}, "secrets": {"token": SECRET}}, 422),
    ]
    for body, code in cases:
        response = c.post("/api/v1/integrations", headers=h, json=body)
        assert response.status_code == code, (body, response.text)
        assert SECRET not in response.text
        assert "detail" in response.json()
    raw = c.post(
        "/api/v1/integrations",
        headers={**h, "Content-Type": "application/json"},
        content=b'{"school_id": "x", "secrets": {"token": "' + SECRET.encode() + b'"',
    )
    assert raw.status_code == 422 and SECRET not in raw.text
    patched = c.patch(
        f"/api/v1/integrations/{district.integration_a}",
        headers=h,
        json={"secrets": {"token": 5, "x": [SECRET]}},
    )
    assert patched.status_code == 422 and SECRET not in patched.text


def test_patch_and_delete(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    ia = district.integration_a
    changed = c.patch(
        f"/api/v1/integrations/{ia}",
        headers=h,
        json={
            "settings": {"people": "2", "schedule": "off"},
            "secrets": {"token": SECRET},
            "enabled": False,
        },
    )
    assert changed.status_code == 200, changed.text
    data = changed.json()
    assert (
        data["settings"]["people"] == "2" and data["schedule"] == "off" and data["enabled"] is False
    )
    assert SECRET not in changed.text
    assert c.delete(f"/api/v1/integrations/{ia}", headers=h).status_code == 204
    assert c.get(f"/api/v1/integrations/{ia}", headers=h).status_code == 404
    assert c.delete(f"/api/v1/integrations/{ia}", headers=h).status_code == 404


def test_sync_queues_one_run_and_the_worker_executes_it(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    ia = district.integration_a
    first = c.post(f"/api/v1/integrations/{ia}/sync", headers=h)
    assert first.status_code == 202
    run = first.json()
    assert run["status"] == "queued" and run["trigger"] == "api" and run["integration_id"] == ia
    second = c.post(f"/api/v1/integrations/{ia}/sync?dry_run=true", headers=h)
    assert second.status_code == 202 and second.json()["id"] == run["id"]
    busy = c.delete(f"/api/v1/integrations/{ia}", headers=h)
    assert busy.status_code == 409
    assert execute_run(district.hub, run["id"]) == "succeeded"
    assert execute_run(district.hub, run["id"]) is None  # delivered twice: executed once
    done = c.get(f"/api/v1/runs/{run['id']}", headers=district.as_(district.admin_a)).json()
    assert done["status"] == "succeeded" and done["counts"]["created"] == 5
    assert set(done) == {
        "id",
        "integration_id",
        "status",
        "trigger",
        "started_at",
        "finished_at",
        "counts",
        "issues",
        "error",
    }
    accounts = c.get(
        f"/api/v1/schools/{district.school_a}/accounts", headers=district.as_(district.admin_a)
    )
    assert accounts.status_code == 200
    emails = [a["email"] for a in accounts.json()]
    assert emails == sorted(emails) and len(emails) == 5
    assert accounts.json()[0]["source"] == "fake"
    teachers = c.get(f"/api/v1/schools/{district.school_a}/accounts?role=teacher", headers=h).json()
    assert [a["email"] for a in teachers] == ["p0@ada.example.org"]
    bad_role = c.get(f"/api/v1/schools/{district.school_a}/accounts?role=janitor", headers=h)
    assert bad_role.status_code == 422
    runs = c.get(f"/api/v1/runs?integration_id={ia}", headers=h).json()
    assert [r["id"] for r in runs] == [run["id"]]
    listed = c.get("/api/v1/integrations", headers=h).json()
    last = next(i for i in listed if i["id"] == ia)["last_run"]
    assert last["id"] == run["id"] and last["status"] == "succeeded"


def _held_run(district: District) -> str:
    """Sync school A's integration, then let its provider return nobody: a held run's id."""
    c, h = district.client, district.as_(district.district_it)
    ia = district.integration_a
    execute_run(district.hub, c.post(f"/api/v1/integrations/{ia}/sync", headers=h).json()["id"])
    c.patch(f"/api/v1/integrations/{ia}", headers=h, json={"settings": {"people": "0"}})
    held_id = str(c.post(f"/api/v1/integrations/{ia}/sync", headers=h).json()["id"])
    assert execute_run(district.hub, held_id) == "held"
    return held_id


def test_held_run_is_approved_through_the_api(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    held_id = _held_run(district)
    held = c.get(f"/api/v1/runs/{held_id}", headers=h).json()
    assert held["status"] == "held" and held["error"]
    approved = c.post(f"/api/v1/runs/{held_id}/approve", headers=district.as_(district.support))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "succeeded"
    assert approved.json()["counts"]["deactivated"] == 5
    again = c.post(f"/api/v1/runs/{held_id}/approve", headers=h)
    assert again.status_code == 422
    remaining = c.get(f"/api/v1/schools/{district.school_a}/accounts", headers=h).json()
    assert remaining == []
    everyone = c.get(f"/api/v1/schools/{district.school_a}/accounts?all=true", headers=h).json()
    assert {a["status"] for a in everyone} == {"deactivated"}


def test_approving_a_superseded_run_answers_409(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    ia = district.integration_a
    held_id = _held_run(district)
    c.patch(f"/api/v1/integrations/{ia}", headers=h, json={"settings": {"people": "5"}})
    later_id = c.post(f"/api/v1/integrations/{ia}/sync", headers=h).json()["id"]
    assert execute_run(district.hub, later_id) == "succeeded"
    refused = c.post(f"/api/v1/runs/{held_id}/approve", headers=district.as_(district.support))
    assert refused.status_code == 409, refused.text
    detail = refused.json()["detail"]
    assert "superseded" in detail and later_id in detail and "nothing" in detail
    shown = c.get(f"/api/v1/runs/{held_id}", headers=h).json()
    assert shown["status"] == "superseded" and later_id in shown["error"]
    active = c.get(f"/api/v1/schools/{district.school_a}/accounts", headers=h).json()
    assert len(active) == 5  # nobody deactivated


def test_sync_of_a_disabled_integration_is_refused(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    ia = district.integration_a
    c.patch(f"/api/v1/integrations/{ia}", headers=h, json={"enabled": False})
    response = c.post(f"/api/v1/integrations/{ia}/sync", headers=h)
    assert response.status_code == 422 and "disabled" in response.json()["detail"]


def test_check_and_plugins(district: District) -> None:
    c, h = district.client, district.as_(district.support)
    check = c.post(f"/api/v1/integrations/{district.integration_a}/check", headers=h)
    assert check.status_code == 200 and check.json()["ok"] is True
    plugins = c.get("/api/v1/plugins", headers=h).json()
    fake = next(p for p in plugins if p["name"] == "fake")
    assert "token" in fake["config_keys"] and fake["secret_keys"] == ["token"]


def test_openapi_and_docs(district: District) -> None:
    schema = district.client.get("/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/integrations/{integration_id}/sync" in paths
    assert "HTTPBearer" in json.dumps(schema.json()["components"])
    assert district.client.get("/docs").status_code == 200
