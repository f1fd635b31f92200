"""A loopback Google Workspace: the Directory API v1 paths the client uses, Google's error
bodies, page tokens, and a small OAuth token endpoint for service accounts (JWT-bearer grant,
signature checked against the sandbox's own key) and authorized-user refresh tokens.

The control methods (:meth:`GoogleSandbox.fail_next`, :meth:`loop_pages`, :meth:`revoke`,
:meth:`forbid`, :meth:`deny_delegation`) let tests and demos make it misbehave the way the real
service does; :attr:`GoogleSandbox.domain` is the directory, changeable between runs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from plugins.gsuite.auth import SCOPE_ROOT, SCOPES
from plugins.gsuite.domain import Domain, Group

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
STATUS_TEXT = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}
DEFAULT_REASON = {
    400: "invalid",
    401: "authError",
    403: "forbidden",
    404: "notFound",
    429: "rateLimitExceeded",
    500: "backendError",
    503: "backendError",
}
DEFAULT_MESSAGE = {
    403: "Not Authorized to access this resource/api",
    429: "Rate Limit Exceeded",
    500: "Backend Error",
    503: "The service is currently unavailable.",
}
QUOTA_MESSAGES = {
    "quotaExceeded": "Quota exceeded for quota metric 'Queries' and limit 'Queries per minute'",
    "rateLimitExceeded": "Rate Limit Exceeded",
    "userRateLimitExceeded": "User Rate Limit Exceeded",
}
READ = {
    "users": (f"{SCOPE_ROOT}admin.directory.user.readonly", f"{SCOPE_ROOT}admin.directory.user"),
    "orgunits": (
        f"{SCOPE_ROOT}admin.directory.orgunit.readonly",
        f"{SCOPE_ROOT}admin.directory.orgunit",
    ),
    "groups": (f"{SCOPE_ROOT}admin.directory.group.readonly", f"{SCOPE_ROOT}admin.directory.group"),
    "members": (
        f"{SCOPE_ROOT}admin.directory.group.member.readonly",
        f"{SCOPE_ROOT}admin.directory.group.member",
        f"{SCOPE_ROOT}admin.directory.group.readonly",
        f"{SCOPE_ROOT}admin.directory.group",
    ),
    "customers": (
        f"{SCOPE_ROOT}admin.directory.customer.readonly",
        f"{SCOPE_ROOT}admin.directory.customer",
    ),
}
ALL_SCOPES = frozenset({*SCOPES, *READ["customers"][:1]})
TOKEN_AUDIENCES = (
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
)
SA_EMAIL = "rosterhub-sync@rosterhub-sandbox.iam.gserviceaccount.com"


@cache
def sandbox_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: generating it takes a moment and it only signs test JWTs."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def google_error(
    status: int, message: str, reason: str, headers: dict[str, str] | None = None
) -> Response:
    """An error in Google's JSON error format."""
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"message": message, "domain": "global", "reason": reason}],
            "status": STATUS_TEXT.get(status, "UNKNOWN"),
        }
    }
    return JSONResponse(body, status_code=status, headers=headers)


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _page_token(kind: str, offset: int) -> str:
    raw = json.dumps({"k": kind, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@dataclass
class Grant:
    """Who an access token speaks for and what it may read."""

    subject: str
    scopes: frozenset[str]


@dataclass
class Failure:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    reason: str | None = None


class GoogleSandbox:
    """The sandbox: an ASGI app (:attr:`app`) plus the controls tests use."""

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self.domain = Domain(seed=seed)
        digest = hashlib.sha256(f"gsuite-sandbox-{seed}".encode()).hexdigest()
        self.token = f"ya29.sandbox-{digest[:32]}"
        self.client_id = str(int(digest[:15], 16))
        self.oauth_client_id = f"{digest[15:27]}.apps.googleusercontent.com"
        self.oauth_client_secret = f"GOCSPX-{digest[27:51]}"
        self.refresh_token = f"1//sandbox-{digest[51:]}"
        self.delegated_scopes: set[str] = set(SCOPES)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._grants: dict[str, Grant] = {
            self.token: Grant(subject=self.domain.admin.email, scopes=ALL_SCOPES)
        }
        self._failures: list[Failure] = []
        self._loop = False
        self._revoked = False
        self._forbidden = False
        self._lock = threading.Lock()
        self.app = Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route("/admin/directory/v1/users", self._users),
                Route("/admin/directory/v1/customer/{customer}/orgunits", self._orgunits),
                Route("/admin/directory/v1/groups", self._groups),
                Route("/admin/directory/v1/groups/{group}/members", self._members),
                Route("/admin/directory/v1/customers/{customer}", self._customer),
            ]
        )
        self.app.state.sandbox = self

    # -- controls ---------------------------------------------------------------------------
    def fail_next(
        self,
        status: int,
        times: int = 1,
        headers: dict[str, str] | None = None,
        *,
        reason: str | None = None,
    ) -> None:
        """The next ``times`` Directory API requests answer ``status`` (``reason`` e.g.
        ``quotaExceeded`` for a quota 403)."""
        with self._lock:
            self._failures.extend(
                Failure(status, dict(headers or {}), reason) for _ in range(times)
            )

    def loop_pages(self) -> None:
        """From now on every next-page token points back at the page just served."""
        self._loop = True

    def revoke(self) -> None:
        """Every token is refused (401) and the token endpoint issues no more."""
        self._revoked = True

    def forbid(self) -> None:
        """Tokens stay valid but the Directory refuses them (the admin lost its privileges)."""
        self._forbidden = True

    def deny_delegation(self) -> None:
        """The service account's client id loses its domain-wide delegation."""
        self.delegated_scopes = set()

    def issued(self) -> list[Grant]:
        """Access tokens the token endpoint has issued, oldest first (who, which scopes)."""
        with self._lock:
            return [grant for token, grant in self._grants.items() if token != self.token]

    def settings(self, base_url: str) -> dict[str, str]:
        """Integration settings that reach this sandbox (roles by OU and nested group)."""
        return {
            "api_endpoint": base_url.rstrip("/") + "/",
            "student_ous": "/Students",
            "teacher_ous": "/Staff",
            "admin_ous": "/Staff/Administration",
            "teacher_groups": f"teachers@{self.domain.name}",
            "admin_groups": f"it-admins@{self.domain.name}",
        }

    def service_account_info(self, base_url: str) -> dict[str, str]:
        """A service-account key file whose token_uri is this sandbox."""
        pem = sandbox_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": "rosterhub-sandbox",
            "private_key_id": hashlib.sha256(pem).hexdigest()[:40],
            "private_key": pem.decode(),
            "client_email": SA_EMAIL,
            "client_id": self.client_id,
            "auth_uri": f"{base_url.rstrip('/')}/auth",
            "token_uri": f"{base_url.rstrip('/')}/token",
            "universe_domain": "googleapis.com",
        }

    def authorized_user_info(self, base_url: str) -> dict[str, str]:
        """An authorized-user file (an admin's refresh token) for this sandbox."""
        return {
            "type": "authorized_user",
            "client_id": self.oauth_client_id,
            "client_secret": self.oauth_client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": f"{base_url.rstrip('/')}/token",
        }

    # -- token endpoint ---------------------------------------------------------------------
    async def _token(self, request: Request) -> Response:
        form = await request.form()
        grant_type = str(form.get("grant_type", ""))
        if grant_type == JWT_BEARER:
            return self._jwt_grant(str(form.get("assertion", "")), str(request.url))
        if grant_type == "refresh_token":
            return self._refresh_grant({k: str(v) for k, v in form.items()})
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type[:40])

    def _jwt_grant(self, assertion: str, token_url: str) -> Response:
        try:
            head_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(_b64decode(head_b64))
            claims = json.loads(_b64decode(claims_b64))
            signature = _b64decode(signature_b64)
        except ValueError:
            return _oauth_error(
                400, "invalid_grant", "Invalid JWT: Token must be a short-lived token"
            )
        if header.get("alg") != "RS256":
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            sandbox_key().public_key().verify(
                signature,
                f"{head_b64}.{claims_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("iss") != SA_EMAIL:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if self._revoked:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        now = time.time()
        # google-auth addresses the assertion to Google's token URL whatever token_uri says.
        if claims.get("aud") not in (*TOKEN_AUDIENCES, token_url.split("?")[0]):
            return _oauth_error(400, "invalid_grant", "Invalid JWT: audience is not the token URL")
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
            return _oauth_error(
                400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes)"
            )
        scopes = frozenset(str(claims.get("scope", "")).split())
        subject = claims.get("sub")
        if subject:
            try:
                self.domain.user(str(subject))
            except KeyError:
                return _oauth_error(400, "invalid_grant", "Invalid email or User ID")
            if not scopes or not scopes <= self.delegated_scopes:
                return _oauth_error(
                    401,
                    "unauthorized_client",
                    "Client is unauthorized to retrieve access tokens using this method, or "
                    "client not authorized for any of the scopes requested.",
                )
        return self._issue(Grant(subject=str(subject or SA_EMAIL), scopes=scopes))

    def _refresh_grant(self, form: dict[str, str]) -> Response:
        if (
            form.get("client_id") != self.oauth_client_id
            or form.get("client_secret") != self.oauth_client_secret
        ):
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if form.get("refresh_token") != self.refresh_token or self._revoked:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        granted = frozenset(SCOPES)
        wanted = frozenset(form.get("scope", "").split()) or granted
        if not wanted <= granted:
            return _oauth_error(400, "invalid_scope", "Bad Request")
        return self._issue(Grant(subject=self.domain.admin.email, scopes=wanted))

    def _issue(self, grant: Grant) -> Response:
        token = "ya29." + secrets.token_urlsafe(24)
        with self._lock:
            self._grants[token] = grant
        body = {
            "access_token": token,
            "expires_in": 3599,
            "scope": " ".join(sorted(grant.scopes)),
            "token_type": "Bearer",
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})

    # -- Directory API ----------------------------------------------------------------------
    def _gate(self, request: Request, resource: str) -> Response | None:
        """Injected failures, then authentication, then authorisation."""
        with self._lock:
            self.requests.append((request.url.path, dict(request.query_params)))
            failure = self._failures.pop(0) if self._failures else None
        if failure is not None:
            reason = failure.reason or DEFAULT_REASON.get(failure.status, "backendError")
            message = QUOTA_MESSAGES.get(reason) or DEFAULT_MESSAGE.get(failure.status, "Error")
            return google_error(failure.status, message, reason, failure.headers)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        grant = self._grants.get(token) if scheme.lower() == "bearer" else None
        if grant is None or self._revoked:
            return google_error(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
                "authError",
                {
                    "WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'
                },
            )
        if not grant.scopes & set(READ[resource]):
            return google_error(
                403, "Request had insufficient authentication scopes.", "insufficientPermissions"
            )
        try:
            admin = self.domain.user(grant.subject).is_admin
        except KeyError:
            admin = False
        if self._forbidden or not admin:
            return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        return None

    def _known_customer(self, value: str | None) -> bool:
        return value in ("my_customer", self.domain.customer_id)

    def _page(
        self,
        request: Request,
        kind: str,
        items: list[dict[str, Any]],
        *,
        default: int,
        maximum: int,
    ) -> tuple[list[dict[str, Any]], str | None] | Response:
        raw = request.query_params.get("maxResults")
        try:
            size = int(raw) if raw else default
        except ValueError:
            return google_error(
                400, f"Invalid value '{(raw or '')[:20]}'. Values must be integers.", "invalid"
            )
        if not 1 <= size <= maximum:
            return google_error(
                400,
                f"Invalid value '{size}'. Values must be within the range: [1, {maximum}]",
                "invalid",
            )
        offset = 0
        token = request.query_params.get("pageToken")
        if token:
            try:
                data = json.loads(_b64decode(token))
                offset = int(data["o"]) if data.get("k") == kind else -1
            except (ValueError, KeyError, TypeError):
                offset = -1
            if offset < 0:
                return google_error(400, "Invalid page token", "invalid")
        page = items[offset : offset + size]
        if offset + size >= len(items):
            return page, None
        return page, _page_token(kind, offset if self._loop else offset + size)

    async def _users(self, request: Request) -> Response:
        refused = self._gate(request, "users")
        if refused is not None:
            return refused
        params = request.query_params
        if params.get("domain"):
            if params["domain"].lower() != self.domain.name:
                return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        elif not self._known_customer(params.get("customer")):
            return google_error(400, "Bad Request", "badRequest")
        users = list(self.domain.users.values())
        order = params.get("orderBy")
        if order == "email":
            users.sort(key=lambda u: u.email)
        elif order in ("givenName", "familyName"):
            users.sort(
                key=lambda u: (u.given_name if order == "givenName" else u.family_name, u.id)
            )
        items = [u.resource(self.domain.customer_id) for u in users]
        paged = self._page(request, "users", items, default=100, maximum=500)
        if isinstance(paged, Response):
            return paged
        return _listing("users", *paged)

    async def _orgunits(self, request: Request) -> Response:
        refused = self._gate(request, "orgunits")
        if refused is not None:
            return refused
        if not self._known_customer(request.path_params["customer"]):
            return google_error(400, "Bad Request", "badRequest")
        params = request.query_params
        parent = params.get("orgUnitPath", "/") or "/"
        parent = "/" + parent.strip("/") if parent != "/" else "/"
        if parent != "/" and parent not in self.domain.orgunits:
            return google_error(404, "Org unit not found", "notFound")
        kind = params.get("type", "children")
        prefix = "/" if parent == "/" else parent + "/"
        units = []
        for unit in self.domain.orgunits.values():
            below = unit.path.startswith(prefix) and unit.path != parent
            if kind == "children" and below and unit.parent != parent:
                below = False
            if below or (kind == "allIncludingParent" and unit.path == parent):
                units.append(unit)
        ids = {path: unit.id for path, unit in self.domain.orgunits.items()}
        body: dict[str, Any] = {"kind": "admin#directory#orgUnits", "etag": '"orgunits"'}
        if units:
            body["organizationUnits"] = [unit.resource(ids) for unit in units]
        return JSONResponse(body)

    async def _groups(self, request: Request) -> Response:
        refused = self._gate(request, "groups")
        if refused is not None:
            return refused
        params = request.query_params
        if params.get("domain"):
            if params["domain"].lower() != self.domain.name:
                return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        elif not self._known_customer(params.get("customer")):
            return google_error(400, "Bad Request", "badRequest")
        groups = sorted(self.domain.groups.values(), key=lambda g: g.email)
        paged = self._page(
            request, "groups", [g.resource() for g in groups], default=200, maximum=200
        )
        if isinstance(paged, Response):
            return paged
        return _listing("groups", *paged)

    async def _members(self, request: Request) -> Response:
        refused = self._gate(request, "members")
        if refused is not None:
            return refused
        group: Group | None = self.domain.group(request.path_params["group"])
        if group is None:
            return google_error(404, "Resource Not Found: groupKey", "notFound")
        derived = request.query_params.get("includeDerivedMembership", "").lower() == "true"
        members = self.domain.derived_members(group) if derived else list(group.members)
        paged = self._page(
            request, "members", [m.resource() for m in members], default=200, maximum=200
        )
        if isinstance(paged, Response):
            return paged
        return _listing("members", *paged)

    async def _customer(self, request: Request) -> Response:
        refused = self._gate(request, "customers")
        if refused is not None:
            return refused
        if not self._known_customer(request.path_params["customer"]):
            return google_error(404, "Resource Not Found: customerKey", "notFound")
        return JSONResponse(
            {
                "kind": "admin#directory#customer",
                "id": self.domain.customer_id,
                "etag": '"customer"',
                "customerDomain": self.domain.name,
                "alternateEmail": f"it@{self.domain.name}",
                "language": "en",
                "postalAddress": {"countryCode": "US"},
            }
        )


def _oauth_error(status: int, error: str, description: str) -> Response:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _listing(key: str, page: list[Any], next_token: str | None) -> JSONResponse:
    """A Directory API list answer: ``kind``, the page under ``key`` (omitted when empty, as
    Google does) and ``nextPageToken`` while more pages follow."""
    body: dict[str, Any] = {"kind": f"admin#directory#{key}", "etag": f'"{key}"'}
    if page:
        body[key] = page
    if next_token:
        body["nextPageToken"] = next_token
    return JSONResponse(body)
