"""The Clever provider against the loopback sandbox: settings, mapping over HTTP, API
versions, paging, incremental sync, rate limits and failures."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx
import pytest

import hub.http
from hub.errors import ConfigError, CursorExpired, ProviderError
from hub.plugins import Registry, make_plugin_manager
from hub.roster import Cursor, RosterRecord, Skip
from hub.testing import drain, serve
from plugins.clever.provider import CleverProvider
from plugins.clever.sandbox import CleverSandbox
from tests.plugins.clever.expectations import MakeProvider, expected_records

# -- registration and settings ---------------------------------------------------------------


def test_registered_through_the_entry_point() -> None:
    registry = Registry(make_plugin_manager())
    assert registry.get("clever") is CleverProvider
    assert CleverProvider.secret_keys() == ["token"]
    assert {"base_url", "api_version", "schools", "staff_role", "incremental"} <= set(
        CleverProvider.config_keys()
    )


def test_settings_defaults_and_text_values() -> None:
    settings = CleverProvider.parse_settings(
        {"token": "t0k", "schools": " a, b,,", "incremental": "true", "api_version": "3.1"}
    )
    assert settings.model_dump(exclude={"token"}) == {
        "base_url": "https://api.clever.com",
        "api_version": "v3.1",
        "schools": ["a", "b"],
        "staff_role": "teacher",
        "incremental": True,
        "page_size": 10_000,
    }
    assert (
        CleverProvider.parse_settings({"token": "t", "incremental": "false"}).model_dump()[
            "incremental"
        ]
        is False
    )


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ({"api_version": "v2.1"}, "api_version"),
        ({"staff_role": "principal"}, "staff_role"),
        ({"incremental": "sometimes"}, "incremental"),
        ({"page_size": "20000"}, "page_size"),
        ({"base_url": "api.clever.com"}, "base_url"),
        ({"token": "   "}, "token"),
        ({"sections": "x"}, "sections"),
    ],
)
def test_bad_settings_name_the_setting(values: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        CleverProvider.parse_settings({"token": "s3cret-token-value", **values})
    assert f"'{key}'" in str(info.value)
    assert "s3cret-token-value" not in str(info.value)


def test_the_token_is_required() -> None:
    with pytest.raises(ConfigError, match="'token'"):
        CleverProvider.parse_settings({"base_url": "https://api.clever.com"})


# -- the roster over HTTP ----------------------------------------------------------------------


def test_v3_1_is_spoken_when_asked(make_provider: MakeProvider, district: CleverSandbox) -> None:
    records, _, _ = drain(make_provider(api_version="v3.1"))
    assert {r.external_id: (r.email, r.roles, r.active) for r in records} == expected_records(
        district.users
    )
    assert district.requests and all(p.startswith("/v3.1/users") for p in district.requests)


def test_staff_role_admin(make_provider: MakeProvider, district: CleverSandbox) -> None:
    records, _, _ = drain(make_provider(staff_role="admin"))
    got = {r.external_id: (r.email, r.roles, r.active) for r in records}
    assert got == expected_records(district.users, staff_role="admin")
    staff_only = [u["id"] for u in district.users if set(u["roles"]) == {"staff"}]
    assert staff_only and all(got[i][1] == {"admin"} for i in staff_only)
    multi = [u["id"] for u in district.users if set(u["roles"]) == {"teacher", "staff"}]
    assert multi and all(got[i][1] == {"admin", "teacher"} for i in multi)


def test_schools_filter(make_provider: MakeProvider, district: CleverSandbox) -> None:
    chosen = district.schools[1]["id"]
    records, _, _ = drain(make_provider(schools=chosen))
    got = {r.external_id: (r.email, r.roles, r.active) for r in records}
    assert got == expected_records(district.users, schools=frozenset({chosen}))
    assert 0 < len(got) < len(expected_records(district.users))
    admins = [u["id"] for u in district.users if "district_admin" in u["roles"]]
    assert admins and set(admins) <= set(got), "district admins are district-wide"
    for record in records:
        assert chosen in record.schools or "admin" in record.roles


def test_contacts_yield_nothing_and_missing_email_is_a_skip(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    records, skips, _ = drain(make_provider())
    seen = {r.external_id for r in records} | {s.external_id for s in skips}
    contacts = {u["id"] for u in district.users if set(u["roles"]) == {"contact"}}
    assert contacts and not contacts & seen
    no_email = {
        u["id"] for u in district.users if not u.get("email") and set(u["roles"]) - {"contact"}
    }
    assert no_email and {s.external_id for s in skips} == no_email
    assert all(s.severity == "warning" and "no email" in s.message for s in skips)


def test_fetch_streams_page_by_page(make_provider: MakeProvider, district: CleverSandbox) -> None:
    """Pages are read as the roster is consumed, not all at once."""
    items = make_provider(page_size="7").fetch()
    next(items)
    assert district.requests == ["/v3.0/users?limit=7"]
    rest = list(items)
    pages = [p for p in district.requests if p.startswith("/v3.0/users")]
    assert len(pages) == -(-len(district.users) // 7)
    assert len(rest) + 1 == len(expected_records(district.users)) + 2  # two no-email skips


def test_next_links_keep_limit_and_filters() -> None:
    """Clever's next links may leave out ``limit``; the client keeps asking for its page size
    (and keeps ``record_type``) on every page, and never leaves the configured host."""
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        if request.url.params.get("starting_after") == "e0":
            body = {
                "data": [{"data": {"id": "e1", "type": "users.deleted", "data": {}}, "uri": "/x"}],
                "links": [
                    {
                        "rel": "next",
                        "uri": "https://elsewhere.example/v3.0/events?starting_after=e1",
                    }
                ],
            }
        else:
            body = {"data": [], "links": [{"rel": "self", "uri": "/v3.0/events"}]}
        return httpx.Response(200, json=body)

    settings = CleverProvider.parse_settings(
        {"base_url": "https://clever.test", "token": "t", "page_size": "50"}
    )
    provider = CleverProvider(settings, transport=httpx.MockTransport(answer))
    items = list(provider.fetch_changes("e0"))
    assert isinstance(items[-1], Cursor) and items[-1].value == "e1"
    second = httpx.URL(seen[1])
    assert second.host == "clever.test"
    assert dict(second.params) == {"limit": "50", "record_type": "users", "starting_after": "e1"}


# -- incremental -------------------------------------------------------------------------------


def test_full_fetch_reads_the_newest_event_first(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    _, _, cursors = drain(make_provider(incremental="true"))
    assert cursors == [Cursor(district.newest_event_id or "")]
    assert district.requests[0] == "/v3.0/events?ending_before=last&limit=1"
    assert district.requests[1].startswith("/v3.0/users")


def test_not_incremental_reads_no_events(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    provider = make_provider()
    assert provider.incremental is False
    _, _, cursors = drain(provider)
    assert cursors == []
    assert not any("/events" in p for p in district.requests)


def test_a_district_without_events_gives_no_cursor(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    district.expire_events()
    _, _, cursors = drain(make_provider(incremental="true"))
    assert cursors == []


def _changes(provider: CleverProvider, cursor: str) -> tuple[list[Any], str]:
    items = list(provider.fetch_changes(cursor))
    assert isinstance(items[-1], Cursor)
    assert not any(isinstance(i, Cursor) for i in items[:-1])
    return items[:-1], items[-1].value


def test_changes_since_the_cursor(make_provider: MakeProvider, district: CleverSandbox) -> None:
    provider = make_provider(incremental="true")
    _, _, (cursor,) = drain(provider)
    users = district.users
    student = next(u for u in users if set(u["roles"]) == {"student"} and u.get("email"))
    teacher = next(u for u in users if set(u["roles"]) == {"teacher"} and u.get("email"))
    added = district.add_user(kind="teacher", email="New.Teacher@Maplewood.example.org")
    district.update_user(student["id"], last_name="Renamed")
    district.delete_user(teacher["id"])
    district.add_user(kind="contact")
    district.add_section_event()
    nameless = district.add_user(kind="student", email=None)

    changes, new_cursor = _changes(provider, cursor.value)
    by_id = {i.external_id: i for i in changes}
    assert set(by_id) == {added["id"], student["id"], teacher["id"], nameless["id"]}
    assert by_id[added["id"]] == RosterRecord(
        external_id=added["id"],
        email="new.teacher@maplewood.example.org",
        first_name=added["name"]["first"],
        last_name=added["name"]["last"],
        roles=frozenset({"teacher"}),
        schools=tuple(added["roles"]["teacher"]["schools"]),
    )
    renamed = by_id[student["id"]]
    assert isinstance(renamed, RosterRecord)
    assert (renamed.last_name, renamed.active) == ("Renamed", True)
    deleted = by_id[teacher["id"]]
    assert isinstance(deleted, RosterRecord)
    assert (deleted.active, deleted.email) == (False, teacher["email"].lower())
    assert isinstance(by_id[nameless["id"]], Skip)
    assert new_cursor == district.newest_event_id

    # Nothing new: nothing but the same cursor.
    assert _changes(provider, new_cursor) == ([], new_cursor)


def test_the_last_state_of_a_user_wins(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    provider = make_provider(incremental="true")
    cursor = district.newest_event_id or ""
    added = district.add_user(kind="teacher")
    district.update_user(added["id"], first_name="Changed")
    district.delete_user(added["id"])
    changes, _ = _changes(provider, cursor)
    assert len(changes) == 1
    assert changes[0].external_id == added["id"] and changes[0].active is False


def test_changes_respect_the_schools_filter(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    north, south = district.schools[0]["id"], district.schools[1]["id"]
    provider = make_provider(incremental="true", schools=north)
    cursor = district.newest_event_id or ""
    mover = district.add_user(roles={"student": {"school": north, "schools": [north]}})
    elsewhere = district.add_user(roles={"student": {"school": south, "schools": [south]}})
    changes, cursor = _changes(provider, cursor)
    assert [c.external_id for c in changes] == [mover["id"]]

    district.update_user(elsewhere["id"], first_name="Unrelated")
    district.update_user(mover["id"], roles={"student": {"school": south, "schools": [south]}})
    changes, _ = _changes(provider, cursor)
    assert [(c.external_id, c.active) for c in changes] == [(mover["id"], False)]


def test_an_expired_cursor_asks_for_a_full_run(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    provider = make_provider(incremental="true")
    cursor = district.newest_event_id or ""
    district.add_user(kind="teacher")
    district.expire_events()
    with pytest.raises(CursorExpired, match="full sync"):
        list(provider.fetch_changes(cursor))
    with pytest.raises(CursorExpired):
        list(provider.fetch_changes(""))


# -- rate limits and failures ------------------------------------------------------------------


def test_429_waits_until_x_ratelimit_reset(
    make_provider: MakeProvider,
    district: CleverSandbox,
    monkeypatch: pytest.MonkeyPatch,
    slept: list[float],
) -> None:
    monkeypatch.setattr(hub.http, "MAX_WAIT", 120.0)
    reset = int(time.time()) + 30
    district.fail_next(429, times=1, headers={"X-RateLimit-Reset": str(reset)})
    records, _, _ = drain(make_provider())
    assert len(records) == len(expected_records(district.users))
    assert len(slept) == 1 and 25 <= slept[0] <= 31


def test_503s_back_off_whatever_x_ratelimit_reset_says(
    make_provider: MakeProvider,
    district: CleverSandbox,
    monkeypatch: pytest.MonkeyPatch,
    slept: list[float],
) -> None:
    """Clever sends X-RateLimit-Reset on every answer; it says nothing about a 503."""
    monkeypatch.setattr(hub.http, "MAX_WAIT", 60.0)
    monkeypatch.setattr(hub.http, "BACKOFF", 0.5)
    far = str(int(time.time()) + 3600)
    district.fail_next(503, times=3, headers={"X-RateLimit-Reset": far})
    records, _, _ = drain(make_provider())
    assert len(records) == len(expected_records(district.users))
    assert slept == [0.5, 1.0, 2.0]


def test_refused_token_says_what_to_do(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    provider = make_provider(token="not-the-district-token")
    with pytest.raises(ProviderError) as info:
        drain(provider)
    message = str(info.value)
    assert "401" in message
    assert "reconnect the district in Clever (setting: token)" in message
    assert "not-the-district-token" not in message
    district.revoke()
    result = make_provider().check()
    assert result.ok is False and "setting: token" in result.message
    assert district.token not in result.message


def test_a_half_read_roster_is_an_error(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    """A fault that outlasts the retries part-way through paging fails the fetch: the engine
    must never see a short roster as complete."""
    district.fail_next(503, times=1000, after=3)
    seen: list[Any] = []
    with pytest.raises(ProviderError, match="503"):
        for item in make_provider(page_size="7").fetch():
            seen.append(item)
    assert 0 < len(seen) < len(expected_records(district.users))


def test_bad_json_is_an_error(make_provider: MakeProvider) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"<html>maintenance</html>")

    settings = CleverProvider.parse_settings({"base_url": "https://clever.test", "token": "t"})
    provider = CleverProvider(settings, transport=httpx.MockTransport(answer))
    with pytest.raises(ProviderError, match="not JSON"):
        drain(provider)


# -- check and sources -------------------------------------------------------------------------


def test_check_describes_the_district(make_provider: MakeProvider, district: CleverSandbox) -> None:
    result = make_provider(incremental="true").check()
    assert result.ok is True
    assert district.district["name"] in result.message
    assert "4 school(s) visible" in result.message
    assert [s.id for s in result.sources] == [s["id"] for s in district.schools]
    assert [s.name for s in result.sources] == [s["name"] for s in district.schools]


def test_check_flags_unknown_school_ids(
    make_provider: MakeProvider, district: CleverSandbox
) -> None:
    known = district.schools[0]["id"]
    result = make_provider(schools=f"{known},5e0000000000000000000bad").check()
    assert result.ok is False
    assert "5e0000000000000000000bad" in result.message and "setting: schools" in result.message


def test_the_plugin_sandbox_connects() -> None:
    box = CleverProvider.sandbox(seed=3)
    with serve(box.app) as base_url:
        values = {**box.settings(base_url), **box.secrets}
        provider = CleverProvider(CleverProvider.parse_settings(values))
        try:
            records, skips, _ = drain(provider)
            assert records and skips
            assert provider.check().ok
        finally:
            provider.close()
    assert json.dumps(box.secrets)  # plain strings, storable as secrets


def test_events_not_enabled_is_explained() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/events"):
            return httpx.Response(404, json={"error": "Resource not found"})
        if request.url.path.endswith("/districts"):
            return httpx.Response(200, json={"data": [{"data": {"id": "d1", "name": "D"}}]})
        return httpx.Response(200, json={"data": [], "links": []})

    settings = CleverProvider.parse_settings(
        {"base_url": "https://clever.test", "token": "t", "incremental": "true"}
    )
    provider = CleverProvider(settings, transport=httpx.MockTransport(answer))
    result = provider.check()
    assert result.ok is False and "enable events" in result.message
    with pytest.raises(ProviderError, match="incremental=false"):
        drain(provider)
