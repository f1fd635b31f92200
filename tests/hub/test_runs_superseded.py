"""A held run is approved only while its plan is the latest view of its integration.

Every interleaving of a held run with what can happen before someone approves it: a later
run that applied or was held, a dry run, a failed run, an upload or a change by hand to the
rows it would change, a settings change, and two approvals at once (on every database).
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import select, update

from hub import runs
from hub.accounts import add_manual_account
from hub.context import Hub
from hub.errors import Conflict, UsageError
from hub.integrations import update_integration
from hub.models import AuditEvent, Integration, Membership, Run
from hub.uploads import process_upload
from tests.fakes import FakeRoster, accounts, connect, rec, use_fakes
from tests.plugins.csv.files import CSV_HEADER, csv_bytes

PEOPLE = 276


@pytest.fixture
def eng(hub: Hub) -> Hub:
    return use_fakes(hub)


def statuses(hub: Hub, integration: Integration) -> dict[str, int]:
    got: dict[str, int] = {}
    for account in accounts(hub, integration.school_id).values():
        got[account["status"]] = got.get(account["status"], 0) + 1
    return got


def synced(eng: Hub, count: int = PEOPLE) -> tuple[Integration, FakeRoster, list[Any]]:
    people = [rec(f"p{i}") for i in range(count)]
    roster = FakeRoster().people(*people)
    integration = connect(eng, roster)
    assert (
        runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run.status
        == "succeeded"
    )
    return integration, roster, people


def hold(eng: Hub, integration: Integration) -> Run:
    run = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert run.status == "held", run.error
    return run


def refused(eng: Hub, run: Run) -> str:
    """Approving ``run`` is refused as superseded; returns the message."""
    with pytest.raises(Conflict) as caught:
        runs.approve(eng, run.id, actor="agent")
    message = str(caught.value)
    assert "superseded" in message and "nothing from it was applied" in message
    after = runs.get_run(eng, run.id)
    assert after.status == "superseded" and after.plan is None and after.active_slot is None
    assert after.error is not None and after.error in message
    return message


@pytest.mark.parametrize("returned", [0, PEOPLE - 38], ids=["nobody", "38-of-276-gone"])
def test_a_later_successful_run_supersedes_the_held_one(eng: Hub, returned: int) -> None:
    integration, roster, people = synced(eng)
    roster.people(*people[:returned])  # the provider breaks: the run is held
    held = hold(eng, integration)
    roster.people(*people)  # it recovers: the next run changes nothing
    later = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert later.status == "succeeded" and later.counts["unchanged"] == PEOPLE
    # the newer run marked the old one superseded as it ended
    shown = runs.run_json(eng, runs.get_run(eng, held.id))
    assert shown["status"] == "superseded"
    assert later.id in shown["error"] and "succeeded after this one was held" in shown["error"]
    message = refused(eng, held)
    assert later.id in message
    assert statuses(eng, integration) == {"active": PEOPLE}  # nobody deactivated


def test_a_forced_newer_sync_supersedes_and_its_data_is_kept(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(rec("p0", roles="teacher"), *people[1:10], rec("new"))
    held = hold(eng, integration)
    roster.people(rec("p0", first="Newest"), *people[1:15], rec("p15", last="Newer"), *people[16:])
    forced = runs.submit(
        eng, runs.RunRequest(integration_id=integration.id, force=True), here=True
    ).run
    assert forced.status == "succeeded"
    refused(eng, held)
    got = accounts(eng, integration.school_id)
    assert got["p0@school.example"]["first_name"] == "Newest"
    assert got["p0@school.example"]["roles"] == ["student"]
    assert got["p16@school.example"]["status"] == "active"  # the old plan deactivated it
    assert "new@school.example" not in got


def test_a_dry_run_or_a_failed_run_does_not_supersede(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    held = hold(eng, integration)
    dry = runs.submit(
        eng, runs.RunRequest(integration_id=integration.id, dry_run=True), here=True
    ).run
    assert dry.status == "dry_run"
    roster.fail_after = 0
    failed = runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run
    assert failed.status == "failed"
    assert runs.get_run(eng, held.id).status == "held"
    approved = runs.approve(eng, held.id, actor="agent")
    assert approved.status == "succeeded" and approved.error is None
    assert statuses(eng, integration) == {"active": 12, "deactivated": 8}


def test_a_newer_held_run_supersedes_the_older_one(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    first = hold(eng, integration)
    roster.people(*people[:10])
    second = hold(eng, integration)
    listed = {r.id: r.status for r in runs.list_runs(eng, integration_id=integration.id)}
    assert listed[first.id] == "superseded" and listed[second.id] == "held"
    assert second.id in (runs.get_run(eng, first.id).error or "")
    refused(eng, first)
    assert statuses(eng, integration) == {"active": 20}
    assert runs.approve(eng, second.id, actor="agent").status == "succeeded"
    assert statuses(eng, integration) == {"active": 10, "deactivated": 10}


def test_a_held_run_from_before_the_status_existed_is_still_refused(eng: Hub) -> None:
    """Databases written before ``superseded`` existed may hold old runs still ``held``."""
    integration, roster, people = synced(eng, 20)
    roster.people()
    held = hold(eng, integration)
    roster.people(*people)
    assert (
        runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True).run.status
        == "succeeded"
    )
    table = Run.__table__  # type: ignore[attr-defined]
    with eng.engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.id == held.id)
            .values(status="held", plan=held.plan, error=held.error)
        )
    refused(eng, held)
    assert statuses(eng, integration) == {"active": 20}


def test_an_upload_of_an_account_it_would_create_supersedes(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12], rec("new", first="Provider"))
    held = hold(eng, integration)
    content = csv_bytes([CSV_HEADER, ["new@school.example", "Sheet", "Person", "", "student", ""]])
    result = process_upload(
        eng,
        school_id=integration.school_id,
        filename="late.csv",
        content=content,
        dry_run=False,
        actor="ann",
    )
    assert result.result["status"] == "applied", result.result
    message = refused(eng, held)
    assert "1 account it would change has changed since it was held" in message
    got = accounts(eng, integration.school_id)
    assert got["new@school.example"]["first_name"] == "Sheet"
    assert got["new@school.example"]["source"] == "csv"
    assert statuses(eng, integration) == {"active": 21}  # no deactivation applied either
    issues = runs.run_json(eng, runs.get_run(eng, held.id))["issues"]
    assert [i["external_id"] for i in issues if "since the run was held" in i["message"]] == ["new"]


def test_a_manual_account_it_would_create_supersedes(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12], rec("new"))
    held = hold(eng, integration)
    add_manual_account(
        eng,
        school_id=integration.school_id,
        email="new@school.example",
        first_name="By",
        last_name="Hand",
        roles=["teacher"],
        actor="cli:ann",
    )
    refused(eng, held)
    got = accounts(eng, integration.school_id)
    assert got["new@school.example"]["source"] == "manual"
    assert statuses(eng, integration) == {"active": 21}


def test_a_change_by_hand_to_a_membership_it_would_deactivate_supersedes(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    held = hold(eng, integration)
    table = Membership.__table__  # type: ignore[attr-defined]
    with eng.engine.begin() as conn:
        conn.execute(
            update(table)
            .where(table.c.external_id == "p19", table.c.integration_id == integration.id)
            .values(record_hash="edited-elsewhere")
        )
    refused(eng, held)
    assert statuses(eng, integration) == {"active": 20}


def test_a_settings_change_supersedes(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    held = hold(eng, integration)
    update_integration(eng, integration.id, settings={"incremental": "true"}, actor="t")
    assert "settings changed" in refused(eng, held)
    assert statuses(eng, integration) == {"active": 20}


def test_the_schedule_and_threshold_do_not_count_as_settings(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    held = hold(eng, integration)
    update_integration(
        eng,
        integration.id,
        settings={"schedule": "off", "max_deactivate_percent": "50"},
        actor="t",
    )
    assert runs.approve(eng, held.id, actor="agent").status == "succeeded"


def test_two_approvals_racing_apply_once(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    held = hold(eng, integration)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve() -> None:
        barrier.wait()
        try:
            outcomes.append(runs.approve(eng, held.id, actor="agent").status)
        except UsageError as exc:
            outcomes.append(f"refused: {exc}")

    threads = [threading.Thread(target=approve) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(o.split(":")[0] for o in outcomes) == ["refused", "succeeded"], outcomes
    assert statuses(eng, integration) == {"active": 12, "deactivated": 8}
    with eng.session() as session:
        approvals = session.scalars(
            select(AuditEvent).where(
                AuditEvent.target == held.id,  # type: ignore[arg-type]
                AuditEvent.action == "run.approve",  # type: ignore[arg-type]
            )
        ).all()
    assert len(approvals) == 1


def test_approving_a_superseded_run_again_gives_the_same_reason(eng: Hub) -> None:
    integration, roster, people = synced(eng, 20)
    roster.people(*people[:12])
    held = hold(eng, integration)
    roster.people(*people)
    runs.submit(eng, runs.RunRequest(integration_id=integration.id), here=True)
    first = refused(eng, held)
    assert refused(eng, held) == first
    with eng.session() as session:
        actions = [
            e.action
            for e in session.scalars(select(AuditEvent).where(AuditEvent.target == held.id))  # type: ignore[arg-type]
        ]
    assert actions.count("run.superseded") == 1 and "run.approve" not in actions
