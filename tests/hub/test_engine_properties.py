"""Properties of the engine: whatever sequence of full rosters an integration syncs, the
database ends up holding exactly what the last roster implies, other owners' memberships are
never touched, and syncing the last roster again changes nothing; and any run followed by its
undo leaves every account and membership as it was before the run (those the run created
deactivated, never deleted)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hub import runs, undo
from hub.actors import Actor
from hub.context import Hub
from hub.models import Account, Membership
from hub.roster import RosterRecord
from hub.schools import create_school
from tests.fakes import FakeRoster, WriteCounter, connect, seed_membership, use_fakes

PEOPLE = 6
ROLE_SETS = [
    frozenset({"student"}),
    frozenset({"teacher"}),
    frozenset({"admin"}),
    frozenset({"student", "teacher"}),  # a conflict
    frozenset(),  # no role
]
_examples = itertools.count()


@dataclass(frozen=True)
class Entry:
    person: int
    variant: int  # which of the person's two emails
    first: str
    roles: frozenset[str]
    active: bool


entries = st.builds(
    Entry,
    person=st.integers(0, PEOPLE + 1),  # the last two are people another owner holds
    variant=st.integers(0, 1),
    first=st.sampled_from(["Ada", "Grace"]),
    roles=st.sampled_from(ROLE_SETS),
    active=st.booleans(),
)
snapshots = st.lists(
    st.lists(entries, max_size=PEOPLE + 2, unique_by=lambda e: e.person), min_size=1, max_size=4
)


def email(tag: str, entry: Entry) -> str:
    if entry.person == PEOPLE:
        return f"{tag}-sheet@school.example"  # owned by an upload
    if entry.person == PEOPLE + 1:
        return f"{tag}-other@school.example"  # owned by another integration
    return f"{tag}-p{entry.person}.{entry.variant}@school.example"


def records(tag: str, snapshot: list[Entry]) -> list[RosterRecord]:
    """A snapshot as the provider's records."""
    return [
        RosterRecord(
            external_id=f"p{e.person}",
            email=email(tag, e),
            first_name=e.first,
            roles=e.roles,
            active=e.active,
        )
        for e in snapshot
    ]


def hub_roles(roles: frozenset[str]) -> str | None:
    """What the mapping stores, or None when the record is refused."""
    mapped = set(roles) | ({"teacher"} if "admin" in roles else set())
    if not mapped or ("student" in mapped and len(mapped) > 1):
        return None
    return ",".join(sorted(mapped))


def expected_after(tag: str, history: list[list[Entry]]) -> dict[str, tuple[str, str, str, str]]:
    """external id -> (email, first name, roles, status) the integration should own."""
    state: dict[str, tuple[str, str, str, str]] = {}
    for snapshot in history:
        seen = set()
        for entry in snapshot:
            ext = f"p{entry.person}"
            seen.add(ext)
            if entry.person >= PEOPLE:
                continue  # someone else's: skipped every time
            if not entry.active:
                if ext in state:
                    state[ext] = (*state[ext][:3], "deactivated")
                continue
            roles = hub_roles(entry.roles)
            if roles is None:
                continue  # refused: an existing membership stays as it was
            state[ext] = (email(tag, entry), entry.first, roles, "active")
        for ext, value in state.items():
            if ext not in seen:
                state[ext] = (*value[:3], "deactivated")
    return state


def owned(hub: Hub, integration_id: str) -> dict[str, tuple[str, str, str, str]]:
    m, a = Membership.__table__, Account.__table__  # type: ignore[attr-defined]
    query = (
        select(m.c.external_id, a.c.email, a.c.first_name, m.c.roles, m.c.status)
        .join(a, a.c.id == m.c.account_id)
        .where(m.c.integration_id == integration_id)
    )
    with hub.engine.connect() as conn:
        return {ext: (e, f, r, s) for ext, e, f, r, s in conn.execute(query)}


def others(hub: Hub, school_id: str, integration_id: str) -> list[Any]:
    m, a = Membership.__table__, Account.__table__  # type: ignore[attr-defined]
    query = (
        select(a.c.email, a.c.first_name, m.c.roles, m.c.status, m.c.source, m.c.updated_at)
        .join(a, a.c.id == m.c.account_id)
        .where(m.c.school_id == school_id)
        .where((m.c.integration_id != integration_id) | m.c.integration_id.is_(None))
        .order_by(a.c.email)
    )
    with hub.engine.connect() as conn:
        return [tuple(row) for row in conn.execute(query)]


