"""A Clever district feeding several hub schools from one walk of /users."""

from __future__ import annotations

import pytest

from hub import districts, schools
from hub.context import Hub
from hub.errors import UsageError
from plugins.clever.sandbox import CleverSandbox
from tests.districts.helpers import account_count, connect, emails, make_district, run_doc, sync


def at(clever: CleverSandbox, school: str) -> set[str]:
    """Emails of the sandbox people with a non-contact role at a Clever school (and the
    district admins, who are admins everywhere)."""
    found = set()
    for user in clever.users:
        roles = user["roles"]
        email = user.get("email")
        if not email:
            continue
        if "district_admin" in roles:
            found.add(email.lower())
            continue
        for key in ("student", "teacher", "staff"):
            info = roles.get(key)
            if info and school in {info.get("school"), *(info.get("schools") or [])}:
                found.add(email.lower())
    return found


def setup(hub: Hub, clever: CleverSandbox, url: str) -> tuple[str, str, str, list[str]]:
    _, (north, south) = make_district(hub, "North Elementary", "South Middle")
    ids = [s["id"] for s in clever.schools]
    integration = connect(
        hub,
        schools.get_school(hub, north).district_id or "",
        "clever",
        {"base_url": url},
        {"token": clever.token},
        {north: {"schools": ids[0]}, south: {"schools": ids[1]}},
    )
    return integration, north, south, ids


def users_walks(clever: CleverSandbox) -> int:
    return sum(1 for r in clever.requests if r.split("?")[0].endswith("/users"))


def test_one_walk_feeds_two_schools(hub: Hub, clever: CleverSandbox, clever_url: str) -> None:
    teacher = clever.add_user(kind="teacher", email="rosa.parks@clever.example.org")
    clever.update_user(
        teacher["id"],
        roles={
            "teacher": {
                "school": clever.schools[0]["id"],
                "schools": [clever.schools[0]["id"], clever.schools[1]["id"]],
            }
        },
    )
    integration, north, south, ids = setup(hub, clever, clever_url)
    before = users_walks(clever)

    run = sync(hub, integration)
    assert run.status == "succeeded", run.error
    assert users_walks(clever) - before == 1  # exactly one walk of /users for both schools
    doc = run_doc(hub, run)
    assert set(doc["schools"]) == {north, south}
    for key, total in doc["counts"].items():
        assert total == sum(part[key] for part in doc["schools"].values())
    assert set(emails(hub, north)) == at(clever, ids[0])
    assert set(emails(hub, south)) == at(clever, ids[1])
    assert emails(hub, north)["rosa.parks@clever.example.org"] == ["teacher"]
    assert emails(hub, south)["rosa.parks@clever.example.org"] == ["teacher"]
    # one account per person, however many schools they are at
    people = at(clever, ids[0]) | at(clever, ids[1])
    assert account_count(hub) == len(people)
    # schools not linked are not touched; unchanged on a second run
    again = sync(hub, integration)
    assert again.status == "succeeded", again.error
    assert again.counts["unchanged"] == doc["counts"]["created"]
    assert again.counts["created"] == 0


def test_move_unlink_and_relink(hub: Hub, clever: CleverSandbox, clever_url: str) -> None:
    integration, north, south, ids = setup(hub, clever, clever_url)
    assert sync(hub, integration).status == "succeeded"
    mover = next(
        u
        for u in clever.users
        if set(u["roles"]) == {"student"}
        and u["roles"]["student"]["schools"] == [ids[0]]
        and u.get("email")
    )
    email = mover["email"].lower()
    moved = dict(mover["roles"]["student"], school=ids[1], schools=[ids[1]])
    clever.update_user(mover["id"], roles={"student": moved})
    run = sync(hub, integration)
    assert run.status == "succeeded", run.error
    assert run.school_counts is not None
    assert run.school_counts[north]["deactivated"] == 1
    assert run.school_counts[south]["created"] == 1
    assert email not in emails(hub, north)
    assert emails(hub, north, include_all=True)[email] == ["student"]
    assert email in emails(hub, south)

    # unlink without --deactivate: the school's accounts stay, as manual
    south_school = schools.get_school(hub, south)
    kept = emails(hub, south)
    result = districts.unlink_school(
        hub, integration, school=south_school, deactivate=False, actor="test"
    )
    assert result == {"integration_id": integration, "school_id": south, "deactivated": 0}
    assert emails(hub, south) == kept
    from hub import accounts

    assert {a["source"] for a in accounts.list_accounts(hub, school_id=south)} == {"manual"}
    after = sync(hub, integration)
    assert after.school_counts is not None and set(after.school_counts) == {north}
    assert emails(hub, south) == kept  # never touched once unlinked

    # unlink with --deactivate: counted, deactivated, never deleted; relinking reactivates
    north_school = schools.get_school(hub, north)
    active = len(emails(hub, north))
    result = districts.unlink_school(
        hub, integration, school=north_school, deactivate=True, actor="test"
    )
    assert result["deactivated"] == active
    assert emails(hub, north) == {}
    assert len(emails(hub, north, include_all=True)) >= active
    districts.link_school(
        hub, integration, school=north_school, settings={"schools": ids[0]}, actor="test"
    )
    back = sync(hub, integration)
    assert back.status == "succeeded", back.error
    assert back.school_counts is not None
    assert back.school_counts[north]["reactivated"] == active
    assert len(emails(hub, north)) == active


