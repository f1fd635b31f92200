"""The sandbox's Directory API v1: the paths the client uses (users, org units, groups and
their members, the customer), Google's error bodies, page tokens and partial responses
(``fields``, :mod:`.fields`), and the gate every request passes (injected faults, then
authentication, then authorisation)."""

from __future__ import annotations

import base64
import json
import threading
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.testing import FaultInjector
from plugins.gsuite.auth import SCOPE_ROOT, SCOPES
from plugins.gsuite.sandbox.domain import Domain, Group
from plugins.gsuite.sandbox.fields import FieldsError, parse_fields, trim
from plugins.gsuite.sandbox.oauth import Grant, b64decode

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


def _page_token(kind: str, offset: int) -> str:
    """An opaque page token, as Google's are: which list, and where in it."""
    raw = json.dumps({"k": kind, "o": offset}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class DirectoryApi:
    """The Directory API routes of :class:`plugins.gsuite.sandbox.GoogleSandbox` (a mixin: the
    sandbox holds the state declared here)."""

    domain: Domain
    faults: FaultInjector
    looping: bool
    revoked: bool
    requests: list[tuple[str, dict[str, str]]]
    _forbidden: bool
    _grants: dict[str, Grant]
    _lock: threading.Lock

    def _gate(self, request: Request, resource: str) -> Response | None:
        """Injected failures, then authentication, then authorisation."""
        with self._lock:
            self.requests.append((request.url.path, dict(request.query_params)))
            failure = self.faults.take()
        if failure is not None:
            reason = failure.reason or DEFAULT_REASON.get(failure.status, "backendError")
            message = QUOTA_MESSAGES.get(reason) or DEFAULT_MESSAGE.get(failure.status, "Error")
            return google_error(failure.status, message, reason, failure.headers)
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        grant = self._grants.get(token) if scheme.lower() == "bearer" else None
        if grant is None or self.revoked:
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
        if grant.personal:  # a personal account has no Workspace customer to read
            return google_error(400, "Bad Request", "badRequest")
        try:
            admin = self.domain.user(grant.subject).is_admin
        except KeyError:
            admin = False
        if self._forbidden or not admin:
            return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        return None

    def _answer(self, request: Request, body: dict[str, Any]) -> Response:
        """A successful answer, trimmed to the ``fields`` the request names (if any)."""
        wanted = request.query_params.get("fields")
        if wanted is None:
            return JSONResponse(body)
        try:
            mask = parse_fields(wanted)
        except FieldsError:
            return google_error(400, f"Invalid field selection {wanted[:80]}", "invalidParameter")
        return JSONResponse(trim(body, mask))

    def _known_customer(self, value: str | None) -> bool:
        return value in ("my_customer", self.domain.customer_id)

    def _scope_refused(self, request: Request) -> Response | None:
        """A list names the ``domain`` it reads (ours, else 403) or the ``customer`` (ours or
        ``my_customer``, else 400)."""
        params = request.query_params
        if params.get("domain"):
            if params["domain"].lower() != self.domain.name:
                return google_error(403, "Not Authorized to access this resource/api", "forbidden")
        elif not self._known_customer(params.get("customer")):
            return google_error(400, "Bad Request", "badRequest")
        return None

    def _listed(
        self, request: Request, key: str, items: list[dict[str, Any]], *, default: int, maximum: int
    ) -> Response:
        """One page of ``items`` as a Directory API list answer (or why the paging is refused)."""
        paged = self._page(request, key, items, default=default, maximum=maximum)
        if isinstance(paged, Response):
            return paged
        return self._answer(request, _listing(key, *paged))

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
                data = json.loads(b64decode(token))
                offset = int(data["o"]) if data.get("k") == kind else -1
            except (ValueError, KeyError, TypeError):
                offset = -1
            if offset < 0:
                return google_error(400, "Invalid page token", "invalid")
        page = items[offset : offset + size]
        if offset + size >= len(items):
            return page, None
        return page, _page_token(kind, offset if self.looping else offset + size)

    async def _users(self, request: Request) -> Response:
        refused = self._gate(request, "users") or self._scope_refused(request)
        if refused is not None:
            return refused
        params = request.query_params
        users = list(self.domain.users.values())
        order = params.get("orderBy")
        if order == "email":
            users.sort(key=lambda u: u.email)
        elif order in ("givenName", "familyName"):
            users.sort(
                key=lambda u: (u.given_name if order == "givenName" else u.family_name, u.id)
            )
        items = [u.resource(self.domain.customer_id) for u in users]
        return self._listed(request, "users", items, default=100, maximum=500)

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
        return self._answer(request, body)

    async def _groups(self, request: Request) -> Response:
        refused = self._gate(request, "groups") or self._scope_refused(request)
        if refused is not None:
            return refused
        groups = sorted(self.domain.groups.values(), key=lambda g: g.email)
        items = [g.resource() for g in groups]
        return self._listed(request, "groups", items, default=200, maximum=200)

    async def _members(self, request: Request) -> Response:
        refused = self._gate(request, "members")
        if refused is not None:
            return refused
        group: Group | None = self.domain.group(request.path_params["group"])
        if group is None:
            return google_error(404, "Resource Not Found: groupKey", "notFound")
        derived = request.query_params.get("includeDerivedMembership", "").lower() == "true"
        members = self.domain.derived_members(group) if derived else list(group.members)
        items = [m.resource() for m in members]
        return self._listed(request, "members", items, default=200, maximum=200)

    async def _customer(self, request: Request) -> Response:
        refused = self._gate(request, "customers")
        if refused is not None:
            return refused
        if not self._known_customer(request.path_params["customer"]):
            return google_error(404, "Resource Not Found: customerKey", "notFound")
        return self._answer(
            request,
            {
                "kind": "admin#directory#customer",
                "id": self.domain.customer_id,
                "etag": '"customer"',
                "customerDomain": self.domain.name,
                "alternateEmail": f"it@{self.domain.name}",
                "language": "en",
                "postalAddress": {"countryCode": "US"},
            },
        )


def _listing(key: str, page: list[Any], next_token: str | None) -> dict[str, Any]:
    """A Directory API list answer: ``kind``, the page under ``key`` (omitted when empty, as
    Google does) and ``nextPageToken`` while more pages follow."""
    body: dict[str, Any] = {"kind": f"admin#directory#{key}", "etag": f'"{key}"'}
    if page:
        body[key] = page
    if next_token:
        body["nextPageToken"] = next_token
    return body
