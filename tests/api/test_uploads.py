"""Uploads through the API: the CSV plugin's validation, 422 with the result when rejected,
and generated passwords only behind a one-time download for the same token."""

from __future__ import annotations

import csv
import io

from sqlmodel import func, select

from hub.models import Account, Upload
from tests.api.conftest import District

GOOD = (
    b"Email,First Name,Last Name,Password,Role\n"
    b"ann@ada.example.org,Ann,Able,,student\n"
    b"ben@ada.example.org,Ben,Baker,Sup3r-Secret-pass!,teacher\n"
)
BAD = (
    b"Email,First Name,Last Name,Role\n"
    b"not-an-email,Ann,Able,student\n"
    b"cy@ada.example.org,Cy,,student\n"
)


def _accounts(district: District) -> int:
    with district.hub.session() as session:
        return session.exec(select(func.count()).select_from(Account)).one()


def test_upload_applies_and_passwords_download_once(district: District) -> None:
    c, h = district.client, district.as_(district.admin_a)
    url = f"/api/v1/schools/{district.school_a}/uploads"
    response = c.post(url, headers=h, files={"file": ("people.csv", GOOD, "text/csv")})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"] == "applied"
    assert result["counts"]["created"] == 2 and result["counts"]["passwords_generated"] == 1
    assert result["credentials_file"] is None
    assert "Sup3r" not in response.text
    link = result["credentials_url"]
    assert link == f"/api/v1/uploads/{result['upload_id']}/credentials"
    assert c.get(link, headers=district.as_(district.district_it)).status_code == 404
    assert c.get(link, headers=district.as_(district.admin_b)).status_code == 404
    download = c.get(link, headers=h)
    assert download.status_code == 200
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["cache-control"] == "no-store"
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r for r in rows if "ann@ada.example.org" in r.values()], rows
    assert c.get(link, headers=h).status_code == 404  # once only
    with district.hub.session() as session:
        upload = session.get(Upload, result["upload_id"])
        assert upload is not None and upload.credentials is None
    accounts = c.get(f"/api/v1/schools/{district.school_a}/accounts", headers=h).json()
    assert {a["email"] for a in accounts} == {"ann@ada.example.org", "ben@ada.example.org"}
    assert all(a["source"] == "csv" for a in accounts)


def test_rejected_upload_answers_422_with_the_result(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    before = _accounts(district)
    response = c.post(
        f"/api/v1/schools/{district.school_a}/uploads",
        headers=h,
        files={"file": ("people.csv", BAD, "text/csv")},
    )
    assert response.status_code == 422
    result = response.json()
    assert result["status"] == "rejected" and result["credentials_url"] is None
    rows = {(e["row"], e["column"]) for e in result["errors"]}
    assert (2, "Email") in rows and (3, "Last Name") in rows
    assert _accounts(district) == before


def test_dry_run_writes_nothing(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    before = _accounts(district)
    response = c.post(
        f"/api/v1/schools/{district.school_a}/uploads?dry_run=true",
        headers=h,
        files={"file": ("people.csv", GOOD, "text/csv")},
    )
    assert response.status_code == 200
    result = response.json()
    assert result["status"] == "dry_run" and result["counts"]["created"] == 2
    assert result["credentials_url"] is None
    assert _accounts(district) == before


def test_upload_needs_a_file_and_a_size_limit_holds(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)
    url = f"/api/v1/schools/{district.school_a}/uploads"
    assert c.post(url, headers=h).status_code == 422
    huge = b"Email,First Name,Last Name,Role\n" + b"x" * (21 * 1024 * 1024)
    too_big = c.post(url, headers=h, files={"file": ("big.csv", huge, "text/csv")})
    assert too_big.status_code == 413
    assert "limit" in too_big.json()["detail"]
    body = c.post(
        "/api/v1/schools",
        headers={**h, "Content-Type": "application/json"},
        content=b'{"name": "' + b"a" * (2 * 1024 * 1024) + b'"}',
    )
    assert body.status_code == 413


def test_streamed_body_over_the_limit_is_refused(district: District) -> None:
    c, h = district.client, district.as_(district.district_it)

    def chunks():
        yield b'{"name": "'
        for _ in range(40):
            yield b"a" * 65536
        yield b'"}'

    response = c.post(
        "/api/v1/schools", headers={**h, "Content-Type": "application/json"}, content=chunks()
    )
    assert response.status_code == 413


def test_template_download(district: District) -> None:
    response = district.client.get("/api/v1/template.xlsx", headers=district.as_(district.admin_b))
    assert response.status_code == 200
    assert response.content[:2] == b"PK"
    assert "spreadsheetml" in response.headers["content-type"]
