"""A school admin of school A against everything of school B.

Every route that takes a school, an integration, a run or an upload is tried with B's ids and
a school_admin token of A: each answers 404 exactly as for an id that does not exist, says
nothing about B, and changes nothing. Uploads are authorised per target school too:
``Additional Schools`` may name only the uploader's own school, and no warning tells them
anything about another school.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from hub.models import (
    Account,
    AuditEvent,
    Integration,
    Membership,
    Room,
    RoomFolder,
    RoomSetup,
    RoomTeacher,
    Run,
    School,
    Upload,
)
from hub.passwords import verify_password
from hub.runs import execute_run
from tests.api.conftest import District

B_NAME = "Brook Middle"
B_WORDS = ("Brook", "brook.example.org")
SAM = "sam@brook.example.org"  # a student at B only, from B's own upload
SAM_PASSWORD = "sams-own-pass-1"
ROW = "Email,First Name,Last Name,Password,Role,Additional Schools\n"


@dataclass
class SchoolB:
    school: str
    integration: str
    held_run: str
    upload: str  # an upload of B's admin whose passwords are waiting to be downloaded
    room: str  # a room of B's (the starter pack's Nurse)


@pytest.fixture
def school_b(district: District) -> SchoolB:
    """B with real things in it: synced accounts, a held run, a pending passwords download."""
    c, it, admin_b = (
        district.client,
        district.as_(district.district_it),
        district.as_(district.admin_b),
    )
    ib = district.integration_b
    execute_run(district.hub, c.post(f"/api/v1/integrations/{ib}/sync", headers=it).json()["id"])
    c.patch(f"/api/v1/integrations/{ib}", headers=it, json={"settings": {"people": "0"}})
    held = c.post(f"/api/v1/integrations/{ib}/sync", headers=it).json()["id"]
    assert execute_run(district.hub, held) == "held"
    data = (
        ROW + f"{SAM},Sam,Stone,{SAM_PASSWORD},student,\nnew@brook.example.org,Nia,New,,student,\n"
    )
    made = c.post(
        f"/api/v1/schools/{district.school_b}/uploads",
        headers=admin_b,
        files={"file": ("b.csv", data.encode(), "text/csv")},
    )
    assert made.status_code == 200, made.text
    assert made.json()["credentials_url"]
    pack = c.post(f"/api/v1/schools/{district.school_b}/rooms/starter-pack", headers=admin_b)
    assert pack.json() == {"folders": 6, "rooms": 15}, pack.text
    rooms = c.get(f"/api/v1/schools/{district.school_b}/rooms", headers=admin_b).json()
    nurse = next(r["id"] for r in rooms if r["name"] == "Nurse")
    return SchoolB(district.school_b, ib, held, made.json()["upload_id"], nurse)


def _everything(district: District) -> list[Any]:
    """Every row a request could change (tokens' last use aside)."""
    with district.hub.session() as session:
        return [
            sorted(map(repr, session.execute(select(table.__table__)).all()))  # type: ignore[attr-defined]
            for table in (
                School,
                Integration,
                Run,
                Upload,
                Account,
                Membership,
                AuditEvent,
                Room,
                RoomFolder,
                RoomTeacher,
                RoomSetup,
            )
        ]


UPLOAD = ("file", ("a.csv", (ROW + "x@ada.example.org,X,Y,,student,\n").encode(), "text/csv"))
ROOMS_FILE = "Room Name,Room Number,Teachers in Room\nNurse,N9,\nGym,G1,\n"

# (method, path, JSON body, multipart file): {school} {integration} {run} {upload} are B's ids.
ATTEMPTS: list[tuple[str, str, dict[str, Any] | None, bool | str]] = [
    ("GET", "/api/v1/schools/{school}", None, False),
    ("GET", "/api/v1/schools/{school}/accounts", None, False),
    ("GET", "/api/v1/schools/{school}/accounts?all=true&role=student", None, False),
    ("POST", "/api/v1/schools/{school}/uploads", None, True),
    ("POST", "/api/v1/schools/{school}/uploads?dry_run=true", None, True),
    ("GET", "/api/v1/integrations/{integration}", None, False),
    ("PATCH", "/api/v1/integrations/{integration}", {"enabled": False}, False),
    ("PATCH", "/api/v1/integrations/{integration}", {"settings": {"people": "9"}}, False),
    ("PATCH", "/api/v1/integrations/{integration}", {"secrets": {"token": "stolen-0"}}, False),
    ("DELETE", "/api/v1/integrations/{integration}", None, False),
    ("POST", "/api/v1/integrations/{integration}/sync", None, False),
    ("POST", "/api/v1/integrations/{integration}/sync?force=true", None, False),
    ("POST", "/api/v1/integrations/{integration}/check", None, False),
    ("GET", "/api/v1/runs?integration_id={integration}", None, False),
    ("GET", "/api/v1/runs/{run}", None, False),
    ("POST", "/api/v1/runs/{run}/approve", None, False),
    ("GET", "/api/v1/uploads/{upload}", None, False),
    ("GET", "/api/v1/uploads/{upload}/credentials", None, False),
    ("GET", "/api/v1/schools/{school}/accounts/{email}/explain", None, False),
    ("POST", "/api/v1/runs/{run}/undo", None, False),
    ("POST", "/api/v1/runs/{run}/undo?force=true", None, False),
    ("POST", "/api/v1/runs/{upload}/undo", None, False),
    ("POST", "/api/v1/runs/{upload}/undo?force=true", None, False),
    ("GET", "/api/v1/audit?school_id={school}", None, False),
    ("GET", "/api/v1/districts/{school}", None, False),
    ("PUT", "/api/v1/integrations/{integration}/links/{school}", {"settings": {"a": "b"}}, False),
    ("DELETE", "/api/v1/integrations/{integration}/links/{school}", None, False),
    ("DELETE", "/api/v1/integrations/{integration}/links/{school}?deactivate=true", None, False),
    ("GET", "/api/v1/schools/{school}/rooms", None, False),
    (
        "POST",
        "/api/v1/schools/{school}/rooms",
        {"name": "Gym", "number": "G1", "time_limit": 5},
        False,
    ),
    ("POST", "/api/v1/schools/{school}/rooms/starter-pack", None, False),
    ("POST", "/api/v1/schools/{school}/rooms/starter-pack?dismiss=true", None, False),
    ("POST", "/api/v1/schools/{school}/rooms/imports", None, "rooms"),
    ("POST", "/api/v1/schools/{school}/rooms/imports?dry_run=true", None, "rooms"),
    ("GET", "/api/v1/rooms/{room}", None, False),
    ("PATCH", "/api/v1/rooms/{room}", {"name": "Mine"}, False),
    ("PATCH", "/api/v1/rooms/{room}", {"teachers": ["ada@ada.example.org"]}, False),
    ("DELETE", "/api/v1/rooms/{room}", None, False),
]


# Routes no school admin may use at all: refused by role (403) before any id is looked up.
ROLE_GATED: list[tuple[str, str]] = [("DELETE", "/api/v1/tokens/{token}")]


@pytest.mark.parametrize(("method", "template"), ROLE_GATED)
def test_school_admin_is_refused_role_gated_routes_and_nothing_changes(
    district: District, school_b: SchoolB, method: str, template: str
) -> None:
    c, h = district.client, district.as_(district.admin_a)
    before = _everything(district)
    response = c.request(method, template.format(token="tok_whatever"), headers=h)
    assert response.status_code == 403, response.text
    assert _everything(district) == before


def _path(template: str, b: SchoolB) -> str:
    return template.format(
        school=b.school,
        integration=b.integration,
        run=b.held_run,
        upload=b.upload,
        room=b.room,
        email=SAM,
    )


def _unknown(template: str) -> str:
    return template.format(
        school="sch_nosuchsch",
        integration="int_nosuchint",
        run="run_nosuchrun",
        upload="upl_nosuch",
        email=SAM,
        room="rm_nosuchroom",
    )


@pytest.mark.parametrize(
    ("method", "template", "body", "upload"),
    ATTEMPTS,
    ids=[f"{m} {t}" for m, t, _, _ in ATTEMPTS],
)
def test_school_admin_of_a_gets_404_for_every_b_object_and_nothing_changes(
    district: District,
    school_b: SchoolB,
    method: str,
    template: str,
    body: dict[str, Any] | None,
    upload: bool | str,
) -> None:
    c, h = district.client, district.as_(district.admin_a)
    before = _everything(district)
    rooms_file = ("file", ("rooms.csv", ROOMS_FILE.encode(), "text/csv"))
    files = dict([rooms_file if upload == "rooms" else UPLOAD]) if upload else None
    response = c.request(method, _path(template, school_b), headers=h, json=body, files=files)
    assert response.status_code == 404, response.text
    for word in B_WORDS:
        assert word not in response.text
    # Indistinguishable from an id that does not exist (the id itself aside).
    unknown = c.request(method, _unknown(template), headers=h, json=body, files=files)
    assert unknown.status_code == 404
    shape = re.compile(r"'[^']*'")
    assert shape.sub("'ID'", response.json()["detail"]) == shape.sub(
        "'ID'", unknown.json()["detail"]
    )
    assert _everything(district) == before


def test_the_table_covers_every_route_that_takes_an_id(district: District) -> None:
    """A new route with an id in its path must be added to ATTEMPTS."""

    def shape(path: str) -> str:
        return re.sub(r"\{[^}]+\}", "{}", path.split("?")[0])

    tried = {(m, shape(t)) for m, t, _, _ in ATTEMPTS} | {(m, shape(t)) for m, t in ROLE_GATED}
    paths = district.client.get("/openapi.json").json()["paths"]
    with_ids = {
        (method.upper(), shape(path))
        for path, operations in paths.items()
        if path.startswith("/api/v1") and "{" in path
        for method in operations
    }
    assert with_ids <= tried, with_ids - tried


def test_naming_b_in_a_body_is_refused_like_naming_a(district: District, school_b: SchoolB) -> None:
    c, h = district.client, district.as_(district.admin_a)
    before = _everything(district)
    answers = [
        c.post(
            "/api/v1/integrations",
            headers=h,
            json={"school_id": school, "provider": "fake", "settings": {}, "secrets": {}},
        )
        for school in (school_b.school, district.school_a, "sch_nosuchsch")
    ]
    assert {a.status_code for a in answers} == {403}
    assert len({a.text for a in answers}) == 1
    assert _everything(district) == before


def test_lists_never_include_b(district: District, school_b: SchoolB) -> None:
    c, h = district.client, district.as_(district.admin_a)
    for path in ("/api/v1/schools", "/api/v1/integrations", "/api/v1/runs", "/api/v1/audit"):
        response = c.get(path, headers=h)
        assert response.status_code == 200
        for word in (*B_WORDS, school_b.school, school_b.integration, school_b.held_run):
            assert word not in response.text, (path, word)


# -- uploads are authorised per target school ----------------------------------------------


def _upload(district: District, token: str, rows: str, *, dry_run: bool = False) -> Any:
    suffix = "?dry_run=true" if dry_run else ""
    return district.client.post(
        f"/api/v1/schools/{district.school_a}/uploads{suffix}",
        headers=district.as_(token),
        files={"file": ("people.csv", (ROW + rows).encode(), "text/csv")},
    )


def _memberships(district: District, email: str) -> dict[str, str]:
    """school id -> roles of ``email``'s memberships."""
    with district.hub.session() as session:
        rows = session.execute(
            select(Membership.school_id, Membership.roles)
            .join(Account, Account.id == Membership.account_id)  # type: ignore[arg-type]
            .where(Account.email == email)
        )
        return {str(school): str(roles) for school, roles in rows.tuples()}


def _account(district: District, email: str) -> Account:
    with district.hub.session() as session:
        found = session.execute(select(Account).where(Account.email == email)).scalar_one()
    return found


@pytest.mark.parametrize("dry_run", [False, True], ids=["apply", "dry-run"])
def test_additional_schools_naming_another_school_is_one_error_whether_or_not_it_exists(
    district: District, school_b: SchoolB, dry_run: bool
) -> None:
    before = _everything(district)
    messages = []
    for named in (B_NAME, "brook  middle", "Nowhere Academy"):
        response = _upload(
            district,
            district.admin_a,
            f"kid@ada.example.org,Kid,A,,student,{named}\n",
            dry_run=dry_run,
        )
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["row"], error["column"]) == (2, "Additional Schools")
        assert error["message"].startswith("you can add accounts only to Ada Lovelace Elementary")
        typed = " ".join(named.split())
        messages.append(error["message"].replace(f"'{typed}'", "'NAME'"))
        assert response.json()["warnings"] == []
    assert len(set(messages)) == 1, messages
    if not dry_run:
        # Only the rejected uploads' own records were written.
        after = _everything(district)
        assert after[4:6] == before[4:6]  # accounts and memberships


