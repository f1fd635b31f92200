"""The console's pages as each audience uses them, through HTTP (the browser tests walk the
same paths in Chromium)."""

from __future__ import annotations

import io
import re
from typing import Any

import xlsxwriter
from sqlmodel import select

from hub import integrations, plans, resync_requests, runs
from hub.models import Run
from tests.console.conftest import Console, csrf_of, sign_in


def test_signing_in_lands_on_the_schools_checklist(console: Console) -> None:
    client = console.client()
    home = sign_in(client, *console.admin_a)
    text = home.text  # type: ignore[attr-defined]
    assert "Ada Lovelace Elementary" in text and "Roster your accounts" in text
    assert "Fake roster (tests)" in text and "5 created" in text
    assert "Sign out" in text and "Rooms starter pack" in text


def test_a_school_admin_reaches_only_their_school_however_the_url_is_edited(
    console: Console,
) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    other_run = runs.list_runs(c.hub, integration_id=c.integration_b)[0]
    for path in (
        f"/console?school={c.school_b}",
        f"/console/accounts?school={c.school_b}",
        f"/console/integrations?school={c.school_b}",
        f"/console/runs?school={c.school_b}",
        f"/console/runs/{other_run.id}",
        f"/console/integrations/{c.integration_b}/syncing",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert "brook.example.org" not in response.text and "Brook Middle" not in response.text
    token = csrf_of(client)
    for path in (
        f"/console/integrations/{c.integration_b}/sync",
        f"/console/runs/{other_run.id}/approve",
    ):
        assert client.post(path, data={"csrf_token": token}).status_code == 404
    assert len(runs.list_runs(c.hub, integration_id=c.integration_b)) == 1


def test_roles_decide_who_connects_who_syncs_and_who_adds(console: Console) -> None:
    c = console
    support = c.client()
    sign_in(support, *c.support)
    assert support.get("/console/integrations/new/clever").status_code == 403
    assert support.get("/console/accounts/new").status_code == 403
    assert "Connect Clever" not in support.get("/console/integrations").text
    token = csrf_of(support)
    synced = support.post(
        f"/console/integrations/{c.integration_a}/sync", data={"csrf_token": token}
    )
    assert synced.status_code == 200 and "queued" in synced.text
    admin = c.client()
    sign_in(admin, *c.admin_a)
    page = admin.get("/console/integrations").text
    assert "Sync now" not in page and "Test connection" not in page
    assert (
        admin.post(
            f"/console/integrations/{c.integration_a}/sync", data={"csrf_token": csrf_of(admin)}
        ).status_code
        == 403
    )


def test_accounts_search_filters_and_pages(console: Console) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    page = client.get("/console/accounts").text
    for header in ("Email", "Name", "Roles", "Status", "Source"):
        assert f'<th scope="col">{header}</th>' in page
    assert "p0@ada.example.org" in page and "principal@ada.example.org" in page
    found = client.get("/console/accounts", params={"q": "First3"}).text
    assert "p3@ada.example.org" in found and "p1@ada.example.org" not in found
    teachers = client.get("/console/accounts", params={"role": "teacher"}).text
    assert "p0@ada.example.org" in teachers and "p1@ada.example.org" not in teachers
    nothing = client.get("/console/accounts", params={"q": "zzz"}).text
    assert "No accounts match" in nothing


def test_accounts_page_through_any_number(console: Console) -> None:
    c = console
    integrations.update_integration(
        c.hub, c.integration_a, settings={"people": "120"}, actor="test"
    )
    runs.submit(c.hub, runs.RunRequest(integration_id=c.integration_a, actor="test"), here=True)
    client = c.client()
    sign_in(client, *c.admin_a)
    first = client.get("/console/accounts").text
    assert "Page 1 of 3" in first and "121 in all" in first
    last = client.get("/console/accounts", params={"page": 3}).text
    assert "Page 3 of 3" in last and last.count("<tr>") == 21 + 1
    beyond = client.get("/console/accounts", params={"page": 99}).text
    assert "Page 3 of 3" in beyond


def test_add_an_account_validates_each_field_as_the_cli_does(console: Console) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    token = csrf_of(client)
    bad = client.post(
        "/console/accounts/new",
        data={"csrf_token": token, "email": "not-an-email", "first": "", "last": "Hopper"},
    )
    assert bad.status_code == 400
    assert 'id="f-email" name="email"' in bad.text and 'aria-invalid="true"' in bad.text
    assert "is not a valid email address" in bad.text
    assert "Enter a first name" in bad.text and "Choose at least one role" in bad.text
    both = client.post(
        "/console/accounts/new",
        data={
            "csrf_token": token,
            "email": "kid@ada.example.org",
            "first": "K",
            "last": "Id",
            "roles": ["student", "teacher"],
        },
    )
    assert "cannot be a student and staff" in both.text
    taken = client.post(
        "/console/accounts/new",
        data={
            "csrf_token": token,
            "email": "p1@ada.example.org",
            "first": "P",
            "last": "One",
            "roles": "teacher",
        },
    )
    assert taken.status_code == 400 and "already has an account" in taken.text
    good = client.post(
        "/console/accounts/new",
        data={
            "csrf_token": token,
            "email": "Grace@Ada.example.org",
            "first": "Grace",
            "last": "Hopper",
            "roles": "admin",
        },
    )
    assert good.status_code == 200 and "grace@ada.example.org" in good.text
    assert "Generated password" in good.text


def _xlsx(rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name in ("Student", "Teacher", "Admin"):
        sheet = book.add_worksheet(name)
        sheet.write_row(0, 0, ["Email", "First Name", "Last Name", "Password"])
        if name == "Student":
            for r, row in enumerate(rows, start=1):
                sheet.write_row(r, 0, row)
    book.close()
    return buffer.getvalue()


def preview(client: Any, token: str, rows: list[list[str]]) -> str:
    """Send a Student sheet of ``rows`` to the bulk add form; the id of its preview."""
    good = client.post(
        "/console/accounts/uploads",
        data={"csrf_token": token},
        files={"file": ("students.xlsx", _xlsx(rows), "application/octet-stream")},
    )
    assert good.status_code == 200 and "Check before applying" in good.text
    (upload_id,) = set(re.findall(r"/accounts/uploads/(upl_[a-z0-9]+)/confirm", good.text))
    return str(upload_id)


def test_bulk_add_shows_errors_then_previews_then_confirms_once(console: Console) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    token = csrf_of(client)
    bad = client.post(
        "/console/accounts/uploads",
        data={"csrf_token": token},
        files={
            "file": (
                "students.xlsx",
                _xlsx([["bad-email", "Ann", "A", ""]]),
                "application/octet-stream",
            )
        },
    )
    assert bad.status_code == 400 and "nothing was changed" in bad.text
    assert '<td>Student</td><td class="num">2</td><td>Email</td>' in bad.text
    upload_id = preview(client, token, [["ann@ada.example.org", "Ann", "A", ""]])
    done = client.post(f"/console/accounts/uploads/{upload_id}/confirm", data={"csrf_token": token})
    assert "is applied" in done.text and "Download passwords" in done.text
    download = client.get(f"/console/accounts/uploads/{upload_id}/passwords")
    assert download.status_code == 200 and "ann@ada.example.org" in download.text
    assert client.get(f"/console/accounts/uploads/{upload_id}/passwords").status_code == 404


def test_preview_lists_people_and_only_the_newest_preview_keeps_its_plan(
    console: Console,
) -> None:
    c = console
    integrations.update_integration(
        c.hub, c.integration_a, settings={"people": "8", "domain": "ada.example.org"}, actor="test"
    )
    first = runs.submit(
        c.hub,
        runs.RunRequest(integration_id=c.integration_a, dry_run=True, actor="test"),
        here=True,
    ).run
    second = runs.submit(
        c.hub,
        runs.RunRequest(integration_id=c.integration_a, dry_run=True, actor="test"),
        here=True,
    ).run
    assert first.status == second.status == "dry_run"
    assert runs.get_run(c.hub, first.id).plan is None and runs.get_run(c.hub, second.id).plan
    client = c.client()
    sign_in(client, *c.district_it)
    page = client.get(f"/console/runs/{second.id}").text
    assert "Created (3)" in page and "p7@ada.example.org" in page and "new account" in page
    old = client.get(f"/console/runs/{first.id}").text
    assert "no longer kept" in old


def test_preview_says_which_fields_change(console: Console) -> None:
    c = console
    integrations.update_integration(
        c.hub, c.integration_a, settings={"domain": "ada.example.net"}, actor="test"
    )
    run = runs.submit(
        c.hub,
        runs.RunRequest(integration_id=c.integration_a, dry_run=True, actor="test"),
        here=True,
    ).run
    view = plans.plan_view(runs.get_run(c.hub, run.id))
    assert view is not None
    changed = plans.changes(c.hub, view, "updated", offset=0, limit=50)
    assert changed and "email p0@ada.example.org → p0@ada.example.net" in changed[0].detail


def _held(c: Console) -> Run:
    integrations.update_integration(c.hub, c.integration_a, settings={"people": "0"}, actor="test")
    held = runs.submit(
        c.hub, runs.RunRequest(integration_id=c.integration_a, actor="test"), here=True
    ).run
    assert held.status == "held"
    return held


def test_a_held_run_lists_who_would_go_and_support_discards_or_approves(
    console: Console,
) -> None:
    c = console
    held = _held(c)
    client = c.client()
    sign_in(client, *c.support)
    page = client.get(f"/console/runs/{held.id}").text
    assert "Deactivated (5)" in page and "p4@ada.example.org" in page
    assert ">Approve</button>" in page and ">Discard</button>" in page
    token = csrf_of(client)
    discarded = client.post(f"/console/runs/{held.id}/discard", data={"csrf_token": token})
    assert "Discarded" in discarded.text
    assert runs.get_run(c.hub, held.id).status == "failed"
    assert "discarded by console:help@vendor.example.com" in (
        runs.get_run(c.hub, held.id).error or ""
    )
    again = _held(c)
    client.post(f"/console/runs/{again.id}/approve", data={"csrf_token": token})
    assert runs.get_run(c.hub, again.id).status == "succeeded"
    admin = c.client()
    sign_in(admin, *c.admin_a)
    assert ">Approve</button>" not in admin.get(f"/console/runs/{again.id}").text


def test_a_school_admins_resync_request_reaches_support(console: Console) -> None:
    c = console
    admin = c.client()
    sign_in(admin, *c.admin_a)
    asked = admin.post("/console/resync-requests", data={"csrf_token": csrf_of(admin)})
    assert "Support has your request" in asked.text
    assert "you asked for a resync" in asked.text.lower()
    support = c.client()
    sign_in(support, *c.support)
    listing = support.get("/console/resync-requests").text
    assert "Ada Lovelace Elementary" in listing and "principal@ada.example.org" in listing
    (row,) = resync_requests.list_requests(c.hub)
    done = support.post(
        f"/console/resync-requests/{row.id}/approve", data={"csrf_token": csrf_of(support)}
    )
    assert "1 run queued" in done.text
    with c.hub.session() as session:
        queued = list(session.exec(select(Run).where(Run.status == "queued")))
    assert [r.integration_id for r in queued] == [c.integration_a]


def test_an_empty_school_keeps_its_table_and_says_what_to_do(console: Console) -> None:
    from hub.schools import create_school

    empty = create_school(console.hub, name="Cedar Elementary", actor="test")
    client = console.client()
    sign_in(client, *console.district_it)
    page = client.get("/console/accounts", params={"school": empty.id}).text
    assert '<th scope="col">Email</th>' in page and "No accounts yet" in page
    assert "connect an integration" in page
    home = client.get("/console", params={"school": empty.id}).text
    assert "No integration: bulk add accounts" in home
