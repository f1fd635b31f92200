"""The web console in ``rosterhub demo``: demo people who can sign in (a district IT user and
a school admin, given fresh passwords on every run), and Google Workspace connected the way
district IT does it: through the consent page (the sandbox's), clicked through over HTTP."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import httpx
from sqlalchemy import select, update

from hub import accounts, audit, staff
from hub.config import Settings
from hub.context import Hub
from hub.models import Account, Membership, School, StaffUser
from hub.passwords import generate_password, hash_password
from hub.testing import LoopbackServer, free_port

DEMO_IT = "it@demo.example.org"
DEMO_ADMIN = "admin@demo.example.org"
ACTOR = "demo"

_staff = StaffUser.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)"')


def district_it(hub: Hub) -> dict[str, str]:
    """The demo district IT user, with a new password."""
    if staff.find_staff(hub, DEMO_IT) is None:
        row, password = staff.add_staff(hub, email=DEMO_IT, role="district_it", actor=ACTOR)
        return {"role": "district_it", "email": row.email, "password": password}
    password = generate_password(groups=4)
    with hub.transaction() as session:
        session.execute(
            update(_staff)
            .where(_staff.c.email == DEMO_IT)
            .values(password_hash=hash_password(password))
        )
        audit.record(session, actor=ACTOR, action="staff.password_reset", target=DEMO_IT)
    return {"role": "district_it", "email": DEMO_IT, "password": password}


def school_admin(hub: Hub, school: School) -> dict[str, str]:
    """The demo school admin of ``school``, with a new password."""
    with hub.engine.connect() as conn:
        found = conn.execute(
            select(_account.c.id).where(_account.c.email == DEMO_ADMIN)
        ).scalar_one_or_none()
        member = None
        if found is not None:
            member = conn.execute(
                select(_membership.c.id).where(
                    _membership.c.account_id == found, _membership.c.school_id == school.id
                )
            ).scalar_one_or_none()
    if member is None:
        _view, password = accounts.add_manual_account(
            hub,
            school_id=school.id,
            email=DEMO_ADMIN,
            first_name="Demo",
            last_name="Admin",
            roles=["admin"],
            actor=ACTOR,
        )
        if password is None:  # an account of another demo school already had one
            password = _reset_account(hub)
    else:
        password = _reset_account(hub)
    return {
        "role": "school_admin",
        "email": DEMO_ADMIN,
        "password": password,
        "school": school.name,
    }


def _reset_account(hub: Hub) -> str:
    password = generate_password()
    with hub.transaction() as session:
        session.execute(
            update(_account)
            .where(_account.c.email == DEMO_ADMIN)
            .values(password_hash=hash_password(password))
        )
        audit.record(session, actor=ACTOR, action="account.password_reset", target=DEMO_ADMIN)
    return password


def consent_capable(app: Any) -> Any | None:
    """The Google sandbox behind a sandbox app, when it serves a consent page."""
    found = getattr(getattr(app, "state", None), "sandbox", None)
    return found if hasattr(found, "oauth_client_settings") else None


def connect_google(
    hub: Hub,
    *,
    google: Any,
    sandbox_url: str,
    school_id: str,
    person: dict[str, str],
    existing: str | None,
    app_for: Callable[[Hub], Any],
) -> str:
    """Sign in to a console served on loopback as ``person``, press Set up Google Workspace
    (or Reconnect for ``existing``), choose the sync admin on the consent page and Allow.
    ``app_for`` builds the app the service serves (the console with it) for a hub.
    Returns the integration's id."""
    port = free_port()
    console_url = f"http://127.0.0.1:{port}"
    overrides = {**google.oauth_client_settings(sandbox_url), "public_url": console_url}
    settings = Settings.model_validate({**hub.settings.model_dump(), **overrides})
    consent_hub = Hub(settings=settings, engine=hub.engine, pm=hub.pm)
    server = LoopbackServer(app_for(consent_hub), port=port)
    server.start()
    try:
        with httpx.Client(base_url=console_url, timeout=30) as browser:
            form = browser.get("/console/sign-in").text
            browser.post(
                "/console/sign-in",
                data={
                    "email": person["email"],
                    "password": person["password"],
                    "form_token": _field(form, "form_token"),
                },
            )
            page = browser.get("/console/integrations", params={"school": school_id}).text
            data = {"csrf_token": _field(page, "csrf_token")}
            if existing:
                data["integration"] = existing
            start = browser.post(
                f"/console/integrations/google/start?school={school_id}", data=data
            )
            consent = httpx.get(start.headers["location"], timeout=30)
            hidden = {k: html.unescape(v) for k, v in _HIDDEN.findall(consent.text)}
            allowed = httpx.post(
                f"{sandbox_url}/auth",
                data={
                    **hidden,
                    "account": google.domain.admin.email,
                    "granted": hidden.get("scope", "").split(),
                    "decision": "allow",
                },
                timeout=30,
            )
            back = browser.get(allowed.headers["location"])
            where = back.headers.get("location", "")
    finally:
        server.stop()
    found = re.search(r"/integrations/(int_[a-z0-9]+)/syncing", where)
    if found is None:
        problem = re.search(r'<p class="callout[^"]*" role="alert">(.*?)</p>', back.text, re.S)
        text = re.sub(r"<[^>]+>", "", problem.group(1)) if problem else f"HTTP {back.status_code}"
        msg = f"the Google consent did not connect: {' '.join(text.split())}"
        raise RuntimeError(msg)
    return found.group(1)


def _field(page: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]+)"', page)
    if found is None:
        msg = f"the console page has no {name}"
        raise RuntimeError(msg)
    return found.group(1)
