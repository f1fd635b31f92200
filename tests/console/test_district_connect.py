"""District IT connects a district in the console: a Clever (and ClassLink) district
integration, its schools linked to the provider's schools, each school's selection edited,
the settings, preview and sync with counts by school. Authorised exactly as the API is: a
district user reaches only their district, support views and syncs, a school admin never
edits integrations; every form needs its CSRF token; no page shows a secret."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from hub import districts, integrations, runs
from hub.models import Integration
from hub.runs.execution import execute_run
from hub.testing import serve
from plugins.classlink.sandbox import OneRosterSandbox
from plugins.clever.sandbox import CleverSandbox
from tests.console.conftest import Console, csrf_of, sign_in
from tests.console.district_stage import Districts, build_districts


@dataclass
class Stage:
    console: Console
    districts: Districts
    clever_url: str
    token: str
    clever_ids: list[str]
    clever_names: list[str]


@pytest.fixture
def stage(console: Console) -> Iterator[Stage]:
    sandbox = CleverSandbox(seed=3, users=80)
    with serve(sandbox) as url:
        yield Stage(
            console=console,
            districts=build_districts(console.hub, console),
            clever_url=url,
            token=sandbox.token,
            clever_ids=[s["id"] for s in sandbox.schools],
            clever_names=[s["name"] for s in sandbox.schools],
        )


def _signed_in(stage: Stage, who: tuple[str, str]) -> TestClient:
    client = stage.console.client()
    sign_in(client, *who)
    return client


def _connect_clever(stage: Stage, client: TestClient) -> str:
    cedar = stage.districts.district
    answer = client.post(
        f"/console/districts/{cedar}/integrations/new/clever",
        data={
            "csrf_token": csrf_of(client),
            "token": stage.token,
            "base_url": stage.clever_url,
            "staff_role": "teacher",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    found = re.search(r"/console/integrations/(int_[a-z0-9]+)/links", answer.headers["location"])
    assert found, answer.headers["location"]
    return found.group(1)


def _link(client: TestClient, integration: str, source: str, school: str) -> object:
    return client.post(
        f"/console/integrations/{integration}/links",
        data={
            "csrf_token": csrf_of(client),
            "source": source,
            "setting": "schools",
            "target": school,
        },
        follow_redirects=False,
    )


def _queued(stage: Stage, answer: object) -> str:
    location = answer.headers["location"]  # type: ignore[attr-defined]
    run_id = re.search(r"/console/runs/(run_[a-z0-9]+)", location)
    assert run_id, location
    execute_run(stage.console.hub, run_id.group(1))
    return run_id.group(1)


def test_district_it_connects_links_edits_previews_and_syncs(stage: Stage) -> None:
    c, d = stage.console, stage.districts
    client = _signed_in(stage, d.staff)
    seen: list[str] = []

    district_page = client.get(f"/console/integrations?school={c.school_a}")
    assert "Cedar Valley's connections</a>" in district_page.text
    page = client.get(f"/console/districts/{d.district}")
    assert page.status_code == 200
    assert "Connect Clever" in page.text and "Connect ClassLink" in page.text
    assert "No district connection yet" in page.text
    form = client.get(f"/console/districts/{d.district}/integrations/new/clever")
    assert form.status_code == 200 and "District token" in form.text
    assert "For Cedar Valley, the whole district" in form.text

    missing = client.post(
        f"/console/districts/{d.district}/integrations/new/clever",
        data={"csrf_token": csrf_of(client), "base_url": stage.clever_url},
    )
    assert missing.status_code == 400 and "Enter the district token" in missing.text
    integration_id = _connect_clever(stage, client)
    with c.hub.session() as session:
        row = session.get(Integration, integration_id)
        assert row is not None and row.district_id == d.district and row.school_id is None

    # test the connection: the Clever schools it sees, and the way on to linking
    tested = client.post(
        f"/console/integrations/{integration_id}/test", data={"csrf_token": csrf_of(client)}
    )
    assert "The connection works." in tested.text and "Link schools" in tested.text
    seen.append(tested.text)

    links = client.get(f"/console/integrations/{integration_id}/links")
    assert links.status_code == 200
    for name in (*stage.clever_names, "Ada Lovelace Elementary", "Cedar Ridge Middle"):
        assert name in links.text
    assert "Brook Middle" not in links.text
    assert 'data-filter="sources"' in links.text  # the provider's schools are searchable
    seen.append(links.text)

    ids = stage.clever_ids
    assert _link(client, integration_id, ids[0], c.school_a).status_code == 303
    # one Clever school feeds one hub school
    taken = _link(client, integration_id, ids[0], d.second_school)
    assert taken.status_code == 400
    assert "already feeds school" in taken.text and "Ada Lovelace Elementary" in taken.text
    # another district's school is not reachable from here
    assert _link(client, integration_id, ids[1], c.school_b).status_code == 404
    assert _link(client, integration_id, ids[1], d.second_school).status_code == 303
    assert districts.links_of(c.hub, integration_id) == {
        c.school_a: {"schools": ids[0]},
        d.second_school: {"schools": ids[1]},
    }
    # the same rule holds for the CLI and the API: they share hub.districts.link_school
    with pytest.raises(Exception, match="already feeds school"):
        districts.link_school(
            c.hub,
            integration_id,
            school=_school(c, d.second_school),
            settings={"schools": ids[0]},
            actor="test",
        )

    # Edit accounts syncing for one linked school: its own selection, from what check sees
    syncing = client.get(f"/console/integrations/{integration_id}/syncing?school={c.school_a}")
    assert syncing.status_code == 200 and "this is Ada Lovelace Elementary's link" in syncing.text
    assert re.search(rf'value="{ids[0]}" checked', syncing.text)
    assert not re.search(rf'value="{ids[2]}" checked', syncing.text)
    seen.append(syncing.text)
    saved = client.post(
        f"/console/integrations/{integration_id}/syncing?school={c.school_a}",
        data={"csrf_token": csrf_of(client), "schools": [ids[0], ids[2]]},
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert districts.links_of(c.hub, integration_id)[c.school_a] == {
        "schools": f"{ids[0]},{ids[2]}"
    }
    empty = client.post(
        f"/console/integrations/{integration_id}/syncing?school={c.school_a}",
        data={"csrf_token": csrf_of(client)},
    )
    assert empty.status_code == 400 and "Choose at least one" in empty.text
    clash = client.post(
        f"/console/integrations/{integration_id}/syncing?school={c.school_a}",
        data={"csrf_token": csrf_of(client), "schools": [ids[0], ids[1]]},
    )
    assert clash.status_code == 400 and "already feeds school" in clash.text
    # the selection of a school of another district cannot be edited from here
    assert (
        client.get(
            f"/console/integrations/{integration_id}/syncing?school={c.school_b}"
        ).status_code
        == 404
    )

    # schedule and the district-wide safeguard
    settings = client.get(f"/console/integrations/{integration_id}/settings")
    assert settings.status_code == 200 and "stored — replace" in settings.text
    assert "for Cedar Valley (the whole district)" in settings.text
    seen.append(settings.text)
    changed = client.post(
        f"/console/integrations/{integration_id}/settings",
        data={
            "csrf_token": csrf_of(client),
            "base_url": stage.clever_url,
            "staff_role": "teacher",
            "schedule": "22:30 America/Chicago",
            "max_deactivate_percent": "25",
            "admin_implies_teacher": "true",
            "enabled": "true",
        },
        follow_redirects=False,
    )
    assert changed.status_code == 303, changed.text
    assert changed.headers["location"] == f"/console/districts/{d.district}"
    updated = integrations.get_integration(c.hub, integration_id)
    assert updated.schedule == "22:30 America/Chicago" and updated.max_deactivate_percent == 25

    # Preview: a dry run with each school's part; then Sync now
    preview = client.post(
        f"/console/integrations/{integration_id}/preview",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    preview_id = _queued(stage, preview)
    run = runs.get_run(c.hub, preview_id)
    assert run.status == "dry_run" and set(run.school_counts or {}) == {
        c.school_a,
        d.second_school,
    }
    shown = client.get(f"/console/runs/{preview_id}")
    assert "By school" in shown.text and "A preview: nothing was changed" in shown.text
    seen.append(shown.text)
    synced = client.post(
        f"/console/integrations/{integration_id}/sync",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    sync_id = _queued(stage, synced)
    done = runs.get_run(c.hub, sync_id)
    assert done.status == "succeeded", done.error
    page = client.get(f"/console/districts/{d.district}")
    assert "Linked schools, with the last run" in page.text
    for school_id in (c.school_a, d.second_school):
        created = (done.school_counts or {})[school_id]["created"]
        assert created > 0
        assert re.search(
            rf"<strong>{_school(c, school_id).name}</strong>.*?<td class=\"num\">{created:,}</td>",
            page.text,
            re.S,
        )
    assert sync_id in page.text
    seen.append(page.text)

    # unlink a school: its accounts stay (as manual) unless deactivated
    unlinked = client.post(
        f"/console/integrations/{integration_id}/links/{d.second_school}/unlink",
        data={"csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert unlinked.status_code == 303
    assert set(districts.links_of(c.hub, integration_id)) == {c.school_a}
    seen.append(client.get(f"/console/integrations/{integration_id}/links").text)

    for text in seen:
        assert stage.token not in text


def _school(c: Console, school_id: str) -> object:
    from hub.schools import get_school

    return get_school(c.hub, school_id)


def test_district_it_connects_classlink_for_the_district(console: Console) -> None:
    made = build_districts(console.hub, console)
    sandbox = OneRosterSandbox(seed=1, people=40)
    with serve(sandbox) as url:
        client = console.client()
        sign_in(client, *made.staff)
        values = sandbox.settings_for(url)
        answer = client.post(
            f"/console/districts/{made.district}/integrations/new/classlink",
            data={
                "csrf_token": csrf_of(client),
                "tenant_name": values["tenant_name"],
                "tenant_id": values["tenant_id"],
                "base_url": values["base_url"],
                "client_id": values["client_id"],
                "client_secret": sandbox.client_secret,
            },
            follow_redirects=False,
        )
        assert answer.status_code == 303, answer.text
        integration_id = answer.headers["location"].split("/")[3]
        links = client.get(f"/console/integrations/{integration_id}/links")
        assert links.status_code == 200 and "ClassLink orgs that" in links.text
        org = next(s for s in sandbox.orgs if s.get("type") == "school")
        assert org["name"] in links.text and org["sourcedId"] in links.text
        linked = client.post(
            f"/console/integrations/{integration_id}/links",
            data={
                "csrf_token": csrf_of(client),
                "source": org["sourcedId"],
                "setting": "orgs",
                "target": console.school_a,
            },
            follow_redirects=False,
        )
        assert linked.status_code == 303, linked.text
        assert districts.links_of(console.hub, integration_id) == {
            console.school_a: {"orgs": org["sourcedId"]}
        }
        for path in ("/links", "/settings"):
            assert (
                sandbox.client_secret
                not in client.get(f"/console/integrations/{integration_id}{path}").text
            )


@pytest.fixture
def connected(stage: Stage) -> tuple[Stage, str]:
    client = _signed_in(stage, stage.districts.staff)
    integration_id = _connect_clever(stage, client)
    assert (
        _link(client, integration_id, stage.clever_ids[0], stage.console.school_a).status_code
        == 303
    )
    return stage, integration_id


def test_another_districts_it_gets_404_everywhere(connected: tuple[Stage, str]) -> None:
    stage, integration_id = connected
    d = stage.districts
    outsider = _signed_in(stage, d.other_staff)
    token = csrf_of(outsider)
    for path in (
        f"/console/districts/{d.district}",
        f"/console/districts/{d.district}/integrations/new/clever",
        f"/console/integrations/{integration_id}/links",
        f"/console/integrations/{integration_id}/syncing",
        f"/console/integrations/{integration_id}/settings",
    ):
        answer = outsider.get(path)
        assert answer.status_code == 404, path
        assert "Cedar" not in answer.text
    for path, data in (
        (f"/console/districts/{d.district}/integrations/new/clever", {"token": "x"}),
        (f"/console/integrations/{integration_id}/links", {"source": "x", "setting": "schools"}),
        (f"/console/integrations/{integration_id}/links/{stage.console.school_a}/unlink", {}),
        (f"/console/integrations/{integration_id}/syncing", {"schools": "x"}),
        (f"/console/integrations/{integration_id}/sync", {}),
        ("/console/integrations/google/start", {"district": d.district}),
    ):
        answer = outsider.post(path, data={"csrf_token": token, **data})
        assert answer.status_code == 404, path
    # their own district's page works
    assert outsider.get(f"/console/districts/{d.other_district}").status_code == 200
    assert set(districts.links_of(stage.console.hub, integration_id)) == {stage.console.school_a}


def test_a_school_admin_never_edits_district_integrations(connected: tuple[Stage, str]) -> None:
    stage, integration_id = connected
    c, d = stage.console, stage.districts
    admin = _signed_in(stage, c.admin_a)  # an admin at a school the integration feeds
    token = csrf_of(admin)
    assert "District</a>" not in admin.get("/console").text
    for path in (
        f"/console/districts/{d.district}",
        f"/console/districts/{d.district}/integrations/new/clever",
        f"/console/integrations/{integration_id}/links",
        f"/console/integrations/{integration_id}/syncing",
    ):
        assert admin.get(path).status_code in (403, 404), path
    for path, data in (
        (f"/console/districts/{d.district}/integrations/new/clever", {"token": "x"}),
        (
            f"/console/integrations/{integration_id}/links",
            {"source": "x", "setting": "schools", "target": c.school_a},
        ),
        (f"/console/integrations/{integration_id}/links/{c.school_a}/unlink", {}),
        (f"/console/integrations/{integration_id}/syncing", {"schools": "x"}),
    ):
        assert admin.post(path, data={"csrf_token": token, **data}).status_code in (403, 404)
    assert districts.links_of(c.hub, integration_id) == {
        c.school_a: {"schools": stage.clever_ids[0]}
    }


def test_support_views_tests_and_syncs_but_does_not_link(connected: tuple[Stage, str]) -> None:
    stage, integration_id = connected
    c, d = stage.console, stage.districts
    support = _signed_in(stage, c.support)
    page = support.get(f"/console/districts/{d.district}?school={c.school_a}")
    assert page.status_code == 200 and "Sync now" in page.text
    assert "Connect Clever" not in page.text and "Settings</a>" not in page.text
    links = support.get(f"/console/integrations/{integration_id}/links")
    assert (
        links.status_code == 200
        and "Unlink</button>" not in links.text
        and "Link</button>" not in links.text
    )
    assert (
        support.get(f"/console/districts/{d.district}/integrations/new/clever").status_code == 403
    )
    token = csrf_of(support)
    refused = support.post(
        f"/console/integrations/{integration_id}/links",
        data={
            "csrf_token": token,
            "source": stage.clever_ids[1],
            "setting": "schools",
            "target": d.second_school,
        },
    )
    assert refused.status_code == 403
    synced = support.post(
        f"/console/integrations/{integration_id}/sync",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert synced.status_code == 303


def test_every_district_form_needs_its_csrf_token(connected: tuple[Stage, str]) -> None:
    stage, integration_id = connected
    c, d = stage.console, stage.districts
    client = _signed_in(stage, d.staff)
    for path, data in (
        (
            f"/console/districts/{d.district}/integrations/new/clever",
            {"token": stage.token, "base_url": stage.clever_url},
        ),
        (
            f"/console/integrations/{integration_id}/links",
            {"source": stage.clever_ids[1], "setting": "schools", "target": d.second_school},
        ),
        (f"/console/integrations/{integration_id}/links/{c.school_a}/unlink", {}),
        (
            f"/console/integrations/{integration_id}/syncing?school={c.school_a}",
            {"schools": stage.clever_ids[2]},
        ),
        ("/console/integrations/google/start", {"district": d.district}),
    ):
        for token in ("", "forged-token"):
            answer = client.post(path, data={"csrf_token": token, **data} if token else data)
            assert answer.status_code == 403, path
            assert "This form has expired" in answer.text
    assert districts.links_of(c.hub, integration_id) == {
        c.school_a: {"schools": stage.clever_ids[0]}
    }
    with c.hub.session() as session:
        from sqlmodel import select

        count = len(
            list(session.exec(select(Integration).where(Integration.district_id == d.district)))
        )
    assert count == 1


def test_district_it_of_every_district_reaches_each_districts_page(stage: Stage) -> None:
    c, d = stage.console, stage.districts
    client = _signed_in(stage, c.district_it)  # no --district: every district
    for district, school in ((d.district, c.school_a), (d.other_district, c.school_b)):
        page = client.get(f"/console/districts/{district}")
        assert page.status_code == 200
        # the navigation stays in the district being looked at
        assert f'href="/console/districts/{district}?school=' in page.text
        listed = client.get(f"/console/integrations?school={school}").text
        assert f'href="/console/districts/{district}?school={school}"' in listed
    assert client.get("/console/districts/dst_unknown").status_code == 404