def test_a_school_admin_cannot_raise_a_b_student_at_b(
    district: District, school_b: SchoolB
) -> None:
    before = _memberships(district, SAM)
    assert before == {school_b.school: "student"}
    response = _upload(district, district.admin_a, f"{SAM},Sam,Stone,,admin,{B_NAME}\n")
    assert response.status_code == 422
    assert _memberships(district, SAM) == before


def test_the_same_upload_by_district_it_may_name_b(district: District, school_b: SchoolB) -> None:
    response = _upload(district, district.district_it, f"{SAM},Sam,Stone,,teacher,{B_NAME}\n")
    assert response.status_code == 200, response.text
    assert _memberships(district, SAM) == {
        district.school_a: "teacher",
        school_b.school: "teacher",
    }


@pytest.mark.parametrize(
    "email",
    [SAM, "p1@brook.example.org"],  # an upload's student at B; a student B's integration syncs
    ids=["b-upload", "b-integration"],
)
def test_warnings_say_nothing_about_the_other_school(
    district: District, school_b: SchoolB, email: str
) -> None:
    hash_before = _account(district, email).password_hash
    for dry_run in (True, False):
        response = _upload(
            district,
            district.admin_a,
            f"{email},Other,Name,chosen-by-a-9,student,\n",
            dry_run=dry_run,
        )
        assert response.status_code == 200, response.text
        result = response.json()
        assert result["counts"]["created"] == 1
        [warning] = result["warnings"]
        assert "left as they are" in warning["message"]
        for word in (*B_WORDS[:1], "another school", "integration", "fake", "Stone", "First1"):
            assert word not in warning["message"], word
    # A's admin gave the person a membership at A, but cannot rename or re-password them.
    account = _account(district, email)
    assert account.first_name != "Other"
    assert account.password_hash == hash_before
    assert _memberships(district, email)[district.school_a] == "student"


