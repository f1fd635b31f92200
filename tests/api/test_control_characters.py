"""Control characters (NUL above all, which PostgreSQL cannot store or even compare) in names,
ids, parameters, settings and spreadsheet cells are a 422 naming where they are, on SQLite
and PostgreSQL alike; nothing is written."""

from __future__ import annotations

import pytest
from sqlmodel import func, select

from hub.models import Account, Integration, School
from tests.api.conftest import District
from tests.plugins.csv.files import HEADER, xlsx_with_escapes


def _count(district: District, model: type) -> int:
    with district.hub.session() as session:
        return session.exec(select(func.count()).select_from(model)).one()


def _locations(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 422, response.text
    return [e["loc"] for e in response.json()["detail"]]


def test_a_school_name_with_nul_is_a_422_naming_the_field(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    before = _count(district, School)
    response = c.post("/api/v1/schools", headers=h, json={"name": "Lincoln\u0000High"})
    assert _locations(response) == [["body", "name"]]
    assert "\\x00" in response.json()["detail"][0]["msg"]
    tz = c.post("/api/v1/schools", headers=h, json={"name": "Oak", "timezone": "UTC\u0001"})
    assert _locations(tz) == [["body", "timezone"]]
    assert _count(district, School) == before


@pytest.mark.parametrize(
    ("path", "where"),
    [
        ("/api/v1/schools/%00", ["path", "school_id"]),
        ("/api/v1/schools/sch%00x/accounts", ["path", "school_id"]),
        ("/api/v1/integrations/int%00", ["path", "integration_id"]),
        ("/api/v1/runs/%00", ["path", "run_id"]),
        ("/api/v1/runs?integration_id=%00", ["query", "integration_id"]),
        ("/api/v1/uploads/upl%00/credentials", ["path", "upload_id"]),
    ],
)
def test_ids_with_nul_in_paths_and_queries_are_a_422(
    district: District, path: str, where: list[str]
) -> None:
    response = district.client.get(path, headers=district.as_(district.district_it))
    assert _locations(response) == [where]


def test_nul_in_a_post_path_or_query_is_a_422(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    synced = c.post(f"/api/v1/integrations/{district.integration_a}/sync?full=%00", headers=h)
    assert synced.status_code == 422
    checked = c.post("/api/v1/integrations/%00/check", headers=h)
    assert _locations(checked) == [["path", "integration_id"]]
    role = c.get(f"/api/v1/schools/{district.school_a}/accounts?role=%00", headers=h)
    assert _locations(role) == [["query", "role"]]


def test_integration_bodies_with_nul_are_a_422(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    before = _count(district, Integration)
    created = c.post(
        "/api/v1/integrations",
        headers=h,
        json={"school_id": "sch\u0000", "provider": "fake", "settings": {}},
    )
    assert _locations(created) == [["body", "school_id"]]
    bad_setting = c.post(
        "/api/v1/integrations",
        headers=h,
        json={
            "school_id": district.school_a,
            "provider": "fake",
            "settings": {"domain": "a\u0000"},
        },
    )
    assert bad_setting.status_code == 422
    assert "setting 'domain'" in bad_setting.json()["detail"]
    assert _count(district, Integration) == before
    url = f"/api/v1/integrations/{district.integration_a}"
    patched = c.patch(url, headers=h, json={"settings": {"domain": "x\u0000.example.org"}})
    assert patched.status_code == 422
    assert "setting 'domain'" in patched.json()["detail"] and "\\x00" in patched.json()["detail"]
    assert c.get(url, headers=h).json()["settings"]["domain"] == "ada.example.org"


@pytest.mark.parametrize("dry_run", ["true", "false"])
def test_an_xlsx_cell_escaping_nul_is_rejected_with_its_row(
    district: District, dry_run: str
) -> None:
    c, h = district.client, district.as_(district.admin_a)
    data = xlsx_with_escapes(
        {"Student": [HEADER, ["ann@ada.example.org", "A_x0000_B", "Able", "", ""]]}
    )
    before = _count(district, Account)
    response = c.post(
        f"/api/v1/schools/{district.school_a}/uploads?dry_run={dry_run}",
        headers=h,
        files={"file": ("people.xlsx", data, "application/octet-stream")},
    )
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [(e["sheet"], e["row"], e["column"]) for e in errors] == [("Student", 2, "First Name")]
    assert _count(district, Account) == before
