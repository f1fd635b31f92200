"""The HTTP side of explain, undo and the audit log: who may do what, and the shapes."""

from __future__ import annotations

from hub.runs import execute_run
from tests.api.conftest import District


def synced(district: District) -> str:
    c, it = district.client, district.as_(district.district_it)
    run = c.post(f"/api/v1/integrations/{district.integration_a}/sync", headers=it).json()["id"]
    assert execute_run(district.hub, run) == "succeeded"
    return str(run)


def test_explain_answers_its_shape_for_every_role_at_its_school(district: District) -> None:
    run = synced(district)
    c = district.client
    email = c.get(
        f"/api/v1/schools/{district.school_a}/accounts",
        headers=district.as_(district.support),
    ).json()[0]["email"]
    for token in (district.district_it, district.support, district.admin_a):
        answer = c.get(
            f"/api/v1/schools/{district.school_a}/accounts/{email.upper()}/explain",
            headers=district.as_(token),
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert set(body) == {
            "email",
            "school_id",
            "present",
            "status",
            "roles",
            "owner",
            "last_changed_by",
            "reason",
        }
        assert body["email"] == email and body["present"] is True
        assert body["owner"] == district.integration_a and body["last_changed_by"] == run
        assert {r["run_id"] for r in body["roles"]} == {run}
    nobody = c.get(
        f"/api/v1/schools/{district.school_a}/accounts/nobody@ada.example.org/explain",
        headers=district.as_(district.admin_a),
    ).json()
    assert nobody["present"] is False and nobody["reason"].startswith("never synced")


def test_undo_is_for_operators_and_answers_a_run(district: District) -> None:
    run = synced(district)
    c = district.client
    refused = c.post(f"/api/v1/runs/{run}/undo", headers=district.as_(district.admin_a))
    assert refused.status_code == 403
    made = c.post(f"/api/v1/runs/{run}/undo?force=true", headers=district.as_(district.support))
    assert made.status_code == 202, made.text
    body = made.json()
    assert body["trigger"] == "undo" and body["status"] == "queued"
    assert execute_run(district.hub, body["id"]) == "succeeded"
    again = c.post(f"/api/v1/runs/{run}/undo", headers=district.as_(district.support))
    assert again.status_code == 409
    assert again.json()["conflicts"][0]["changed_by"] == body["id"]
    listed = c.get(
        f"/api/v1/schools/{district.school_a}/accounts?all=true",
        headers=district.as_(district.support),
    ).json()
    assert {a["status"] for a in listed} == {"deactivated"}


def test_audit_lists_who_did_what_per_school(district: District) -> None:
    run = synced(district)
    c = district.client
    events = c.get(
        f"/api/v1/audit?school_id={district.school_a}", headers=district.as_(district.admin_a)
    )
    assert events.status_code == 200
    actions = {(e["action"], e["target"]) for e in events.json()}
    assert ("run.request", run) in actions and ("run.succeeded", run) in actions
    assert all(set(e) == {"at", "actor", "action", "target", "detail"} for e in events.json())
    later = c.get(
        "/api/v1/audit?since=2999-01-01T00:00:00Z", headers=district.as_(district.support)
    )
    assert later.json() == []
    everything = c.get("/api/v1/audit", headers=district.as_(district.support)).json()
    assert any(e["action"] == "token.create" for e in everything)
    mine = c.get("/api/v1/audit", headers=district.as_(district.admin_a)).json()
    assert {e["detail"].get("school_id") for e in mine if e["action"] == "token.create"} == {
        district.school_a
    }
    assert all(district.school_b not in str(e) for e in mine)


def test_an_upload_is_undone_by_its_id(district: District) -> None:
    c, it = district.client, district.as_(district.district_it)
    row = "Email,First Name,Last Name,Password,Role,Additional Schools\n"
    data = row + "nia@ada.example.org,Nia,New,,student,\n"
    made = c.post(
        f"/api/v1/schools/{district.school_a}/uploads",
        headers=it,
        files={"file": ("a.csv", data.encode(), "text/csv")},
    )
    assert made.status_code == 200, made.text
    upload_id = made.json()["upload_id"]
    undone = c.post(f"/api/v1/runs/{upload_id}/undo?force=true", headers=it)
    assert undone.status_code == 200, undone.text
    body = undone.json()
    assert body["undoes"] == upload_id and body["id"].startswith("upl_")
    assert body["counts"]["deactivated"] == 1
    why = c.get(
        f"/api/v1/schools/{district.school_a}/accounts/nia@ada.example.org/explain", headers=it
    ).json()
    assert why["status"] == "deactivated" and why["last_changed_by"] == body["id"]
    assert why["reason"].startswith(f"deactivated by {body['id']}: the undo of an upload")
