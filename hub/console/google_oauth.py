"""The client side of "Set up Google Workspace": OAuth 2.0 authorization code with PKCE (S256)
and ``state`` (oauthlib), offline access for a refresh token, then one Directory call to tell
a working connection from a missing privilege or the wrong account.

The refresh token becomes an authorized-user credentials JSON (client_id, client_secret,
refresh_token, token_uri): the shape the Google provider already reads, stored encrypted as
the integration's ``credentials`` secret. Nothing here logs or returns a token.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from oauthlib.oauth2 import OAuth2Error, WebApplicationClient
from oauthlib.oauth2.rfc6749.errors import AccessDeniedError, MismatchingStateError

from hub.config import Settings
from hub.errors import ConfigError

CALLBACK_PATH = "/console/integrations/google/callback"
PENDING_SECONDS = 600
TIMEOUT = 20.0


def scopes() -> tuple[str, ...]:
    """The read-only Directory scopes the Google provider needs (its own list)."""
    from plugins.gsuite.auth import SCOPES

    return SCOPES


REFUSED = "refused"
SCOPES_MISSING = "scopes"
PRIVILEGE = "privilege"
WRONG_ACCOUNT = "wrong_account"
EXPIRED = "expired"
EXCHANGE = "exchange"
UNREACHABLE = "unreachable"


class ConsentProblem(Exception):
    """Why the consent did not end in a working connection: ``kind`` picks the page that says
    what to do (refused, scopes, privilege, wrong_account, expired, exchange, unreachable)."""

    def __init__(
        self, kind: str, detail: str | None = "", *, extra: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail or ""
        self.extra = extra or {}


@dataclass(frozen=True)
class Consent:
    credentials: str
    """The authorized-user JSON to store (a secret)."""
    customer_id: str
    domain: str


def redirect_uri(settings: Settings) -> str:
    return settings.public_url.rstrip("/") + CALLBACK_PATH


def _client(settings: Settings) -> WebApplicationClient:
    if not settings.google_client_id or settings.google_client_secret is None:
        msg = (
            "Google sign-in is not configured: set ROSTERHUB_GOOGLE_CLIENT_ID and "
            "ROSTERHUB_GOOGLE_CLIENT_SECRET"
        )
        raise ConfigError(msg)
    return WebApplicationClient(settings.google_client_id)


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return bool(host) and ipaddress.ip_address(str(host)).is_loopback
    except ValueError:
        return False


def _as_https(uri: str, setting: str) -> tuple[str, bool]:
    """oauthlib insists on https. Google's endpoints are; a sandbox on loopback may be plain
    http, so it is presented to oauthlib as https and swapped back. Anything else is refused."""
    parts = urlsplit(uri)
    if parts.scheme == "https":
        return uri, False
    if parts.scheme == "http" and _loopback(parts.hostname):
        return urlunsplit(("https", *parts[1:])), True
    msg = f"{setting} must be an https:// address"
    raise ConfigError(msg)


def start(
    settings: Settings,
    *,
    school_id: str,
    integration_id: str | None,
    district_id: str | None = None,
) -> tuple[str, dict[str, Any]]:
    """(the consent page URL, the pending state to keep in the session until the callback)."""
    client = _client(settings)
    verifier = client.create_code_verifier(64)
    state = secrets.token_urlsafe(32)
    auth, swapped = _as_https(settings.google_auth_uri, "ROSTERHUB_GOOGLE_AUTH_URI")
    url = client.prepare_request_uri(
        auth,
        redirect_uri=redirect_uri(settings),
        scope=list(scopes()),
        state=state,
        code_challenge=client.create_code_challenge(verifier, "S256"),
        code_challenge_method="S256",
        access_type="offline",
        prompt="consent",
    )
    if swapped:
        url = "http" + url[len("https") :]
    pending = {
        "state": state,
        "verifier": verifier,
        "school_id": school_id,
        "integration_id": integration_id,
        "district_id": district_id,
        "at": int(time.time()),
    }
    return url, pending


def finish(settings: Settings, pending: dict[str, Any] | None, callback_query: str) -> Consent:
    """Check the callback against the pending state, exchange the code (with the PKCE
    verifier) and check the Directory answers; ConsentProblem says what went wrong."""
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        raise ConsentProblem(EXPIRED)
    client = _client(settings)
    try:
        params = client.parse_request_uri_response(
            f"https://callback/?{callback_query}", state=str(pending["state"])
        )
    except AccessDeniedError:
        raise ConsentProblem(REFUSED) from None
    except MismatchingStateError:
        raise ConsentProblem(EXPIRED) from None
    except OAuth2Error as exc:
        raise ConsentProblem(EXCHANGE, exc.error) from None
    token = _exchange(settings, client, code=str(params["code"]), verifier=str(pending["verifier"]))
    refresh = token.get("refresh_token")
    if not refresh:
        msg = "Google sent no refresh token"
        raise ConsentProblem(EXCHANGE, msg)
    customer_id, domain = _probe(settings, str(token["access_token"]))
    assert settings.google_client_secret is not None  # _client checked
    credentials = json.dumps(
        {
            "type": "authorized_user",
            "client_id": settings.google_client_id,
            "client_secret": settings.google_client_secret.get_secret_value(),
            "refresh_token": refresh,
            "token_uri": settings.google_token_uri,
        }
    )
    return Consent(credentials=credentials, customer_id=customer_id, domain=domain)


def _exchange(
    settings: Settings, client: WebApplicationClient, *, code: str, verifier: str
) -> dict[str, Any]:
    assert settings.google_client_secret is not None
    body = client.prepare_request_body(
        code=code,
        redirect_uri=redirect_uri(settings),
        code_verifier=verifier,
        client_secret=settings.google_client_secret.get_secret_value(),
        include_client_id=True,
    )
    try:
        answer = httpx.post(
            settings.google_token_uri,
            content=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/json",
            },
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise ConsentProblem(UNREACHABLE, type(exc).__name__) from None
    try:
        token = client.parse_request_body_response(answer.text, scope=list(scopes()))
    except Warning as changed:  # the grant differs from what was asked (boxes unticked?)
        missing = sorted(set(scopes()) - set(getattr(changed, "new_scope", None) or []))
        if missing:
            raise ConsentProblem(SCOPES_MISSING, extra={"missing": missing}) from None
        token = changed.token  # type: ignore[attr-defined]
    except OAuth2Error as exc:
        raise ConsentProblem(EXCHANGE, exc.error) from None
    except ValueError:
        raise ConsentProblem(EXCHANGE, f"HTTP {answer.status_code}") from None
    return dict(token)


def _probe(settings: Settings, access_token: str) -> tuple[str, str]:
    """(customer id, domain) from one users.list page; a refusal becomes its ConsentProblem."""
    endpoint = settings.google_directory_endpoint
    try:
        answer = httpx.get(
            f"{endpoint}admin/directory/v1/users",
            params={"customer": "my_customer", "maxResults": "1", "projection": "basic"},
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT,
        )
    except httpx.HTTPError as exc:
        raise ConsentProblem(UNREACHABLE, type(exc).__name__) from None
    if answer.status_code == 200:
        users = (answer.json() or {}).get("users") or []
        first = users[0] if users and isinstance(users[0], dict) else {}
        email = str(first.get("primaryEmail") or "")
        return str(first.get("customerId") or "my_customer"), email.partition("@")[2]
    reasons = _reasons(answer)
    if answer.status_code == 403 and reasons & {
        "insufficientPermissions",
        "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
    }:
        raise ConsentProblem(SCOPES_MISSING, extra={"missing": list(scopes())})
    if answer.status_code == 403:
        raise ConsentProblem(PRIVILEGE, f"{answer.status_code} {_message(answer)}")
    if answer.status_code in (400, 404):
        raise ConsentProblem(WRONG_ACCOUNT, f"{answer.status_code} {_message(answer)}")
    raise ConsentProblem(EXCHANGE, f"the Directory answered {answer.status_code}")


def _error(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = answer.json()
    except ValueError:
        return {}
    error = body.get("error") if isinstance(body, dict) else None
    return error if isinstance(error, dict) else {}


def _reasons(answer: httpx.Response) -> set[str]:
    error = _error(answer)
    found = {str(e.get("reason")) for e in error.get("errors") or [] if isinstance(e, dict)}
    if error.get("status"):
        found.add(str(error["status"]))
    return found


def _message(answer: httpx.Response) -> str:
    return str(_error(answer).get("message") or "")[:200]
