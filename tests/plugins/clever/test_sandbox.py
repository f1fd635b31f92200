"""The Clever sandbox speaks the Data API v3 the way Clever documents it (raw HTTP)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx
import pytest

from plugins.clever.sandbox import CleverSandbox


@pytest.fixture
def api(district: CleverSandbox, clever_url: str) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {district.token}"}
    with httpx.Client(base_url=clever_url, headers=headers) as client:
        yield client


def test_list_envelope_and_next_links(api: httpx.Client, district: CleverSandbox) -> None:
    answer = api.get("/v3.0/users", params={"limit": 25})
    assert answer.status_code == 200
    assert int(answer.headers["X-RateLimit-Limit"]) == 1200
    assert int(answer.headers["X-RateLimit-Reset"]) > time.time()
    body = answer.json()
    assert len(body["data"]) == 25
    first = body["data"][0]
    assert set(first) == {"data", "uri"} and first["uri"] == f"/v3.0/users/{first['data']['id']}"
    assert {"id", "district", "name", "roles"} <= set(first["data"])
    (next_link,) = [link["uri"] for link in body["links"] if link["rel"] == "next"]
    assert next_link == f"/v3.0/users?limit=25&starting_after={body['data'][-1]['data']['id']}"
    ids = [item["data"]["id"] for item in body["data"]]
    assert ids == sorted(ids), "Clever sorts by ascending id"

    rest = api.get(next_link).json()
    assert len(rest["data"]) == len(district.users) - 25 - 25 or len(rest["data"]) == 25


def test_default_and_maximum_limit(api: httpx.Client) -> None:
    assert len(api.get("/v3.0/users").json()["data"]) == 60  # default 100, 60 users
    assert api.get("/v3.0/users", params={"limit": 10_001}).status_code == 413
    assert api.get("/v3.0/users", params={"limit": "many"}).status_code == 400


def test_paging_survives_a_deleted_position(api: httpx.Client, district: CleverSandbox) -> None:
    page = api.get("/v3.0/users", params={"limit": 10}).json()
    last = page["data"][-1]["data"]["id"]
    district.delete_user(last)
    rest = api.get("/v3.0/users", params={"limit": 100, "starting_after": last}).json()
    assert len(rest["data"]) == 50


def test_auth_and_versions(district: CleverSandbox, clever_url: str) -> None:
    assert httpx.get(f"{clever_url}/v3.0/users").status_code == 401
    headers = {"Authorization": f"Bearer {district.token}"}
    assert httpx.get(f"{clever_url}/v2.9/users", headers=headers).status_code == 404
    assert httpx.get(f"{clever_url}/v3.1/districts", headers=headers).status_code == 200
    district.revoke()
    assert httpx.get(f"{clever_url}/v3.1/districts", headers=headers).status_code == 401


def test_events(api: httpx.Client, district: CleverSandbox) -> None:
    newest = api.get("/v3.0/events", params={"ending_before": "last", "limit": 1}).json()
    (event,) = newest["data"]
    assert event["data"]["id"] == district.newest_event_id
    added = district.add_user(kind="teacher")
    district.add_section_event()
    after = api.get("/v3.0/events", params={"starting_after": event["data"]["id"]}).json()
    assert [e["data"]["type"] for e in after["data"]] == ["users.created", "sections.updated"]
    assert after["data"][0]["data"]["data"]["object"]["id"] == added["id"]
    users_only = api.get(
        "/v3.0/events", params={"starting_after": event["data"]["id"], "record_type": "users"}
    ).json()
    assert [e["data"]["type"] for e in users_only["data"]] == ["users.created"]
    district.expire_events()
    gone = api.get("/v3.0/events", params={"starting_after": event["data"]["id"]})
    assert gone.status_code == 404 and "starting_after" in gone.json()["message"]


def test_faults(api: httpx.Client, district: CleverSandbox) -> None:
    district.fail_next(429, times=2, headers={"X-RateLimit-Reset": "123"}, after=1)
    assert api.get("/v3.0/schools").status_code == 200
    first = api.get("/v3.0/schools")
    assert (first.status_code, first.headers["X-RateLimit-Reset"]) == (429, "123")
    assert api.get("/v3.0/schools").status_code == 429
    assert api.get("/v3.0/schools").status_code == 200
    district.loop_pages()
    body = api.get("/v3.0/users", params={"limit": 5}).json()
    assert {"rel": "next", "uri": "/v3.0/users?limit=5"} in body["links"]


def test_generation_is_deterministic_and_covers_every_kind() -> None:
    assert CleverSandbox(seed=4, users=50).users == CleverSandbox(seed=4, users=50).users
    assert CleverSandbox(seed=4, users=50).users != CleverSandbox(seed=5, users=50).users
    big = CleverSandbox(seed=1, users=20_000)
    users = big.users
    assert len(users) == 20_000 and len({u["id"] for u in users}) == 20_000
    emails = [u["email"] for u in users if "email" in u]
    assert len(emails) == len(set(emails))
    kinds = {frozenset(u["roles"]) for u in users}
    assert {
        frozenset({"student"}),
        frozenset({"teacher"}),
        frozenset({"staff"}),
        frozenset({"teacher", "staff"}),
        frozenset({"district_admin"}),
        frozenset({"district_admin", "teacher"}),
        frozenset({"contact"}),
    } <= kinds
