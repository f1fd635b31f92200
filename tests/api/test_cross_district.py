"""A district_it token limited to district 1 against everything of district 2: every route
answers 404 for district 2's ids, exactly as for ids that do not exist, and works for its own."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from hub import districts, tokens
from hub.models import School
from hub.runs import execute_run
from tests.api.conftest import District


@pytest.fixture
def scoped(district: District) -> tuple[District, str, str, str]:
    """School A in district 1, school B in district 2; a token of district 1's IT."""
    hub = district.hub
    one = districts.create_district(hub, name="District One", actor="test")
    two = districts.create_district(hub, name="District Two", actor="test")
    with hub.transaction() as session:
        for school, where in ((district.school_a, one.id), (district.school_b, two.id)):
            session.execute(update(School).where(School.id == school).values(district_id=where))  # type: ignore[arg-type]
    token = tokens.create_token(hub, role="district_it", district_id=one.id, actor="test")[1]
    return district, token, one.id, two.id


def test_other_districts_ids_answer_404(scoped: tuple[District, str, str, str]) -> None:
    district, token, one, two = scoped
    c, it = district.client, district.as_(token)
    everyone = district.as_(district.district_it)
    run_b = c.post(f"/api/v1/integrations/{district.integration_b}/sync", headers=everyone).json()
    execute_run(district.hub, run_b["id"])
    b, ib = district.school_b, district.integration_b
    for method, path in [
        ("get", f"/api/v1/schools/{b}"),
        ("get", f"/api/v1/schools/{b}/accounts"),
        ("get", f"/api/v1/integrations/{ib}"),
        ("patch", f"/api/v1/integrations/{ib}"),
        ("delete", f"/api/v1/integrations/{ib}"),
        ("post", f"/api/v1/integrations/{ib}/sync"),
        ("get", f"/api/v1/runs/{run_b['id']}"),
        ("post", f"/api/v1/runs/{run_b['id']}/approve"),
        ("get", f"/api/v1/districts/{two}"),
        ("put", f"/api/v1/integrations/{ib}/links/{b}"),
        ("delete", f"/api/v1/integrations/{ib}/links/{b}"),
    ]:
        kwargs = {"json": {"settings": {}}} if method in ("patch", "put") else {}
        answer = getattr(c, method)(path, headers=it, **kwargs)
        assert answer.status_code == 404, (method, path, answer.text)
        assert "Brook" not in answer.text and "Two" not in answer.text
    made = c.post(
        "/api/v1/integrations",
        headers=it,
        json={"district_id": two, "provider": "clever", "settings": {}, "secrets": {}},
    )
    assert made.status_code == 404
    # its own district works, and lists show only it
    assert c.get(f"/api/v1/schools/{district.school_a}", headers=it).status_code == 200
    assert c.get(f"/api/v1/integrations/{district.integration_a}", headers=it).status_code == 200
    assert [s["id"] for s in c.get("/api/v1/schools", headers=it).json()] == [district.school_a]
    assert [d["id"] for d in c.get("/api/v1/districts", headers=it).json()] == [one]
    listed = [i["id"] for i in c.get("/api/v1/integrations", headers=it).json()]
    assert listed == [district.integration_a]
    # an unscoped district_it token keeps seeing every district
    assert len(c.get("/api/v1/districts", headers=everyone).json()) == 2
    # a new school from the scoped token lands in its district
    new = c.post("/api/v1/schools", headers=it, json={"name": "Cedar High"}).json()
    assert new["district_id"] == one


def test_a_clever_school_already_linked_to_another_school_is_refused(district: District) -> None:
    from hub import integrations, schools
    from hub.testing import serve
    from plugins.clever.sandbox import CleverSandbox

    hub = district.hub
    cedar = districts.create_district(hub, name="Cedar", actor="test")
    north, south = (
        schools.create_school(hub, name=name, district_id=cedar.id, actor="test").id
        for name in ("North", "South")
    )
    sandbox = CleverSandbox(seed=4, users=20)
    with serve(sandbox) as url:
        made = integrations.create_integration(
            hub,
            district_id=cedar.id,
            provider="clever",
            settings={"base_url": url},
            secrets={"token": sandbox.token},
            actor="test",
        )
        c, it = district.client, district.as_(district.district_it)
        links = f"/api/v1/integrations/{made.id}/links"
        clever_school = sandbox.schools[0]["id"]
        body = {"settings": {"schools": clever_school}}
        assert c.put(f"{links}/{north}", headers=it, json=body).status_code == 200
        refused = c.put(f"{links}/{south}", headers=it, json=body)
        assert refused.status_code == 422
        assert "already feeds school 'North'" in refused.json()["detail"]
        assert set(districts.links_of(hub, made.id)) == {north}
