"""The files admins really send, over ``POST /api/v1/schools/{id}/uploads``: the multipart
file name decides the role of a CSV without a Role column, and a Mac Roman CSV's names arrive
intact."""

from __future__ import annotations

from tests.api.conftest import District
from tests.plugins.csv.files import HEADER, csv_bytes


def test_a_csv_named_after_its_sheet_uploads_with_that_role(district: District) -> None:
    c, h = district.client, district.as_(district.admin_a)
    url = f"/api/v1/schools/{district.school_a}/uploads"
    rows = [HEADER, ["tia@ada.example.org", "Tía", "Núñez", "", ""]]
    content = csv_bytes(rows, encoding="mac_roman", lineterminator="\r")
    response = c.post(url, headers=h, files={"file": ("Admin sheet.csv", content, "text/csv")})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "applied" and result["counts"]["created"] == 1
    assert [(w["sheet"], w["row"], w["column"]) for w in result["warnings"]] == [
        ("Admin sheet.csv", 0, None),  # read as Mac Roman
        ("Admin sheet.csv", 1, "Role"),  # the file name says Admin
    ]
    accounts = c.get(f"/api/v1/schools/{district.school_a}/accounts", headers=h).json()
    [tia] = [a for a in accounts if a["email"] == "tia@ada.example.org"]
    assert (tia["first_name"], tia["last_name"]) == ("Tía", "Núñez")
    assert sorted(tia["roles"]) == ["admin", "teacher"]


def test_a_csv_with_no_role_anywhere_is_refused_with_how_to_add_one(district: District) -> None:
    c, h = district.client, district.as_(district.admin_a)
    url = f"/api/v1/schools/{district.school_a}/uploads"
    content = csv_bytes([HEADER, ["tia@ada.example.org", "Tia", "N", "", ""]])
    response = c.post(url, headers=h, files={"file": ("export.csv", content, "text/csv")})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("export.csv", 1, "Role")
    assert "add a Role column" in error["message"]