def test_a_school_admin_cannot_change_the_password_of_someone_also_at_b(
    district: District, school_b: SchoolB
) -> None:
    """Sam is at A and B: A's admin setting Sam's password would let them sign in as Sam at B."""
    shared = _upload(district, district.district_it, f"{SAM},Sam,Stone,,student,{B_NAME}\n")
    assert shared.status_code == 200
    attempt = _upload(district, district.admin_a, f"{SAM},Sam,Renamed,taken-over-77,student,\n")
    assert attempt.status_code == 200, attempt.text
    [warning] = attempt.json()["warnings"]
    assert (warning["column"], "left as they are" in warning["message"]) == ("Password", True)
    assert B_WORDS[0] not in warning["message"]
    sam = _account(district, SAM)
    assert sam.last_name == "Stone"
    assert sam.password_hash and verify_password(SAM_PASSWORD, sam.password_hash)

    # Someone only at A stays A's admin's to change.
    mine = _upload(district, district.admin_a, "mia@ada.example.org,Mia,M,first-pass-11,student,\n")
    assert mine.status_code == 200
    again = _upload(
        district, district.admin_a, "mia@ada.example.org,Mia,N,second-pass-22,student,\n"
    )
    assert again.json()["counts"]["updated"] == 1 and again.json()["warnings"] == []
    mia = _account(district, "mia@ada.example.org")
    assert mia.last_name == "N" and mia.password_hash
    assert verify_password("second-pass-22", mia.password_hash)


def test_b_credentials_stay_b_admins_to_download(district: District, school_b: SchoolB) -> None:
    link = f"/api/v1/uploads/{school_b.upload}/credentials"
    for token in (district.admin_a, district.district_it, district.support):
        assert district.client.get(link, headers=district.as_(token)).status_code == 404
    download = district.client.get(link, headers=district.as_(district.admin_b))
    assert download.status_code == 200
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert [r["email"] for r in rows] == ["new@brook.example.org"]