def test_safeguard_trips_for_one_school_and_names_it(
    hub: Hub, clever: CleverSandbox, clever_url: str
) -> None:
    integration, north, south, ids = setup(hub, clever, clever_url)
    assert sync(hub, integration).status == "succeeded"
    only_north = [
        u
        for u in clever.users
        if set(u["roles"]) == {"student"} and u["roles"]["student"]["schools"] == [ids[0]]
    ]
    north_active = len(emails(hub, north))
    total = north_active + len(emails(hub, south))
    gone = 6  # more than 10% of the north school, not of the whole district
    assert gone * 100 > 10 * north_active and gone * 100 <= 10 * total
    for user in only_north[:gone]:
        clever.delete_user(user["id"])
    run = sync(hub, integration)
    assert run.status == "held"
    assert run.error is not None
    assert "North Elementary" in run.error and north in run.error
    assert "South Middle" not in run.error
    assert "district as a whole" not in run.error
    assert run.school_counts is not None
    assert run.school_counts[north]["deactivated"] == gone
    assert run.school_counts[south]["deactivated"] == 0
    assert len(emails(hub, north)) == north_active  # nothing applied while held

    from hub import runs

    approved = runs.approve(hub, run.id, actor="test")
    assert approved.status == "succeeded", approved.error
    assert approved.school_counts is not None
    assert approved.school_counts[north]["deactivated"] == gone
    assert len(emails(hub, north)) == north_active - gone


def test_provider_returning_nobody_is_held(
    hub: Hub, clever: CleverSandbox, clever_url: str
) -> None:
    integration, north, _south, _ids = setup(hub, clever, clever_url)
    assert sync(hub, integration).status == "succeeded"
    for user in list(clever.users):
        clever.delete_user(user["id"])
    run = sync(hub, integration)
    assert run.status == "held"
    assert run.error is not None and "no users" in run.error
    assert emails(hub, north)


def test_finished_at_is_stamped_after_the_changes_are_applied(
    hub: Hub, clever: CleverSandbox, clever_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from hub.runs import ending

    integration, _north, _south, _ids = setup(hub, clever, clever_url)
    real = ending.apply_plan

    def slow_apply(*args: object, **kwargs: object) -> None:
        time.sleep(0.3)
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(ending, "apply_plan", slow_apply)
    run = sync(hub, integration)
    assert run.status == "succeeded", run.error
    assert run.started_at is not None and run.finished_at is not None
    took = run.finished_at - run.started_at
    assert took.total_seconds() >= 0.3


def test_a_clever_school_feeds_one_hub_school(
    hub: Hub, clever: CleverSandbox, clever_url: str
) -> None:
    integration, north, south, ids = setup(hub, clever, clever_url)
    south_school = schools.get_school(hub, south)
    for taken in (ids[0], f"{ids[2]},{ids[0]}", [ids[0].upper()]):
        with pytest.raises(
            UsageError, match=r"'.+' \(schools\) already feeds school 'North Elementary'"
        ):
            districts.link_school(
                hub, integration, school=south_school, settings={"schools": taken}, actor="t"
            )
    assert districts.links_of(hub, integration)[south] == {"schools": ids[1]}
    # re-linking a school with its own Clever school (and another free one) is fine
    north_school = schools.get_school(hub, north)
    districts.link_school(
        hub, integration, school=north_school, settings={"schools": f"{ids[0]},{ids[2]}"}, actor="t"
    )
    # once North lets it go, South may take it
    districts.link_school(
        hub, integration, school=north_school, settings={"schools": ids[2]}, actor="t"
    )
    districts.link_school(
        hub, integration, school=south_school, settings={"schools": ids[0]}, actor="t"
    )
