"""Bulk add in the console applies in the background: Confirm answers at once with the
upload's page, which shows its progress until it is applied; the passwords go to the session
that confirmed it, once; a second Confirm applies nothing more."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from hub.models import Account
from tests.console.conftest import Console, csrf_of, sign_in
from tests.console.test_pages import preview
from tests.uploads.test_background import slow_hashing

__all__ = ["slow_hashing"]


def _accounts(console: Console) -> int:
    with console.hub.session() as session:
        return int(session.execute(select(func.count()).select_from(Account)).scalar_one())


def test_confirm_applies_in_the_background_and_the_page_follows_it(
    console: Console, slow_hashing: None
) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    token = csrf_of(client)
    rows = [[f"kid{n}@ada.example.org", "Kid", str(n), ""] for n in range(120)]
    upload_id = preview(client, token, rows)
    before = _accounts(c)

    confirmed = client.post(
        f"/console/accounts/uploads/{upload_id}/confirm",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"].startswith(f"/console/accounts/uploads/{upload_id}")
    page = client.get(confirmed.headers["location"])
    assert page.status_code == 200 and "Applying" in page.text
    assert '<meta http-equiv="refresh"' in page.text and "<progress" in page.text
    assert "of 120 accounts ready" in page.text
    # Confirming again while it applies starts nothing more.
    again = client.post(
        f"/console/accounts/uploads/{upload_id}/confirm", data={"csrf_token": token}
    )
    assert again.status_code == 200

    deadline = time.monotonic() + 30
    while "is applied" not in page.text:
        assert time.monotonic() < deadline, page.text
        assert "could not be applied" not in page.text
        time.sleep(0.1)
        page = client.get(f"/console/accounts/uploads/{upload_id}")
    assert "120 new" in page.text and "Download passwords" in page.text
    assert 'http-equiv="refresh"' not in page.text
    assert _accounts(c) == before + 120

    # Someone else at the school sees how it went, never the passwords.
    colleague = c.client()
    sign_in(colleague, *c.admin_a)
    seen = colleague.get(f"/console/accounts/uploads/{upload_id}")
    assert "is applied" in seen.text and "Download passwords" not in seen.text
    assert colleague.get(f"/console/accounts/uploads/{upload_id}/passwords").status_code == 404
    # Another school's admin cannot even see it.
    stranger = c.client()
    sign_in(stranger, *c.admin_b)
    assert stranger.get(f"/console/accounts/uploads/{upload_id}").status_code == 404

    download = client.get(f"/console/accounts/uploads/{upload_id}/passwords")
    assert download.status_code == 200 and download.text.count("@ada.example.org") == 120
    assert client.get(f"/console/accounts/uploads/{upload_id}/passwords").status_code == 404
    assert _accounts(c) == before + 120  # applied once


def test_confirm_needs_the_csrf_token(console: Console) -> None:
    c = console
    client = c.client()
    sign_in(client, *c.admin_a)
    token = csrf_of(client)
    upload_id = preview(client, token, [["ann@ada.example.org", "Ann", "A", ""]])
    before = _accounts(c)
    refused = client.post(f"/console/accounts/uploads/{upload_id}/confirm", data={})
    assert refused.status_code in (400, 403)
    assert _accounts(c) == before
