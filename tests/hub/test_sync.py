"""The sync engine's rules (INTERFACE "Sync semantics"), through runs.sync_now, on every
supported database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import col

from hub import runs
from hub.context import Hub
from hub.models import Account, Integration, Membership
from hub.roster import Skip
from hub.schools import create_school
from tests.fakes import FakeRoster, WriteCounter, accounts, connect, rec, seed_membership, use_fakes


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


def sync(hub: Hub, integration: Integration, **kw: Any) -> dict[str, Any]:
    return runs.run_json(
        hub, runs.submit(hub, runs.RunRequest(integration_id=integration.id, **kw), here=True).run
    )


def count(hub: Hub, model: Any) -> int:
    with hub.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_creates_accounts_with_hub_roles(eng: Hub) -> None:
    roster = FakeRoster().people(
        rec("s1", " Ada@Example.ORG ", first=" Ada ", last="Lovelace "),
        rec("t1", roles="teacher"),
        rec("a1", roles="admin"),
    )
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["status"] == "succeeded"
    assert run["counts"] == {
        "created": 3,
        "updated": 0,
        "deactivated": 0,
        "reactivated": 0,
        "unchanged": 0,
        "skipped": 0,
    }
    got = accounts(eng, integration.school_id)
    assert got["ada@example.org"] == {
        "email": "ada@example.org",
        "first_name": "Ada",
        "last_name": "Lovelace",
        "roles": ["student"],
        "status": "active",
        "source": "fake",
        "external_id": "s1",
    }
    assert got["t1@school.example"]["roles"] == ["teacher"]
    assert got["a1@school.example"]["roles"] == ["admin", "teacher"]


def test_admin_implies_teacher_can_be_turned_off(eng: Hub) -> None:
    roster = FakeRoster().people(rec("a1", roles="admin"))
    integration = connect(eng, roster, admin_implies_teacher="false")
    sync(eng, integration)
    assert accounts(eng, integration.school_id)["a1@school.example"]["roles"] == ["admin"]


def test_student_and_staff_conflict_creates_nothing(eng: Hub) -> None:
    roster = FakeRoster().people(rec("x", roles="student,teacher"), rec("ok"))
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["counts"]["created"] == 1 and run["counts"]["skipped"] == 1
    assert [i["severity"] for i in run["issues"]] == ["error"]
    assert run["issues"][0]["external_id"] == "x"
    assert "x@school.example" not in accounts(eng, integration.school_id)


def test_conflict_on_an_existing_account_keeps_its_roles(eng: Hub) -> None:
    roster = FakeRoster().people(rec("x", roles="teacher", last="Before"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("x", roles="admin,student", last="After"))
    run = sync(eng, integration)
    assert run["counts"]["skipped"] == 1 and run["counts"]["deactivated"] == 0
    assert run["issues"][0]["severity"] == "error"
    assert "keeps the roles" in run["issues"][0]["message"]
    account = accounts(eng, integration.school_id)["x@school.example"]
    assert account["roles"] == ["teacher"] and account["status"] == "active"
    assert account["last_name"] == "Before"


def test_records_without_roles_or_email_are_skipped_with_a_warning(eng: Hub) -> None:
    roster = FakeRoster().people(rec("n", roles=""), rec("e", email=""))
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["counts"]["skipped"] == 2 and run["counts"]["created"] == 0
    assert {i["severity"] for i in run["issues"]} == {"warning"}
    assert count(eng, Account) == 0


def test_provider_skips_count_as_skipped(eng: Hub) -> None:
    roster = FakeRoster()
    roster.items = [rec("a"), Skip("guardian; not synced", external_id="g1")]
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["counts"]["skipped"] == 1 and run["counts"]["created"] == 1
    assert run["issues"] == [
        {
            "severity": "warning",
            "external_id": "g1",
            "email": None,
            "message": "guardian; not synced",
        }
    ]


def test_unchanged_resync_writes_no_account_or_membership_rows(eng: Hub) -> None:
    roster = FakeRoster().people(
        *(rec(f"p{i}", roles="teacher" if i % 3 else "student") for i in range(30))
    )
    integration = connect(eng, roster)
    sync(eng, integration)
    with eng.engine.connect() as conn:
        before = conn.execute(select(Membership.updated_at, Account.updated_at).join(Account)).all()  # type: ignore[call-overload]
    with WriteCounter(eng) as writes:
        run = sync(eng, integration)
    assert run["counts"]["unchanged"] == 30
    assert sum(v for k, v in run["counts"].items() if k != "unchanged") == 0
    assert writes.statements == []
    with eng.engine.connect() as conn:
        after = conn.execute(select(Membership.updated_at, Account.updated_at).join(Account)).all()  # type: ignore[call-overload]
    assert sorted(before) == sorted(after)


def test_changed_names_and_roles_update(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1", first="Ada"), rec("p2", roles="teacher"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("p1", first="Augusta"), rec("p2", roles="admin"))
    run = sync(eng, integration)
    assert run["counts"]["updated"] == 2 and run["counts"]["created"] == 0
    got = accounts(eng, integration.school_id)
    assert got["p1@school.example"]["first_name"] == "Augusta"
    assert got["p2@school.example"]["roles"] == ["admin", "teacher"]


def test_roles_only_change_does_not_rewrite_the_account(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1", roles="teacher"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("p1", roles="admin"))
    with WriteCounter(eng) as writes:
        run = sync(eng, integration)
    assert run["counts"]["updated"] == 1
    assert writes.statements
    assert all(s.lstrip().upper().startswith("UPDATE MEMBERSHIP") for s in writes.statements)


def test_changed_email_with_the_same_id_updates_the_account(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1", "old@school.example"))
    integration = connect(eng, roster)
    sync(eng, integration)
    with eng.session() as session:
        account_id = session.scalars(
            select(col(Account.id)).where(col(Account.email) == "old@school.example")
        ).one()
    roster.people(rec("p1", "New@School.example"))
    run = sync(eng, integration)
    assert run["counts"]["updated"] == 1 and run["counts"]["created"] == 0
    assert count(eng, Account) == 1
    got = accounts(eng, integration.school_id)
    assert list(got) == ["new@school.example"]
    with eng.session() as session:
        assert session.get(Account, account_id).email == "new@school.example"  # type: ignore[union-attr]


def test_changed_email_that_belongs_to_another_account_is_an_error(eng: Hub) -> None:
    school = create_school(eng, name="North", actor="test")
    seed_membership(eng, school_id=school.id, email="taken@school.example")
    other = create_school(eng, name="South", actor="test")
    roster = FakeRoster().people(rec("p1", "mine@school.example"))
    integration = connect(eng, roster, school=other)
    sync(eng, integration)
    roster.people(rec("p1", "taken@school.example"))
    run = sync(eng, integration)
    assert run["counts"]["skipped"] == 1 and run["counts"]["updated"] == 0
    assert run["issues"][0]["severity"] == "error"
    assert "belongs to another account" in run["issues"][0]["message"]
    assert list(accounts(eng, other.id)) == ["mine@school.example"]


def test_a_synced_person_the_provider_now_skips_is_kept_as_is(eng: Hub) -> None:
    roster = FakeRoster().people(rec("a"), rec("b"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.items = [rec("a"), Skip("no email address", external_id="b")]
    run = sync(eng, integration)
    assert run["counts"]["deactivated"] == 0 and run["counts"]["skipped"] == 1
    assert accounts(eng, integration.school_id)["b@school.example"]["status"] == "active"


def test_full_run_deactivates_absent_people_and_reactivates_returning_ones(eng: Hub) -> None:
    people = [rec(f"p{i}") for i in range(10)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(*people[:9])
    run = sync(eng, integration)
    assert run["counts"]["deactivated"] == 1 and run["counts"]["unchanged"] == 9
    got = accounts(eng, integration.school_id)
    assert got["p9@school.example"]["status"] == "deactivated"
    assert count(eng, Membership) == 10 and count(eng, Account) == 10  # never deleted
    roster.people(*people)
    run = sync(eng, integration)
    assert run["counts"]["reactivated"] == 1 and run["counts"]["unchanged"] == 9
    assert accounts(eng, integration.school_id)["p9@school.example"]["status"] == "active"


def test_reactivation_applies_changes_made_while_away(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1", first="Ada"), *(rec(f"o{i}") for i in range(9)))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(*(rec(f"o{i}") for i in range(9)))
    sync(eng, integration)
    roster.people(rec("p1", first="Augusta", roles="teacher"), *(rec(f"o{i}") for i in range(9)))
    run = sync(eng, integration)
    assert run["counts"]["reactivated"] == 1 and run["counts"]["updated"] == 0
    got = accounts(eng, integration.school_id)["p1@school.example"]
    assert (got["status"], got["first_name"], got["roles"]) == ("active", "Augusta", ["teacher"])


def test_inactive_record_deactivates_and_never_seen_inactive_is_skipped(eng: Hub) -> None:
    roster = FakeRoster().people(rec("p1"), rec("p2"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("p1", active=False), rec("p2"), rec("p3", active=False))
    run = sync(eng, integration)
    assert run["counts"]["deactivated"] == 1
    assert run["counts"]["skipped"] == 1  # p3: inactive and never seen
    got = accounts(eng, integration.school_id)
    assert got["p1@school.example"]["status"] == "deactivated"
    assert "p3@school.example" not in got
    assert count(eng, Account) == 2


def test_membership_owned_by_an_upload_is_left_alone(eng: Hub) -> None:
    school = create_school(eng, name="North", actor="test")
    seed_membership(eng, school_id=school.id, email="sheet@school.example", roles="teacher")
    roster = FakeRoster().people(rec("p1", "SHEET@school.example", roles="student", first="X"))
    integration = connect(eng, roster, school=school)
    run = sync(eng, integration)
    assert run["counts"]["skipped"] == 1 and run["counts"]["created"] == 0
    assert run["issues"][0]["severity"] == "warning"
    assert "csv" in run["issues"][0]["message"]
    got = accounts(eng, school.id)["sheet@school.example"]
    assert (got["roles"], got["source"], got["first_name"]) == (["teacher"], "csv", "Sheet")
    # a full run with the person gone does not deactivate what it does not own
    roster.people()
    run = sync(eng, integration)
    assert accounts(eng, school.id)["sheet@school.example"]["status"] == "active"


def test_membership_owned_by_another_integration_is_left_alone(eng: Hub) -> None:
    school = create_school(eng, name="North", actor="test")
    first = connect(eng, FakeRoster().people(rec("a1", "shared@school.example")), school=school)
    sync(eng, first)
    second_roster = FakeRoster().people(rec("b1", "shared@school.example", roles="teacher"))
    second = connect(eng, second_roster, school=school)
    run = sync(eng, second)
    assert run["counts"]["skipped"] == 1
    assert first.id in run["issues"][0]["message"]
    got = accounts(eng, school.id)["shared@school.example"]
    assert (got["roles"], got["external_id"]) == (["student"], "a1")


def test_existing_account_elsewhere_gets_a_membership_here(eng: Hub) -> None:
    north = create_school(eng, name="North", actor="test")
    south = create_school(eng, name="South", actor="test")
    seed_membership(eng, school_id=north.id, email="ada@school.example", first="Ada")
    roster = FakeRoster().people(rec("p1", "ada@school.example", roles="teacher", first="A."))
    integration = connect(eng, roster, school=south)
    run = sync(eng, integration)
    assert run["counts"]["created"] == 1
    assert count(eng, Account) == 1 and count(eng, Membership) == 2
    assert accounts(eng, south.id)["ada@school.example"]["roles"] == ["teacher"]
    assert accounts(eng, north.id)["ada@school.example"]["source"] == "csv"
    # unchanged the next time
    assert sync(eng, integration)["counts"]["unchanged"] == 1


def test_duplicate_ids_and_emails_in_one_roster(eng: Hub) -> None:
    roster = FakeRoster().people(
        rec("p1", "one@school.example"),
        rec("p1", "again@school.example"),
        rec("p2", "one@school.example"),
    )
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["counts"]["created"] == 1 and run["counts"]["skipped"] == 2
    assert list(accounts(eng, integration.school_id)) == ["one@school.example"]
    assert {i["external_id"] for i in run["issues"]} == {"p1", "p2"}


def test_rekeyed_person_keeps_their_membership(eng: Hub) -> None:
    roster = FakeRoster().people(rec("old-id", "ada@school.example"), rec("other"))
    integration = connect(eng, roster)
    sync(eng, integration)
    roster.people(rec("new-id", "ada@school.example"), rec("other"))
    run = sync(eng, integration)
    assert run["counts"]["updated"] == 1
    assert run["counts"]["deactivated"] == 0 and run["counts"]["created"] == 0
    got = accounts(eng, integration.school_id)["ada@school.example"]
    assert (got["external_id"], got["status"]) == ("new-id", "active")
    assert sync(eng, integration)["counts"]["unchanged"] == 2


def test_issues_are_capped_with_a_summary(eng: Hub) -> None:
    roster = FakeRoster().people(*(rec(f"n{i}", roles="") for i in range(1100)))
    integration = connect(eng, roster)
    run = sync(eng, integration)
    assert run["counts"]["skipped"] == 1100
    assert len(run["issues"]) == 1000
    assert run["issues"][-1]["message"] == "101 more issues not shown"


def test_lookups_are_batched(eng: Hub) -> None:
    """Emails are resolved with IN queries in chunks, never one query per person."""
    roster = FakeRoster().people(*(rec(f"p{i}") for i in range(2000)))
    integration = connect(eng, roster)
    selects: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "account" in statement:
            selects.append(statement)

    from sqlalchemy import event

    event.listen(eng.engine, "before_cursor_execute", listen)
    try:
        run = sync(eng, integration)
    finally:
        event.remove(eng.engine, "before_cursor_execute", listen)
    assert run["counts"]["created"] == 2000
    assert len(selects) < 10
