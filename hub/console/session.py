"""Console sessions: who this browser is, and the checks every form passes.

The session cookie is ``SECRET.SIGNATURE``: 256 random bits, signed with a key derived from the
hub's secret key, HttpOnly, SameSite=Lax, limited to ``/console`` and Secure whenever the
console is reached over https. Only the SHA-256 of the secret is stored, so the sessions table
holds nothing a browser could replay. A new session (a new secret) is made at every sign-in,
and signing out deletes it server-side.

Every form carries the session's CSRF token (forms shown before signing in carry a
double-submit token from their own cookie instead); a POST without the matching token is
refused before anything is read or written.

The principal of a session is built with :func:`hub.access.scope_for`, the same rule the
HTTP API uses, so a school admin reaches only their schools however the URL is edited.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query, Request, Response
from sqlalchemy import delete, select, update
from sqlmodel import col

from hub import access, signin
from hub.access import Principal
from hub.console.base import NeedsSignIn, hub_of
from hub.context import Hub
from hub.models import Account, ConsoleSession, School, StaffUser, utcnow
from hub.schools import list_schools
from hub.signin import Identity
from hub.tokens import SCHOOL_ADMIN

COOKIE = "rosterhub_session"
FORM_COOKIE = "rosterhub_form"
COOKIE_PATH = "/console"
IDLE = timedelta(hours=8)
LIFETIME = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
LIST_PAGES = frozenset(
    f"/console{p}"
    for p in ("", "/", "/accounts", "/integrations", "/runs", "/resync-requests", "/rooms")
)
EXPIRED_FORM = "This form has expired. Reload the page and try again."

_session = ConsoleSession.__table__  # type: ignore[attr-defined]


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


@dataclass
class Visitor:
    """A signed-in person, for one request."""

    session_id: str
    csrf: str
    email: str
    role: str
    principal: Principal
    staff_id: str | None = None
    account_id: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None


# -- cookies -----------------------------------------------------------------------------------


def _secure(request: Request) -> bool:
    hub = hub_of(request)
    return request.url.scheme == "https" or hub.settings.public_url.startswith("https://")


def set_session_cookie(request: Request, response: Response, value: str) -> None:
    response.set_cookie(
        COOKIE,
        value,
        max_age=int(LIFETIME.total_seconds()),
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        COOKIE, path=COOKIE_PATH, httponly=True, samesite="lax", secure=_secure(request)
    )


def start_session(hub: Hub, identity: Identity) -> str:
    """A new session for ``identity``; returns the cookie value (its only copy)."""
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    row = ConsoleSession(
        token_hash=_digest(secret),
        staff_id=identity.staff_id,
        account_id=identity.account_id,
        csrf_token=secrets.token_urlsafe(32),
        expires_at=now + LIFETIME,
    )
    with hub.transaction() as session:
        session.add(row)
        # Sessions that ended on their own are swept whenever someone signs in.
        session.execute(delete(_session).where(_session.c.expires_at < now))
    return f"{secret}.{hub.vault.sign('console-session', secret)}"


def end_session(hub: Hub, session_id: str) -> None:
    with hub.transaction() as session:
        session.execute(delete(_session).where(_session.c.id == session_id))


def _load(hub: Hub, cookie: str) -> Visitor | None:
    secret, _, signature = cookie.partition(".")
    if (
        not secret
        or len(cookie) > 200
        or not hub.vault.verify("console-session", secret, signature)
    ):
        return None
    digest = _digest(secret)
    now = utcnow()
    with hub.session() as session:
        row = (
            session.execute(select(ConsoleSession).where(col(ConsoleSession.token_hash) == digest))
            .scalars()
            .first()
        )
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        if _aware(row.expires_at) <= now or _aware(row.last_seen_at) + IDLE <= now:
            session.execute(delete(_session).where(_session.c.id == row.id))
            session.commit()
            return None
        if row.staff_id is not None:
            staff = session.get(StaffUser, row.staff_id)
            if staff is None:
                return None
            email, role, district = staff.email, staff.role, staff.district_id
            schools = access.scope_for(hub, role=role, district_id=district)
            home = None
        else:
            account = session.get(Account, row.account_id) if row.account_id else None
            if account is None or account.id is None:
                return None
            email, role, district = account.email, SCHOOL_ADMIN, None
            own = signin.admin_schools(hub, account.id)
            if not own:  # no longer an admin anywhere: the session ends here
                return None
            schools = access.scope_for(hub, role=role, school_ids=own)
            home = own[0]
        if _aware(row.last_seen_at) + TOUCH_EVERY <= now:
            session.execute(
                update(_session).where(_session.c.id == row.id).values(last_seen_at=now)
            )
            session.commit()
    principal = Principal(
        name=f"console:{email}", role=role, schools=schools, school_id=home, district_id=district
    )
    return Visitor(
        session_id=row.id,
        csrf=row.csrf_token,
        email=email,
        role=role,
        principal=principal,
        staff_id=row.staff_id,
        account_id=row.account_id,
        data=dict(row.data or {}),
    )


def current_visitor(request: Request) -> Visitor | None:
    """The signed-in person, or None (looked up once per request)."""
    if "visitor" not in request.state._state:
        cookie = request.cookies.get(COOKIE)
        request.state.visitor = _load(hub_of(request), cookie) if cookie else None
    found: Visitor | None = request.state.visitor
    return found


def require_visitor(request: Request) -> Visitor:
    visitor = current_visitor(request)
    if visitor is None:
        raise NeedsSignIn
    return visitor


def save_data(hub: Hub, visitor: Visitor, **changes: Any) -> None:
    """Change the session's short-lived state (a value of None removes the key)."""
    data = dict(visitor.data)
    for key, value in changes.items():
        if value is None:
            data.pop(key, None)
        else:
            data[key] = value
    visitor.data = data
    with hub.transaction() as session:
        session.execute(
            update(_session).where(_session.c.id == visitor.session_id).values(data=data)
        )


