"""The console's "Why?" link, the Undo button on a run, and the Audit page."""

from __future__ import annotations

from hub import runs
from hub.runs import execute_run
from tests.console.conftest import Console, csrf_of, sign_in


def test_why_link_explains_each_account(console: Console) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    listing = client.get("/console/accounts").text
    assert ">Why?</a>" in listing
    run = runs.list_runs(c.hub, integration_id=c.integration_a)[0]
    page = client.get("/console/accounts/why?email=p1@ada.example.org")
    assert page.status_code == 200
    assert "Where each role comes from" in page.text and run.id in page.text
    nobody = client.get("/console/accounts/why?email=%3Cb%3Ex%40ada.example.org").text
    assert "never synced" in nobody and "<b>x" not in nobody  # rendered escaped
    other = client.get(f"/console/accounts/why?email=p1@brook.example.org&school={c.school_b}")
    assert other.status_code == 404 and "Brook Middle" not in other.text


def test_undo_button_for_support_puts_the_run_back(console: Console) -> None:
    c = console
    run = runs.list_runs(c.hub, integration_id=c.integration_a)[0]
    admin = c.client()
    sign_in(admin, *c.admin_a)
    assert ">Undo</button>" not in admin.get(f"/console/runs/{run.id}").text
    refused = admin.post(f"/console/runs/{run.id}/undo", data={"csrf_token": csrf_of(admin)})
    assert refused.status_code == 403
    support = c.client()
    sign_in(support, *c.support)
    page = support.get(f"/console/runs/{run.id}").text
    assert ">Undo</button>" in page
    assert support.post(f"/console/runs/{run.id}/undo", data={}).status_code in (400, 403)
    token = csrf_of(support)
    done = support.post(f"/console/runs/{run.id}/undo", data={"csrf_token": token, "force": "1"})
    assert done.status_code == 200 and "Undo queued as run" in done.text
    undo_run = runs.list_runs(c.hub, integration_id=c.integration_a)[0]
    assert undo_run.trigger == "undo" and undo_run.undoes == run.id
    assert execute_run(c.hub, undo_run.id) == "succeeded"
    again = support.post(f"/console/runs/{run.id}/undo", data={"csrf_token": token})
    assert "Not undone" in again.text and undo_run.id in again.text
    audit = support.get(f"/console/audit?school={c.school_a}").text
    assert "run.request" in audit and "console:help@vendor.example.com" in audit
