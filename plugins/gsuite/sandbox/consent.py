"""The sandbox's OAuth consent: Google's account chooser and consent screen in one small page
(``GET /auth``), and the authorization-code grant of the token endpoint, with PKCE (S256)
checked, one use per code, and a refresh token per consent (``access_type=offline``).

The page offers three accounts so a test or demo can take each path: the domain's super admin
(the sync works), a teacher without an admin role (the Directory answers 403), and a personal
account outside the domain (the Directory answers 400); every permission can be unticked, and
Cancel answers ``error=access_denied`` as Google does.
"""

from __future__ import annotations

import base64
import hashlib
import html
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from plugins.gsuite.sandbox.domain import Domain
from plugins.gsuite.sandbox.oauth import Grant, _oauth_error

PERSONAL_ACCOUNT = "someone.personal@gmail.com"
CODE_SECONDS = 600
SCOPE_WORDS = {
    "admin.directory.user.readonly": "See info about users on your domain",
    "admin.directory.orgunit.readonly": "View organization units on your domain",
    "admin.directory.group.readonly": "View groups on your domain",
    "admin.directory.group.member.readonly": "View group subscriptions on your domain",
}


@dataclass(frozen=True)
class Code:
    client_id: str
    redirect_uri: str
    challenge: str
    subject: str
    scopes: frozenset[str]
    personal: bool
    expires: float


@dataclass(frozen=True)
class ConsentRequest:
    """What one visit to the consent page asked for (tests read ``consents``)."""

    client_id: str
    redirect_uri: str
    scopes: tuple[str, ...]
    access_type: str
    prompt: str
    code_challenge_method: str


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