def flash(request: Request, visitor: Visitor, message: str) -> None:
    """A one-line notice shown on the next page (after a redirect)."""
    save_data(hub_of(request), visitor, flash=[*visitor.data.get("flash", []), message][-3:])


# -- CSRF --------------------------------------------------------------------------------------


def check_csrf(request: Request, submitted: str) -> Visitor:
    """The signed-in visitor whose form this is; a missing or wrong token is refused."""
    visitor = require_visitor(request)
    if not submitted or not hmac.compare_digest(submitted, visitor.csrf):
        raise HTTPException(403, detail=EXPIRED_FORM)
    return visitor


def form_token(request: Request, response: Response) -> str:
    """The double-submit token of a form shown before signing in (kept in its own cookie)."""
    hub = hub_of(request)
    current = request.cookies.get(FORM_COOKIE, "")
    token, _, signature = current.partition(".")
    if not token or not hub.vault.verify("console-form", token, signature):
        token = secrets.token_urlsafe(24)
        response.set_cookie(
            FORM_COOKIE,
            f"{token}.{hub.vault.sign('console-form', token)}",
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=_secure(request),
        )
    return token


def check_form_token(request: Request, submitted: str) -> None:
    hub = hub_of(request)
    token, _, signature = request.cookies.get(FORM_COOKIE, "").partition(".")
    if (
        not token
        or not submitted
        or not hub.vault.verify("console-form", token, signature)
        or not hmac.compare_digest(token, submitted)
    ):
        raise HTTPException(403, detail=EXPIRED_FORM)


# -- where the visitor is ----------------------------------------------------------------------


@dataclass
class Signed:
    """Who is asking, signed in, and the hub: all a route that renders no page needs (the
    chat window's), without the schools a page lists in its navigation."""

    hub: Hub
    visitor: Visitor

    @property
    def principal(self) -> Principal:
        return self.visitor.principal


def signed(request: Request) -> Signed:
    return Signed(hub=hub_of(request), visitor=require_visitor(request))


SignedDep = Annotated[Signed, Depends(signed)]


@dataclass
class Here(Signed):
    """A signed-in page's context: the hub, the visitor, and the school they are looking at."""

    school: School | None
    schools: list[School]

    @property
    def school_id(self) -> str | None:
        return self.school.id if self.school is not None else None

    def need_school(self) -> School:
        if self.school is None:
            raise HTTPException(404, detail="There is no school here yet.")
        return self.school


def here(request: Request, school: Annotated[str | None, Query(max_length=64)] = None) -> Here:
    """Who is asking and which school they are looking at: ``?school=`` when given (one they
    may see, else 404), otherwise a school admin's own school or a staff member's first."""
    visitor = require_visitor(request)
    hub = hub_of(request)
    principal = visitor.principal
    if principal.schools is None:
        visible = list_schools(hub)
    else:
        visible = [s for s in list_schools(hub) if s.id in principal.schools]
    if school:
        chosen: School | None = access.visible_school(hub, principal, school.strip())
    elif principal.school_id and principal.sees_school(principal.school_id):
        chosen = next((s for s in visible if s.id == principal.school_id), None)
    else:
        chosen = visible[0] if visible else None
    found = Here(hub=hub, visitor=visitor, school=chosen, schools=visible)
    request.state.here = found
    return found


HereDep = Annotated[Here, Depends(here)]


def page_context(request: Request) -> dict[str, Any]:
    """What the layout needs on every page."""
    found: Here | None = request.state._state.get("here")
    visitor = found.visitor if found is not None else current_visitor(request)
    notices: list[str] = []
    if visitor is not None and visitor.data.get("flash"):
        notices = list(visitor.data["flash"])
        save_data(hub_of(request), visitor, flash=None)
    return {
        "me": visitor,
        "csrf": visitor.csrf if visitor is not None else "",
        "school": found.school if found is not None else None,
        "schools": found.schools if found is not None else [],
        "notices": notices,
        "request_path": request.url.path,
        "switch_path": request.url.path if request.url.path in LIST_PAGES else "/console",
    }
