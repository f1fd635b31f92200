"""Applying uploads against the database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import csv
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from hub.context import Hub
from hub.errors import UsageError
from hub.models import (
    ACTIVE,
    DEACTIVATED,
    Account,
    AuditEvent,
    Integration,
    Membership,
    School,
    Upload,
    utcnow,
)
from hub.passwords import verify_password
from hub.schools import create_school
from hub.uploads import (
    UploadOutcome,
    cancel_upload,
    confirm_upload,
    credentials_csv,
    preview_upload,
    process_upload,
)
from hub.uploads.records import unsealed
from plugins.csv.template import build_workbook
from tests.plugins.csv.files import CSV_HEADER, HEADER, csv_bytes, ods, xls, xlsx

ZERO = {"created": 0, "updated": 0, "unchanged": 0, "passwords_generated": 0}


@pytest.fixture
def north(hub: Hub) -> School:
    return create_school(hub, name="North High", actor="test")


@pytest.fixture
def south(hub: Hub) -> School:
    return create_school(hub, name="South Middle", actor="test")


def upload(hub: Hub, school: School, content: bytes, *, dry_run: bool = False, name="f.xlsx"):
    return process_upload(
        hub, school_id=school.id, filename=name, content=content, dry_run=dry_run, actor="ann"
    )


def table_counts(hub: Hub) -> tuple[int, int]:
    with Session(hub.engine) as session:
        accounts = session.execute(select(func.count()).select_from(Account)).scalar_one()
        memberships = session.execute(select(func.count()).select_from(Membership)).scalar_one()
    return accounts, memberships


def members(hub: Hub, school: School) -> dict[str, tuple[str, str, str | None, str]]:
    """email -> (roles, status, integration_id, source) at ``school``."""
    with Session(hub.engine) as session:
        rows = session.execute(
            select(
                Account.email,
                Membership.roles,
                Membership.status,
                Membership.integration_id,
                Membership.source,
            )
            .join(Membership, Membership.account_id == Account.id)  # type: ignore[arg-type]
            .where(Membership.school_id == school.id)
        )
        return {r.email: (r.roles, r.status, r.integration_id, r.source) for r in rows}


def account(hub: Hub, email: str) -> Account:
    with Session(hub.engine) as session:
        found = session.execute(select(Account).where(Account.email == email)).scalar_one()
        session.expunge(found)
        return found


def read_credentials(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def roster(*rows: tuple[str, tuple[str, ...]]) -> bytes:
    return build_workbook(tuple(rows))


BASIC = roster(
    ("Student", ("Ada@Example.org ", "Ada", "Lovelace", "", "")),
    ("Student", ("bob@example.org", "Bob", "Babbage", "bob-password-1", "")),
    ("Teacher", ("tess@example.org", "Tess", "Teach", "", "")),
    ("Admin", ("boss@example.org", "Bo", "Ss", "", "")),
)


# -- applying ------------------------------------------------------------------------------------


def test_apply_creates_accounts_memberships_and_credentials(hub: Hub, north: School) -> None:
    outcome = upload(hub, north, BASIC)
    assert outcome.result == {
        "status": "applied",
        "counts": {"created": 4, "updated": 0, "unchanged": 0, "passwords_generated": 3},
        "errors": [],
        "warnings": [],
        "credentials_file": None,
    }
    assert members(hub, north) == {
        "ada@example.org": ("student", ACTIVE, None, "csv"),
        "bob@example.org": ("student", ACTIVE, None, "csv"),
        "tess@example.org": ("teacher", ACTIVE, None, "csv"),
        "boss@example.org": ("admin,teacher", ACTIVE, None, "csv"),
    }
    assert verify_password("bob-password-1", account(hub, "bob@example.org").password_hash or "")

    assert outcome.credentials_csv is not None
    credentials = read_credentials(outcome.credentials_csv)
    assert [(c["email"], c["first_name"], c["last_name"], c["role"]) for c in credentials] == [
        ("ada@example.org", "Ada", "Lovelace", "student"),
        ("tess@example.org", "Tess", "Teach", "teacher"),
        ("boss@example.org", "Bo", "Ss", "admin"),
    ]
    for row in credentials:  # stored only as a hash, and the hash matches what was handed out
        stored = account(hub, row["email"]).password_hash or ""
        assert row["password"] not in stored and verify_password(row["password"], stored)

    with Session(hub.engine) as session:
        stored_upload = session.get(Upload, outcome.upload_id)
        events = session.execute(select(AuditEvent).where(AuditEvent.action == "upload.apply"))
        [event] = events.scalars().all()
    assert stored_upload is not None and stored_upload.status == "applied"
    assert stored_upload.content is None and stored_upload.counts["created"] == 4
    assert (event.actor, event.target) == ("ann", outcome.upload_id)
    assert all(row["password"] not in str(event.detail) for row in credentials)
    assert event.detail["counts"] == outcome.result["counts"]


def test_same_file_again_is_unchanged_and_keeps_passwords(hub: Hub, north: School) -> None:
    upload(hub, north, BASIC)
    hashes = {e: account(hub, e).password_hash for e in ("ada@example.org", "bob@example.org")}
    outcome = upload(hub, north, BASIC)
    assert outcome.result["counts"] == {**ZERO, "unchanged": 4}
    assert outcome.credentials_csv is None
    assert {e: account(hub, e).password_hash for e in hashes} == hashes


def test_updates_names_roles_and_passwords_of_csv_accounts(hub: Hub, north: School) -> None:
    upload(hub, north, BASIC)
    ada_hash = account(hub, "ada@example.org").password_hash
    changed = roster(
        ("Student", ("ada@example.org", "Ada", "King", "", "")),  # name; blank password kept
        ("Student", ("bob@example.org", "Bob", "Babbage", "new-password-2", "")),
        ("Admin", ("tess@example.org", "Tess", "Teach", "", "")),  # promoted
        ("Admin", ("boss@example.org", "Bo", "Ss", "", "")),
    )
    outcome = upload(hub, north, changed)
    assert outcome.result["counts"] == {**ZERO, "updated": 3, "unchanged": 1}
    assert outcome.credentials_csv is None
    ada = account(hub, "ada@example.org")
    assert (ada.last_name, ada.password_hash) == ("King", ada_hash)
    assert verify_password("new-password-2", account(hub, "bob@example.org").password_hash or "")
    assert members(hub, north)["tess@example.org"][0] == "admin,teacher"


def test_uploads_never_deactivate_and_reactivate_csv_members(hub: Hub, north: School) -> None:
    upload(hub, north, BASIC)
    with hub.transaction() as session:
        session.execute(
            update(Membership).where(Membership.status == ACTIVE).values(status=DEACTIVATED)  # type: ignore[arg-type]
        )
    outcome = upload(
        hub, north, roster(("Student", ("ada@example.org", "Ada", "Lovelace", "", "")))
    )
    assert outcome.result["counts"] == {**ZERO, "updated": 1}
    statuses = {email: m[1] for email, m in members(hub, north).items()}
    assert statuses["ada@example.org"] == ACTIVE
    assert statuses["bob@example.org"] == DEACTIVATED  # absent from the file: left alone


def test_additional_schools(hub: Hub, north: School, south: School) -> None:
    data = roster(
        ("Teacher", ("tess@example.org", "Tess", "Teach", "", "south middle; North High")),
    )
    outcome = upload(hub, north, data)
    assert outcome.result["counts"] == {**ZERO, "created": 1, "passwords_generated": 1}
    assert members(hub, north)["tess@example.org"][:2] == ("teacher", ACTIVE)
    assert members(hub, south)["tess@example.org"][:2] == ("teacher", ACTIVE)
    assert table_counts(hub) == (1, 2)

    again = upload(hub, north, data)
    assert again.result["counts"] == {**ZERO, "unchanged": 1}


def test_integration_owned_membership_is_left_alone(hub: Hub, north: School) -> None:
    with hub.transaction() as session:
        integration = Integration(school_id=north.id, provider="clever")
        person = Account(email="ada@example.org", first_name="Ada", last_name="Clever")
        session.add_all([integration, person])
        session.flush()
        assert person.id is not None
        session.add(
            Membership(
                account_id=person.id,
                school_id=north.id,
                roles="student",
                integration_id=integration.id,
                source="clever",
                external_id="c-1",
            )
        )
    outcome = upload(
        hub,
        north,
        roster(("Teacher", ("ada@example.org", "Ada", "Spreadsheet", "pass-word-9", ""))),
    )
    assert outcome.result["status"] == "applied"
    assert outcome.result["counts"] == {**ZERO, "unchanged": 1}
    [warning] = outcome.result["warnings"]
    assert (warning["sheet"], warning["row"], warning["column"]) == ("Teacher", 2, "Email")
    assert "clever integration" in warning["message"] and "left as it is" in warning["message"]
    ada = account(hub, "ada@example.org")
    assert (ada.last_name, ada.password_hash) == ("Clever", None)
    assert members(hub, north)["ada@example.org"] == ("student", ACTIVE, integration.id, "clever")


def test_person_from_another_school_gets_a_membership_only(
    hub: Hub, north: School, south: School
) -> None:
    upload(
        hub, south, roster(("Student", ("ada@example.org", "Ada", "Lovelace", "first-pass-1", "")))
    )
    ada_before = account(hub, "ada@example.org")
    outcome = upload(
        hub, north, roster(("Student", ("ada@example.org", "Ada", "Other", "other-pass-2", "")))
    )
    assert outcome.result["counts"] == {**ZERO, "created": 1}
    assert outcome.credentials_csv is None
    [warning] = outcome.result["warnings"]
    assert (warning["sheet"], warning["row"], warning["column"]) == ("Student", 2, "Password")
    ada = account(hub, "ada@example.org")
    assert (ada.last_name, ada.password_hash) == ("Lovelace", ada_before.password_hash)
    assert members(hub, north)["ada@example.org"][3] == "csv"


# -- nothing written ---------------------------------------------------------------------------


def test_dry_run_writes_nothing_but_the_upload_record(hub: Hub, north: School) -> None:
    before = table_counts(hub)
    outcome = upload(hub, north, BASIC, dry_run=True)
    assert outcome.result["status"] == "dry_run"
    assert outcome.result["counts"] == {**ZERO, "created": 4, "passwords_generated": 3}
    assert outcome.credentials_csv is None
    assert table_counts(hub) == before
    with Session(hub.engine) as session:
        stored = session.get(Upload, outcome.upload_id)
    assert stored is not None and stored.status == "dry_run" and stored.content is None

    applied = upload(hub, north, BASIC)
    assert applied.result["counts"] == outcome.result["counts"]


def test_dry_run_counts_a_changed_password_as_an_update(hub: Hub, north: School) -> None:
    upload(hub, north, BASIC)
    bob = account(hub, "bob@example.org")
    changed = roster(("Student", ("bob@example.org", "Bob", "Babbage", "another-pass-3", "")))
    outcome = upload(hub, north, changed, dry_run=True)
    assert outcome.result["counts"] == {**ZERO, "updated": 1}
    assert account(hub, "bob@example.org").password_hash == bob.password_hash


@pytest.mark.parametrize(
    ("content", "name", "where"),
    [
        (
            xlsx(
                {
                    "Student": [
                        HEADER,
                        ["ok@example.org", "Ok", "Fine", "", ""],
                        ["bad", "B", "C", "", ""],
                    ]
                }
            ),
            "f.xlsx",
            ("Student", 3, "Email"),
        ),
        (
            xls({"Teacher": [HEADER, ["ok@example.org", "", "Fine", "", ""]]}),
            "f.xls",
            ("Teacher", 2, "First Name"),
        ),
        (
            ods({"Admin": [HEADER, ["ok@example.org", "Ok", "Fine", "short", ""]]}),
            "f.ods",
            ("Admin", 2, "Password"),
        ),
        (
            csv_bytes([CSV_HEADER, ["ok@example.org", "Ok", "Fine", "", "janitor", ""]], bom=True),
            "f.csv",
            ("f.csv", 2, "Role"),
        ),
        (
            xlsx({"Student": [HEADER, ["ok@example.org", "Ok", "Fine", "", "Nowhere"]]}),
            "f.xlsx",
            ("Student", 2, "Additional Schools"),
        ),
        (
            xlsx(
                {
                    "Student": [HEADER, ["ok@example.org", "Ok", "Fine", "", ""]],
                    "Teacher": [HEADER, ["OK@example.org", "Ok", "Fine", "", ""]],
                }
            ),
            "f.xlsx",
            ("Teacher", 2, "Email"),
        ),
        (
            xlsx({"Student": [HEADER[1:], ["Ok", "Fine", "", ""]]}),
            "f.xlsx",
            ("Student", 1, "Email"),
        ),
        (b"%PDF-1.4 not a roster", "f.xlsx", ("f.xlsx", 0, None)),
        (b"", "empty.csv", ("empty.csv", 0, None)),
    ],
    ids=[
        "email",
        "xls-name",
        "ods-password",
        "csv-role",
        "school",
        "duplicate",
        "column",
        "pdf",
        "empty",
    ],
)
def test_rejected_file_writes_nothing_but_the_upload_record(
    hub: Hub, north: School, content: bytes, name: str, where: tuple
) -> None:
    before = table_counts(hub)
    outcome = upload(hub, north, content, name=name)
    assert outcome.result["status"] == "rejected"
    assert outcome.result["counts"] == ZERO
    assert outcome.credentials_csv is None
    [error] = outcome.result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == where
    assert table_counts(hub) == before
    with Session(hub.engine) as session:
        stored = session.get(Upload, outcome.upload_id)
    assert stored is not None and stored.status == "rejected"
    assert stored.errors == outcome.result["errors"] and stored.content is None


def test_over_large_file_writes_nothing(
    hub: Hub, north: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    from hub import limits

    monkeypatch.setattr(limits, "MAX_FILE_BYTES", 1000)
    content = xlsx({"Student": [HEADER, ["ok@example.org", "Ok", "Fine", "", ""]]})
    assert len(content) > 1000
    before = table_counts(hub)
    outcome = upload(hub, north, content, name="big.xlsx")
    assert outcome.result["status"] == "rejected"
    [error] = outcome.result["errors"]
    assert (error["sheet"], error["row"], error["column"]) == ("big.xlsx", 0, None)
    assert "the limit is" in error["message"]
    assert table_counts(hub) == before


def test_unknown_school_is_a_usage_error(hub: Hub) -> None:
    with pytest.raises(UsageError, match="unknown school"):
        process_upload(
            hub, school_id="sch_nope", filename="f.xlsx", content=BASIC, dry_run=False, actor="a"
        )


# -- preview and confirm -------------------------------------------------------------------------


def test_preview_then_confirm_applies_once(hub: Hub, north: School) -> None:
    before = table_counts(hub)
    preview = preview_upload(
        hub, school_id=north.id, filename="chat.xlsx", content=BASIC, actor="u1"
    )
    assert preview.result["status"] == "dry_run"
    assert preview.result["counts"] == {**ZERO, "created": 4, "passwords_generated": 3}
    assert preview.credentials_csv is None
    assert table_counts(hub) == before
    with Session(hub.engine) as session:
        pending = session.get(Upload, preview.upload_id)
    assert pending is not None and pending.status == "pending"
    assert pending.content is not None and unsealed(hub, pending) == BASIC  # kept encrypted

    first = confirm_upload(hub, upload_id=preview.upload_id, actor="u1")
    assert first.upload_id == preview.upload_id
    assert first.result["status"] == "applied"
    assert first.result["counts"] == preview.result["counts"]
    assert first.credentials_csv is not None and len(read_credentials(first.credentials_csv)) == 3
    after = table_counts(hub)
    hashes = {e: account(hub, e).password_hash for e in members(hub, north)}

    second = confirm_upload(hub, upload_id=preview.upload_id, actor="u1")
    assert second.result == first.result
    assert second.credentials_csv is None
    assert table_counts(hub) == after
    assert {e: account(hub, e).password_hash for e in hashes} == hashes
    with Session(hub.engine) as session:
        stored = session.get(Upload, preview.upload_id)
        events = session.execute(select(AuditEvent).where(AuditEvent.target == preview.upload_id))
        assert len(events.scalars().all()) == 1
    assert stored is not None and stored.content is None


def test_two_confirms_at_once_apply_once(hub: Hub, north: School) -> None:
    """A double click in chat: both confirms run together; one applies, the other reports it."""
    preview = preview_upload(hub, school_id=north.id, filename="x.xlsx", content=BASIC, actor="u")
    start = threading.Barrier(2)

    def confirm() -> UploadOutcome:
        start.wait()
        return confirm_upload(hub, upload_id=preview.upload_id, actor="u")

    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda _: confirm(), range(2)))
    assert [o.result["status"] for o in outcomes] == ["applied", "applied"]
    assert sorted(o.credentials_csv is None for o in outcomes) == [False, True]
    assert table_counts(hub) == (4, 4)
    with Session(hub.engine) as session:
        events = session.execute(select(AuditEvent).where(AuditEvent.target == preview.upload_id))
        assert len(events.scalars().all()) == 1


def test_rejected_preview_cannot_be_confirmed(hub: Hub, north: School) -> None:
    bad = xlsx({"Student": [HEADER, ["nope", "A", "B", "", ""]]})
    preview = preview_upload(hub, school_id=north.id, filename="x.xlsx", content=bad, actor="u")
    assert preview.result["status"] == "rejected"
    with pytest.raises(UsageError, match="nothing to confirm"):
        confirm_upload(hub, upload_id=preview.upload_id, actor="u")


def test_old_preview_must_be_sent_again(hub: Hub, north: School) -> None:
    preview = preview_upload(hub, school_id=north.id, filename="x.xlsx", content=BASIC, actor="u")
    with hub.transaction() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == preview.upload_id)  # type: ignore[arg-type]
            .values(created_at=utcnow() - timedelta(hours=1, minutes=1))
        )
    with pytest.raises(UsageError, match="more than an hour old"):
        confirm_upload(hub, upload_id=preview.upload_id, actor="u")
    assert table_counts(hub) == (0, 0)
    with pytest.raises(UsageError, match="expired"):
        confirm_upload(hub, upload_id=preview.upload_id, actor="u")


def test_cancel_and_unknown_uploads(hub: Hub, north: School) -> None:
    preview = preview_upload(hub, school_id=north.id, filename="x.xlsx", content=BASIC, actor="u")
    cancel_upload(hub, upload_id=preview.upload_id, actor="u")
    with pytest.raises(UsageError, match="cancelled"):
        confirm_upload(hub, upload_id=preview.upload_id, actor="u")
    assert table_counts(hub) == (0, 0)
    with pytest.raises(UsageError, match="unknown upload"):
        confirm_upload(hub, upload_id="upl_missing", actor="u")
    with pytest.raises(UsageError, match="unknown upload"):
        cancel_upload(hub, upload_id="upl_missing", actor="u")


# -- the credentials file ------------------------------------------------------------------------


def test_credentials_csv_escapes_formulas(hub: Hub, north: School) -> None:
    data = roster(
        ("Student", ("eve@example.org", '=HYPERLINK("http://evil","x")', "+1", "", "")),
        ("Student", ("mal@example.org", "@SUM(A1)", "-2", "", "")),
    )
    outcome = upload(hub, north, data)
    assert outcome.credentials_csv is not None
    rows = read_credentials(outcome.credentials_csv)
    assert [(r["first_name"], r["last_name"]) for r in rows] == [
        ('\'=HYPERLINK("http://evil","x")', "'+1"),
        ("'@SUM(A1)", "'-2"),
    ]
    # The names themselves are stored as typed: escaping is for spreadsheets only.
    assert account(hub, "eve@example.org").first_name == '=HYPERLINK("http://evil","x")'


def test_credentials_csv_layout() -> None:
    data = credentials_csv([("a@example.org", "Zoë", "=X", "student", "abcd-efgh-jkmn")])
    assert data.decode("utf-8") == (
        "email,first_name,last_name,role,password\r\n"
        "a@example.org,Zoë,'=X,student,abcd-efgh-jkmn\r\n"
    )