@pytest.fixture
def eng(sqlite_hub: Hub) -> Hub:
    return use_fakes(sqlite_hub)


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=snapshots)
def test_the_last_roster_decides(eng: Hub, history: list[list[Entry]]) -> None:
    # Every example gets its own school and email namespace in the same database.
    tag = f"x{next(_examples)}"
    school = create_school(eng, name=f"School {tag}", actor="test")
    other = connect(eng, FakeRoster(), school=school)
    seed_membership(eng, school_id=school.id, email=f"{tag}-sheet@school.example")
    seed_membership(
        eng,
        school_id=school.id,
        email=f"{tag}-other@school.example",
        source="fake",
        integration_id=other.id,
        external_id="theirs",
    )
    roster = FakeRoster()
    integration = connect(eng, roster, school=school)
    before = others(eng, school.id, integration.id)

    for snapshot in history:
        roster.people(*records(tag, snapshot))
        run = runs.submit(
            eng, runs.RunRequest(integration_id=integration.id, force=True), here=True
        ).run
        assert run.status == "succeeded", run.error

    assert owned(eng, integration.id) == expected_after(tag, history)
    assert others(eng, school.id, integration.id) == before

    with WriteCounter(eng) as writes:
        again = runs.submit(
            eng, runs.RunRequest(integration_id=integration.id, force=True), here=True
        ).run
    assert writes.statements == []
    changed = {k: v for k, v in again.counts.items() if k not in ("unchanged", "skipped") and v}
    assert changed == {}


def state(hub: Hub, school_id: str) -> tuple[dict[int, Any], dict[int, Any]]:
    """Every account, and every membership at the school, by id (what an undo restores)."""
    m, a = Membership.__table__, Account.__table__  # type: ignore[attr-defined]
    with hub.engine.connect() as conn:
        people = {
            row[0]: tuple(row[1:])
            for row in conn.execute(
                select(a.c.id, a.c.email, a.c.first_name, a.c.last_name, a.c.password_hash)
            )
        }
        members = {
            row[0]: tuple(row[1:])
            for row in conn.execute(
                select(
                    m.c.id,
                    m.c.account_id,
                    m.c.roles,
                    m.c.status,
                    m.c.external_id,
                    m.c.record_hash,
                    m.c.origin,
                    m.c.integration_id,
                    m.c.source,
                ).where(m.c.school_id == school_id)
            )
        }
    return people, members


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(history=snapshots, last=st.lists(entries, max_size=PEOPLE + 2, unique_by=lambda e: e.person))
def test_a_run_then_its_undo_leaves_the_database_as_before(
    eng: Hub, history: list[list[Entry]], last: list[Entry]
) -> None:
    tag = f"u{next(_examples)}"
    school = create_school(eng, name=f"School {tag}", actor="test")
    seed_membership(eng, school_id=school.id, email=f"{tag}-sheet@school.example")
    roster = FakeRoster()
    integration = connect(eng, roster, school=school)

    def sync(snapshot: list[Entry]) -> Any:
        roster.people(*records(tag, snapshot))
        run = runs.submit(
            eng, runs.RunRequest(integration_id=integration.id, force=True), here=True
        ).run
        assert run.status == "succeeded", run.error
        return run

    for snapshot in history:
        sync(snapshot)
    people_before, members_before = state(eng, school.id)
    run = sync(last)
    changed = any(v for k, v in run.counts.items() if k not in ("unchanged", "skipped"))
    if not changed:
        return
    undone = undo.undo(eng, run.id, actor=Actor.everywhere("test"), force=True, here=True).run
    assert undone is not None and undone.status == "succeeded", undone and undone.error
    people_after, members_after = state(eng, school.id)
    for account_id, before in people_before.items():
        assert people_after[account_id] == before
    for membership_id, before in members_before.items():
        assert members_after[membership_id] == before
    for membership_id in members_after.keys() - members_before.keys():
        assert members_after[membership_id][2] == "deactivated"  # created: deactivated, kept