class ConsentScreen:
    """``/auth`` and the ``authorization_code`` grant of :class:`GoogleSandbox` (a mixin: the
    sandbox holds the state declared here)."""

    domain: Domain
    revoked: bool
    oauth_client_id: str
    oauth_client_secret: str
    consents: list[ConsentRequest]
    _codes: dict[str, Code]
    _refresh_grants: dict[str, Grant]
    _grants: dict[str, Grant]
    _lock: threading.Lock

    def consent_accounts(self) -> list[tuple[str, str]]:
        """(email, what it is) of the accounts the consent page offers."""
        teacher = self.domain.by_label("teacher")[0]
        return [
            (self.domain.admin.email, "super admin of the domain"),
            (teacher.email, "a teacher, no admin role"),
            (PERSONAL_ACCOUNT, "a personal Google account"),
        ]

    async def _consent_page(self, request: Request) -> Response:
        params = request.query_params
        problem = self._consent_problem(params)
        if problem:
            return HTMLResponse(
                _page("Error 400: invalid_request", f"<p>{html.escape(problem)}</p>"),
                status_code=400,
            )
        wanted = tuple(str(params.get("scope", "")).split())
        with self._lock:
            self.consents.append(
                ConsentRequest(
                    client_id=str(params["client_id"]),
                    redirect_uri=str(params["redirect_uri"]),
                    scopes=wanted,
                    access_type=str(params.get("access_type", "")),
                    prompt=str(params.get("prompt", "")),
                    code_challenge_method=str(params.get("code_challenge_method", "")),
                )
            )
        hidden = "".join(
            f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(str(params[key]))}">'
            for key in ("client_id", "redirect_uri", "state", "code_challenge", "scope")
            if key in params
        )
        accounts = "".join(
            f'<li><input type="radio" name="account" id="acct-{i}" value="{html.escape(email)}"'
            f'{" checked" if i == 0 else ""}> <label for="acct-{i}">{html.escape(email)}</label> '
            f"<small>({html.escape(what)})</small></li>"
            for i, (email, what) in enumerate(self.consent_accounts())
        )
        boxes = "".join(
            f'<li><input type="checkbox" name="granted" id="scope-{i}" value="{html.escape(scope)}" checked> '
            f'<label for="scope-{i}">{html.escape(SCOPE_WORDS.get(scope.rsplit("/", 1)[-1], scope))}</label></li>'
            for i, scope in enumerate(wanted)
        )
        body = (
            '<form method="post" action="/auth">'
            f"{hidden}"
            "<fieldset><legend>Choose an account</legend><ul>"
            f"{accounts}</ul></fieldset>"
            "<fieldset><legend>rosterhub wants to access your Google Account</legend><ul>"
            f"{boxes}</ul></fieldset>"
            '<button type="submit" name="decision" value="allow">Allow</button> '
            '<button type="submit" name="decision" value="cancel">Cancel</button>'
            "</form>"
        )
        return HTMLResponse(_page("Sign in with Google (sandbox)", body))

    def _consent_problem(self, params: Any) -> str | None:
        get = params.get
        if get("client_id") != self.oauth_client_id:
            return "The OAuth client was not found (invalid_client)."
        if not get("redirect_uri"):
            return "Missing required parameter: redirect_uri"
        if get("response_type") != "code":
            return "Unsupported response_type: this sandbox speaks the authorization code flow"
        if get("code_challenge_method") != "S256" or not get("code_challenge"):
            return "This client must send a PKCE code_challenge with code_challenge_method=S256"
        if not get("scope"):
            return "Missing required parameter: scope"
        return None

    async def _consent_decision(self, request: Request) -> Response:
        form = await request.form()
        redirect_uri = str(form.get("redirect_uri", ""))
        state = str(form.get("state", ""))
        if str(form.get("client_id", "")) != self.oauth_client_id or not redirect_uri:
            return HTMLResponse(_page("Error 400", "<p>invalid_request</p>"), status_code=400)
        if form.get("decision") != "allow":
            return _back(redirect_uri, {"error": "access_denied", "state": state})
        account = str(form.get("account", ""))
        personal = account == PERSONAL_ACCOUNT
        if not personal:
            try:
                account = self.domain.user(account).email
            except KeyError:
                return HTMLResponse(_page("Error 400", "<p>unknown account</p>"), status_code=400)
        granted = frozenset(str(v) for v in form.getlist("granted")) & frozenset(
            str(form.get("scope", "")).split()
        )
        code = "4/sandbox-" + secrets.token_urlsafe(24)
        with self._lock:
            self._codes[code] = Code(
                client_id=self.oauth_client_id,
                redirect_uri=redirect_uri,
                challenge=str(form.get("code_challenge", "")),
                subject=account,
                scopes=granted,
                personal=personal,
                expires=time.time() + CODE_SECONDS,
            )
        return _back(
            redirect_uri, {"code": code, "state": state, "scope": " ".join(sorted(granted))}
        )

    def _code_grant(self, form: dict[str, str]) -> Response:
        if (
            form.get("client_id") != self.oauth_client_id
            or form.get("client_secret") != self.oauth_client_secret
        ):
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        with self._lock:
            code = self._codes.pop(form.get("code", ""), None)
        if code is None or code.expires < time.time() or self.revoked:
            return _oauth_error(400, "invalid_grant", "Malformed auth code.")
        if form.get("redirect_uri") != code.redirect_uri:
            return _oauth_error(400, "redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier", "")
        if not verifier or s256(verifier) != code.challenge:
            return _oauth_error(400, "invalid_grant", "Invalid code verifier.")
        grant = Grant(subject=code.subject, scopes=code.scopes, personal=code.personal)
        refresh = "1//sandbox-consent-" + secrets.token_urlsafe(24)
        access = "ya29." + secrets.token_urlsafe(24)
        with self._lock:
            self._refresh_grants[refresh] = grant
            self._grants[access] = grant
        body = {
            "access_token": access,
            "expires_in": 3599,
            "refresh_token": refresh,
            "scope": " ".join(sorted(code.scopes)),
            "token_type": "Bearer",
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    async def _token(self, request: Request) -> Response:
        """The authorization-code grant and refreshes of consented tokens here; every other
        grant is the token endpoint's own."""
        form = {k: str(v) for k, v in (await request.form()).items()}
        if form.get("grant_type") == "authorization_code":
            return self._code_grant(form)
        if form.get("grant_type") == "refresh_token":
            answer = self.consent_refresh(form)
            if answer is not None:
                return answer
        return await super()._token(request)  # type: ignore[misc]

    def consent_refresh(self, form: dict[str, str]) -> Response | None:
        """The refresh grant of a token issued through the consent page (None: not one)."""
        grant = self._refresh_grants.get(form.get("refresh_token", ""))
        if grant is None:
            return None
        if (
            form.get("client_id") != self.oauth_client_id
            or form.get("client_secret") != self.oauth_client_secret
        ):
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if self.revoked:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        wanted = frozenset(form.get("scope", "").split()) or grant.scopes
        if not wanted <= grant.scopes:
            return _oauth_error(400, "invalid_scope", "Bad Request")
        access = "ya29." + secrets.token_urlsafe(24)
        issued = Grant(subject=grant.subject, scopes=wanted, personal=grant.personal)
        with self._lock:
            self._grants[access] = issued
        body = {
            "access_token": access,
            "expires_in": 3599,
            "scope": " ".join(sorted(wanted)),
            "token_type": "Bearer",
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _back(redirect_uri: str, params: dict[str, str]) -> Response:
    joiner = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{joiner}{urlencode(params)}", status_code=302)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head><body><main>"
        f"<h1>{html.escape(title)}</h1>{body}</main></body></html>"
    )
