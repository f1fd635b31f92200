"""The ClassLink provider against the sandbox: org selection, paging without X-Total-Count,
incremental reads, check/sources, settings and error messages."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from hub.errors import ConfigError, CursorExpired, ProviderError
from hub.plugins import Registry, make_plugin_manager
from hub.roster import ADMIN, TEACHER, Cursor
from hub.testing import drain, serve
from plugins.classlink.provider import CURSOR_FORMAT, OneRosterProvider
from plugins.classlink.sandbox import ROOTS, OneRosterSandbox
from plugins.classlink.sandbox.tenant import DISTRICT, ELM, OAK, PINE, user_11
from tests.plugins.classlink.conftest import MakeProvider, expected_records


def _users_requests(district: OneRosterSandbox) -> list[dict[str, str]]:
    return [r.params for r in district.requests if r.path.endswith("/users")]


def _people_in(district: OneRosterSandbox, org: str) -> set[str]:
    expected = expected_records(district)
    found = set()
    for user in district.users:
        orgs = {o["sourcedId"] for o in user.get("orgs") or []}
        orgs |= {r["org"]["sourcedId"] for r in user.get("roles") or []}
        ext = f"{district.tenant_id}:{user['sourcedId']}"
        if org in orgs and ext in expected:
            found.add(ext)
    return found


# -- selecting orgs ----------------------------------------------------------------------
def test_one_school(make_provider: MakeProvider, district: OneRosterSandbox) -> None:
    records, _, _ = drain(make_provider(orgs=OAK).fetch())
    got = {r.external_id for r in records}
    assert got == _people_in(district, OAK)
    assert all(OAK in r.schools for r in records)
    by_id = {r.external_id: r for r in records}
    # in 1.1 a role holds in all the person's orgs: the principal is an administrator at Oak
    assert by_id[f"{district.tenant_id}:principal-pine"].roles == frozenset({ADMIN})
    assert by_id[f"{district.tenant_id}:admin-oak"].roles == frozenset({ADMIN})


def test_one_school_through_the_12_root(
    make_provider: MakeProvider, district: OneRosterSandbox, base_url: str
) -> None:
    provider = make_provider(base_url=f"{base_url}{ROOTS[1]}/", orgs=OAK)
    records, _, _ = drain(provider.fetch())
    by_id = {r.external_id: r for r in records}
    # a 1.2 role is tied to its org: the principal at Pine who teaches at Oak is a teacher here
    assert by_id[f"{district.tenant_id}:principal-pine"].roles == frozenset({TEACHER})
    assert by_id[f"{district.tenant_id}:admin-oak"].roles == frozenset({ADMIN})


def test_a_person_in_two_selected_schools_is_one_record(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    records, _, _ = drain(make_provider(orgs=f"{ELM}, {OAK}").fetch())
    ids = [r.external_id for r in records]
    assert ids.count(f"{district.tenant_id}:multi-school-teacher") == 1
    assert set(ids) == _people_in(district, ELM) | _people_in(district, OAK)


def test_a_district_selects_its_schools(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    records, _, _ = drain(make_provider(orgs=DISTRICT).fetch())
    assert {r.external_id for r in records} == set(expected_records(district))


def test_an_org_the_credentials_cannot_see_stops_the_run(make_provider: MakeProvider) -> None:
    provider = make_provider(orgs=f"{ELM},org-nowhere")
    with pytest.raises(ProviderError, match="org-nowhere.*orgs setting"):
        drain(provider.fetch())
    result = provider.check()
    assert result.ok is False and "org-nowhere" in result.message


# -- paging ------------------------------------------------------------------------------
def test_without_x_total_count_a_short_page_ends_it(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    district.omit_total_count()
    records, _, _ = drain(make_provider(page_size="7").fetch())
    assert {r.external_id for r in records} == set(expected_records(district))
    pages = len(_users_requests(district))
    full = len(district.people()) // 7
    assert pages == full + 1  # the last, short page; no request after it
    assert len(district.people()) % 7 != 0


def test_without_x_total_count_an_exact_multiple_ends_on_an_empty_page(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    district.omit_total_count()
    served = len(district.people())
    size = served // 2 if served % 2 == 0 else served
    records, _, _ = drain(make_provider(page_size=str(size)).fetch())
    assert {r.external_id for r in records} == set(expected_records(district))
    assert len(_users_requests(district)) == served // size + 1


def test_a_server_that_caps_limit_is_read_to_the_end(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    district.cap_limit(5)
    district.omit_total_count()
    records, _, _ = drain(make_provider().fetch())
    assert {r.external_id for r in records} == set(expected_records(district))


def test_x_total_count_saves_the_last_request(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    drain(make_provider(page_size="7").fetch())
    assert len(_users_requests(district)) == math.ceil(len(district.people()) / 7)
    first = _users_requests(district)[0]
    assert first["limit"] == "7" and first["offset"] == "0" and first["sort"] == "sourcedId"


def test_the_oneroster_12_root_works_too(
    make_provider: MakeProvider, district: OneRosterSandbox, base_url: str
) -> None:
    records, skips, _ = drain(make_provider(base_url=f"{base_url}{ROOTS[1]}/").fetch())
    assert {r.external_id for r in records} == set(expected_records(district, ROOTS[1]))
    # a 1.2 counselor is no hub person: left out with a warning that names the role
    (counselor,) = [s for s in skips if s.external_id == f"{district.tenant_id}:counselor-pine"]
    assert "'counselor'" in counselor.message


# -- incremental -------------------------------------------------------------------------
def test_fetch_ends_with_a_cursor_before_the_run_started(make_provider: MakeProvider) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    _, _, cursors = drain(make_provider().fetch())
    assert len(cursors) == 1
    at = datetime.strptime(cursors[0].value, CURSOR_FORMAT).replace(tzinfo=UTC)
    assert before - timedelta(minutes=5) <= at <= before


def test_changes_since_the_cursor(make_provider: MakeProvider, district: OneRosterSandbox) -> None:
    provider = make_provider(incremental="true")
    assert provider.incremental is True
    _, _, (cursor,) = drain(provider.fetch())
    student = next(u for u in district.users if u["sourcedId"].startswith("u"))
    district.update_user(student["sourcedId"], givenName="Renamed")
    district.delete_user("admin-oak")
    district.update_user("aide-elm", enabledUser="false")
    district.update_user("guardian-1", familyName="Changed")
    district.add_user(
        user_11("new-teacher", role="teacher", orgs=[PINE], first="Nu", last="Person",
                email="nu.person@cedarvalley.example.org")
    )  # fmt: skip
    records, skips, cursors = drain(provider.fetch_changes(cursor.value))
    tenant = district.tenant_id
    got = {r.external_id: r for r in records}
    assert set(got) == {
        f"{tenant}:{student['sourcedId']}",
        f"{tenant}:admin-oak",
        f"{tenant}:aide-elm",
        f"{tenant}:new-teacher",
    }
    assert got[f"{tenant}:{student['sourcedId']}"].first_name == "Renamed"
    assert got[f"{tenant}:admin-oak"].active is False
    assert got[f"{tenant}:aide-elm"].active is False
    assert got[f"{tenant}:new-teacher"].active is True
    assert skips == []
    assert len(cursors) == 1
    assert cursors[0].value >= cursor.value
    delta = _users_requests(district)[-1]
    assert delta["filter"] == f"dateLastModified>'{cursor.value}'"


def test_a_person_who_left_the_selected_school_is_deactivated_by_a_delta(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    provider = make_provider(incremental="true", orgs=OAK)
    _, _, (cursor,) = drain(provider.fetch())
    district.update_user("admin-oak", orgs=[{"sourcedId": PINE, "type": "org"}])
    district.update_user("parent-1", familyName="Changed")  # a parent at Oak: still nobody
    records, _, _ = drain(provider.fetch_changes(cursor.value))
    assert [(r.external_id, r.active) for r in records] == [
        (f"{district.tenant_id}:admin-oak", False)
    ]


def test_a_cursor_that_is_not_a_time_needs_a_full_run(make_provider: MakeProvider) -> None:
    with pytest.raises(CursorExpired):
        drain(make_provider(incremental="true").fetch_changes("evt_123"))


def test_an_old_cursor_needs_a_full_run(make_provider: MakeProvider) -> None:
    old = (datetime.now(UTC) - timedelta(days=30)).strftime(CURSOR_FORMAT)
    with pytest.raises(CursorExpired, match="full sync"):
        drain(make_provider(incremental="true").fetch_changes(old))


def test_a_server_that_refuses_the_filter_needs_a_full_run(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    recent = (datetime.now(UTC) - timedelta(hours=1)).strftime(CURSOR_FORMAT)
    district.fail_next(400)
    with pytest.raises(CursorExpired, match="dateLastModified filter"):
        drain(make_provider(incremental="true").fetch_changes(recent))


# -- check, sources, errors --------------------------------------------------------------
def test_check_names_the_tenant_and_what_it_sees(make_provider: MakeProvider) -> None:
    result = make_provider(orgs=DISTRICT).check()
    assert result.ok, result.message
    assert "Cedar Valley Unified (sandbox)" in result.message
    assert "4 orgs visible (3 schools)" in result.message
    assert "4 with sub-orgs" in result.message
    assert {s.id for s in result.sources} == {DISTRICT, ELM, OAK, PINE}


def test_sources_are_the_orgs(make_provider: MakeProvider) -> None:
    sources = {s.id: s for s in make_provider().sources()}
    assert sources[OAK].name == "Oak Ridge Middle"
    assert sources[OAK].detail == "school, identifier 061234000102"
    assert str(sources[DISTRICT].detail).startswith("district")


def test_forbidden_says_which_permission(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    district.fail_next(403)
    result = make_provider().check()
    assert result.ok is False and "permissions" in result.message


def test_a_wrong_base_url_says_so(make_provider: MakeProvider, base_url: str) -> None:
    provider = make_provider(base_url=f"{base_url}/ims/oneroster/v9")
    with pytest.raises(ProviderError, match="check base_url"):
        drain(provider.fetch())


def test_a_server_that_is_not_oneroster(make_provider: MakeProvider) -> None:
    async def not_oneroster(scope: object, receive: object, send: object) -> None:
        from starlette.responses import JSONResponse

        await JSONResponse({"hello": "world"})(scope, receive, send)  # type: ignore[arg-type]

    with serve(not_oneroster) as url:
        with pytest.raises(ProviderError, match="without a 'users' list"):
            drain(make_provider(base_url=url).fetch())


def test_an_unreachable_server_is_retried_then_reported(make_provider: MakeProvider) -> None:
    provider = make_provider(base_url="http://127.0.0.1:9/ims/oneroster/v1p1")
    with pytest.raises(ProviderError, match="cannot reach ClassLink"):
        drain(provider.fetch())


# -- settings and registration -----------------------------------------------------------
def _values(**overrides: str) -> dict[str, str]:
    values = {
        "base_url": "https://cedar-ca-v2.oneroster.com/ims/oneroster/v1p1/",
        "client_id": "abc",
        "client_secret": "xyz",
        "tenant_id": "1234",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v != "-"}


def test_settings() -> None:
    settings = OneRosterProvider.parse_settings(_values(orgs=" s1, s2 ,,"))
    assert settings.base_url == "https://cedar-ca-v2.oneroster.com/ims/oneroster/v1p1"  # type: ignore[attr-defined]
    assert settings.orgs == ["s1", "s2"]  # type: ignore[attr-defined]
    assert settings.page_size == 1000  # type: ignore[attr-defined]
    assert settings.incremental is False  # type: ignore[attr-defined]
    assert OneRosterProvider.secret_keys() == ["client_secret"]
    assert {"base_url", "client_id", "tenant_id", "tenant_name", "orgs"} <= set(
        OneRosterProvider.config_keys()
    )


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"client_secret": "-"}, "client_secret"),
        ({"client_secret": "  "}, "client_secret"),
        ({"tenant_id": "-"}, "tenant_id"),
        ({"tenant_id": "12 34"}, "tenant_id"),
        ({"base_url": "cedar.oneroster.com"}, "base_url"),
        ({"base_url": "ftp://cedar.example/x"}, "base_url"),
        ({"base_url": "https://cedar.example/x?key=1"}, "base_url"),
        ({"page_size": "0"}, "page_size"),
        ({"incremental": "maybe"}, "incremental"),
        ({"schools": "a"}, "schools"),
    ],
)
def test_bad_settings_name_the_setting(overrides: dict[str, str], named: str) -> None:
    with pytest.raises(ConfigError, match=f"'{named}'") as info:
        OneRosterProvider.parse_settings(_values(**overrides))
    assert "xyz" not in str(info.value)


def test_registered_through_the_entry_point() -> None:
    registry = Registry(make_plugin_manager())
    assert registry.get("classlink") is OneRosterProvider
    assert OneRosterProvider.title == "ClassLink (OneRoster)"


def test_the_sandbox_connects() -> None:
    sandbox = OneRosterProvider.sandbox(seed=5)
    assert isinstance(sandbox.app, OneRosterSandbox)
    with serve(sandbox.app) as url:
        values = {**sandbox.settings(url), **sandbox.secrets}
        provider = OneRosterProvider(OneRosterProvider.parse_settings(values))
        try:
            items = list(provider.fetch())
        finally:
            provider.close()
    assert isinstance(items[-1], Cursor)
    assert len(items) > 40


def test_the_same_seed_builds_the_same_tenant() -> None:
    assert OneRosterSandbox(seed=4).users == OneRosterSandbox(seed=4).users
    assert OneRosterSandbox(seed=4).users != OneRosterSandbox(seed=5).users
