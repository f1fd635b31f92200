"""The console's security properties: CSRF, sessions, lockout, escaping, CSP, no secrets."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from hub import signin
from hub.models import Account, ConsoleSession
from tests.console.conftest import Console, csrf_of, sign_in

PAGES = ("/console", "/console/accounts", "/console/integrations", "/console/runs")


def _add(client: TestClient, token: str | None, first: str = "Grace") -> object:
    data = {"email": "grace@ada.example.org", "first": first, "last": "Hopper", "roles": "teacher"}
    if token is not None:
        data["csrf_token"] = token
    return client.post("/console/accounts/new", data=data)


def _has_account(console: Console, email: str) -> bool:
    with console.hub.session() as session:
        return session.exec(select(Account).where(Account.email == email)).first() is not None


def test_a_form_without_its_csrf_token_is_refused_and_writes_nothing(
    sqlite_console: Console,
) -> None:
    client = sqlite_console.client()
    sign_in(client, *sqlite_console.admin_a)
    for token in (None, "", "not-the-token"):
        response = _add(client, token)
        assert response.status_code == 403
        assert "expired" in response.text
    assert not _has_account(sqlite_console, "grace@ada.example.org")
    assert _add(client, csrf_of(client)).status_code == 200
    assert _has_account(sqlite_console, "grace@ada.example.org")


def test_sign_in_without_the_forms_token_is_refused(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    email, password = sqlite_console.admin_a
    response = client.post("/console/sign-in", data={"email": email, "password": password})
    assert response.status_code == 403
    assert "rosterhub_session" not in response.headers.get("set-cookie", "")


def test_a_new_session_at_every_sign_in_with_safe_cookie_flags(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    first = sign_in(client, *sqlite_console.admin_a, follow=False)
    cookie = first.headers["set-cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here; see the https test below
    old = client.cookies.get("rosterhub_session")
    sign_in(client, *sqlite_console.admin_a)
    new = client.cookies.get("rosterhub_session")
    assert old and new and old != new
    # the session signed in before no longer works (it was ended, not just replaced)
    stale = sqlite_console.client()
    stale.cookies.set("rosterhub_session", old, path="/console")
    assert stale.get("/console", follow_redirects=False).status_code == 303
    with sqlite_console.hub.session() as session:
        assert len(list(session.exec(select(ConsoleSession)))) == 1
    # the table holds only a hash of the cookie's secret
    with sqlite_console.hub.session() as session:
        (row,) = session.exec(select(ConsoleSession))
    assert new.split(".")[0] not in (row.token_hash, row.id)


def test_a_forged_or_tampered_cookie_is_nobody(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    sign_in(client, *sqlite_console.admin_a)
    value = client.cookies.get("rosterhub_session")
    assert value
    secret, _, signature = value.partition(".")
    for forged in (f"{secret}.{signature[:-2]}xx", f"{secret}x.{signature}", secret, "a.b"):
        other = sqlite_console.client()
        other.cookies.set("rosterhub_session", forged, path="/console")
        assert other.get("/console", follow_redirects=False).status_code == 303


def test_cookies_are_secure_when_the_console_is_reached_over_https(
    sqlite_console: Console,
) -> None:
    hub = sqlite_console.hub
    hub.settings.public_url = "https://roster.example.org"
    client = sqlite_console.client(base_url="https://testserver")
    response = sign_in(client, *sqlite_console.admin_a, follow=False)
    assert "Secure" in response.headers["set-cookie"]  # type: ignore[attr-defined]


def test_sign_out_ends_the_session_on_the_server(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    sign_in(client, *sqlite_console.admin_a)
    value = client.cookies.get("rosterhub_session")
    token = csrf_of(client)
    assert client.post("/console/sign-out", data={"csrf_token": token}).status_code == 200
    replay = sqlite_console.client()
    replay.cookies.set("rosterhub_session", value or "", path="/console")
    assert replay.get("/console", follow_redirects=False).status_code == 303
    with sqlite_console.hub.session() as session:
        assert list(session.exec(select(ConsoleSession))) == []


def test_a_wrong_pair_reads_the_same_whichever_half_was_wrong(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    email, password = sqlite_console.admin_a
    wrong_password = sign_in(client, email, password + "x")
    unknown_email = sign_in(client, "nobody@ada.example.org", password)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 400  # type: ignore[attr-defined]
        assert "Email or password is incorrect" in response.text  # type: ignore[attr-defined]


def test_repeated_failures_are_slowed_then_locked(
    sqlite_console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    real = signin.delay_for
    monkeypatch.setattr(signin, "delay_for", lambda n: waits.append(real(n)) or 0.0)
    client = sqlite_console.client()
    email, password = sqlite_console.admin_a
    for _ in range(signin.LOCK_AFTER):
        assert "incorrect" in sign_in(client, email, "wrong-password").text  # type: ignore[attr-defined]
    assert waits[: signin.SLOW_AFTER] == [0.0] * signin.SLOW_AFTER
    assert waits[signin.SLOW_AFTER :] == sorted(waits[signin.SLOW_AFTER :])
    assert waits[-1] > 0
    locked = sign_in(client, email, password)  # the right password, but locked now
    assert locked.status_code == 400  # type: ignore[attr-defined]
    assert "locked" in locked.text  # type: ignore[attr-defined]
    assert client.cookies.get("rosterhub_session") is None
    # an email nobody has locks the same way, so the lock tells nothing
    for _ in range(signin.LOCK_AFTER):
        sign_in(client, "nobody@ada.example.org", "wrong-password")
    assert "locked" in sign_in(client, "nobody@ada.example.org", "x").text  # type: ignore[attr-defined]


def test_the_lock_ends_after_the_window(
    sqlite_console: Console, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    monkeypatch.setattr(signin, "delay_for", lambda n: 0.0)
    email, password = sqlite_console.admin_a
    for _ in range(signin.LOCK_AFTER):
        with pytest.raises(signin.SignInRefused):
            signin.identify(sqlite_console.hub, email=email, password="nope")
    with pytest.raises(signin.SignInRefused, match="locked"):
        signin.check_lock(sqlite_console.hub, email)
    later = signin.utcnow() + signin.WINDOW + timedelta(seconds=1)
    assert signin.check_lock(sqlite_console.hub, email, now=later) == 0.0


def test_script_in_a_name_is_rendered_as_text(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    sign_in(client, *sqlite_console.admin_a)
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert _add(client, csrf_of(client), first=evil).status_code == 200
    page = client.get("/console/accounts", params={"q": "grace"}).text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page
    searched = client.get("/console/accounts", params={"q": "<script>"}).text
    assert "<script>" not in searched.replace(
        '<script src="/console/static/console.js" defer></script>', ""
    )


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_every_page_has_a_strict_csp_and_no_inline_script(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    assert "script-src 'self'" in client.get("/console/sign-in").headers["content-security-policy"]
    sign_in(client, *sqlite_console.district_it)
    for path in (*PAGES, "/console/accounts/new", "/console/accounts/bulk", "/console/nope"):
        response = client.get(path)
        policy = response.headers["content-security-policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'none'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert not INLINE_SCRIPT.search(response.text), path
        assert not re.search(r"<[^>]+\son[a-z]+=", response.text), path
    script = client.get("/console/static/console.js")
    assert script.status_code == 200 and "javascript" in script.headers["content-type"]


def test_no_secret_in_any_page(sqlite_console: Console) -> None:
    client = sqlite_console.client()
    sign_in(client, *sqlite_console.district_it)
    token = csrf_of(client, "/console/integrations")
    seen = [client.get(path).text for path in PAGES]
    seen.append(
        client.post(
            f"/console/integrations/{sqlite_console.integration_a}/test", data={"csrf_token": token}
        ).text
    )
    seen.append(client.get("/console/runs").text)
    for text in seen:
        assert "sekrit-a-0000" not in text and "sekrit-b-0000" not in text
        assert sqlite_console.admin_a[1] not in text
