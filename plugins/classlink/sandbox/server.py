"""A OneRoster 1.1 server on loopback, standing in for ClassLink Roster Server in ``make demo``
and the tests.

It speaks the real protocol: every request must carry a valid OAuth 1.0a HMAC-SHA256
signature (checked by :mod:`plugins.classlink.sandbox.verify`), collections page with ``limit`` and
``offset`` and report ``X-Total-Count``, ``filter`` and ``sort`` work, and errors come as
imsx status bodies with the codeMinor their HTTP status goes with. The same tenant is served
under the 1.1 root as 1.1 records and under the 1.2 rostering root as 1.2 records
(:mod:`plugins.classlink.sandbox.render`).

Control methods (used by the provider conformance suite and the ClassLink tests):
``fail_next``, ``loop_pages``, ``revoke``, ``omit_total_count``, ``cap_limit``,
``update_user``, ``add_user`` and ``delete_user``; ``requests`` records what arrived and
``people(root)`` is the roster as a root serves it.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from hub.testing import BaseSandbox
from plugins.classlink.sandbox.filtering import FilterError, parse_filter
from plugins.classlink.sandbox.render import ROOTS, org_for, user_for
from plugins.classlink.sandbox.tenant import build_tenant, stamp
from plugins.classlink.sandbox.verify import NonceBook, SignatureRefused, verify_request

DEFAULT_LIMIT = 100
FAULT_MINOR = {
    400: "invalid_selection_field",
    401: "unauthorisedrequest",
    403: "forbidden",
    404: "unknownobject",
    429: "server_busy",
    503: "server_busy",
}
"""The codeMinor an injected fault carries (any other status: internal_server_error)."""

Handler = Callable[[Request], Awaitable[Response]]


def imsx_error(status: int, minor: str, description: str) -> JSONResponse:
    """A OneRoster status-info error body."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    return JSONResponse(body, status_code=status)


class _Refusal(Exception):
    def __init__(self, response: Response) -> None:
        super().__init__()
        self.response = response


@dataclass(frozen=True)
class Received:
    """One request as the sandbox saw it (for tests)."""

    path: str
    params: dict[str, str]
    authorized: bool


def _role_names(user: dict[str, Any]) -> set[str]:
    names = {str(user["role"])} if isinstance(user.get("role"), str) else set()
    names.update(str(r.get("role")) for r in user.get("roles") or [] if isinstance(r, dict))
    return names


def _org_ids(user: dict[str, Any]) -> set[str]:
    ids = {str(o.get("sourcedId")) for o in user.get("orgs") or []}
    ids.update(str((r.get("org") or {}).get("sourcedId")) for r in user.get("roles") or [])
    return ids


class OneRosterSandbox(BaseSandbox):
    """The ASGI app and its control surface. ``fail_next`` answers before any other check;
    after ``loop_pages`` ``offset`` is ignored, so every "next page" is the first page again."""

    def __init__(self, *, seed: int = 0, people: int = 40) -> None:
        super().__init__()
        tenant = build_tenant(seed=seed, people=people)
        self.orgs: list[dict[str, Any]] = tenant.orgs
        self.users: list[dict[str, Any]] = tenant.users
        digest = hashlib.sha256(f"rosterhub-classlink-sandbox-{seed}".encode()).hexdigest()
        self.client_id = digest[:32]
        self.client_secret = digest[32:]
        self.tenant_id = str(1000 + seed)
        self.tenant_name = "Cedar Valley Unified (sandbox)"
        self.requests: list[Received] = []
        self._lock = threading.RLock()
        self._nonces = NonceBook()
        self._with_total = True
        self._limit_cap: int | None = None
        routes = [
            Route("/users", self._guard(self._users)),
            Route("/users/{sid}", self._guard(self._user)),
            Route("/students", self._guard(self._students)),
            Route("/teachers", self._guard(self._teachers)),
            Route("/orgs", self._guard(self._all_orgs)),
            Route("/orgs/{sid}", self._guard(self._org)),
            Route("/schools", self._guard(self._schools)),
            Route("/schools/{sid}", self._guard(self._school)),
            Route("/schools/{sid}/students", self._guard(self._school_students)),
            Route("/schools/{sid}/teachers", self._guard(self._school_teachers)),
        ]
        self.app = Starlette(routes=[Mount(root, routes=routes) for root in ROOTS])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    # -- connecting an integration -------------------------------------------------------
    def settings_for(self, base_url: str) -> dict[str, str]:
        return {
            "base_url": f"{base_url.rstrip('/')}{ROOTS[0]}",
            "client_id": self.client_id,
            "tenant_id": self.tenant_id,
            "tenant_name": self.tenant_name,
            "orgs": "",
            "page_size": "1000",
            "incremental": "false",
        }

    def secrets(self) -> dict[str, str]:
        return {"client_secret": self.client_secret}

    # -- controls ----------------------------------------------------------------------------
    def omit_total_count(self) -> None:
        """Stop sending ``X-Total-Count`` (some servers do not)."""
        self._with_total = False

    def cap_limit(self, largest: int | None) -> None:
        """Serve at most ``largest`` objects per page whatever ``limit`` asks for."""
        self._limit_cap = largest

    def user(self, sourced_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._find(sourced_id))

    def update_user(
        self, sourced_id: str, *, modified: datetime | None = None, **fields: Any
    ) -> None:
        """Change a user as the SIS would: ``dateLastModified`` becomes now (or ``modified``)."""
        with self._lock:
            user = self._find(sourced_id)
            user.update(fields)
            user["dateLastModified"] = stamp(modified or datetime.now(UTC))

    def delete_user(self, sourced_id: str, *, modified: datetime | None = None) -> None:
        """OneRoster deletes by marking ``tobedeleted``."""
        self.update_user(sourced_id, status="tobedeleted", modified=modified)

    def add_user(self, user: dict[str, Any], *, modified: datetime | None = None) -> None:
        with self._lock:
            record = copy.deepcopy(user)
            record["dateLastModified"] = stamp(modified or datetime.now(UTC))
            self.users.append(record)

    def _find(self, sourced_id: str) -> dict[str, Any]:
        for user in self.users:
            if user["sourcedId"] == sourced_id:
                return user
        raise KeyError(sourced_id)

    # -- request handling ------------------------------------------------------------------
    def _secret_for(self, key: str) -> str | None:
        if self.revoked or not _same(key, self.client_id):
            return None
        return self.client_secret

    def _guard(self, handler: Callable[[Request], Response]) -> Handler:
        async def endpoint(request: Request) -> Response:
            params = dict(request.query_params)
            failure = self.faults.take()
            if failure is not None:
                self.requests.append(Received(request.url.path, params, False))
                minor = FAULT_MINOR.get(failure.status, "internal_server_error")
                response = imsx_error(failure.status, minor, f"simulated {failure.status}")
                response.headers.update(failure.headers)
                return response
            try:
                verify_request(
                    method=request.method,
                    url=_request_url(request),
                    query=request.scope.get("query_string", b"").decode("latin-1"),
                    authorization=request.headers.get("authorization"),
                    secret_for=self._secret_for,
                    nonces=self._nonces,
                )
            except SignatureRefused as exc:
                self.requests.append(Received(request.url.path, params, False))
                response = imsx_error(401, "unauthorisedrequest", f"Unauthorized: {exc}")
                response.headers["WWW-Authenticate"] = 'OAuth realm="oneroster"'
                return response
            self.requests.append(Received(request.url.path, params, True))
            try:
                with self._lock:
                    return handler(request)
            except _Refusal as refusal:
                return refusal.response

        return endpoint

    def _page(self, request: Request, key: str, items: list[dict[str, Any]]) -> Response:
        query = request.query_params
        try:
            limit = int(query.get("limit", DEFAULT_LIMIT))
            offset = int(query.get("offset", 0))
        except ValueError:
            raise _Refusal(
                imsx_error(400, "invalid_selection_field", "limit and offset must be integers")
            ) from None
        if limit < 1 or offset < 0:
            raise _Refusal(
                imsx_error(400, "invalid_selection_field", "limit must be >= 1 and offset >= 0")
            )
        if "filter" in query:
            try:
                test = parse_filter(query["filter"])
            except FilterError as exc:
                raise _Refusal(imsx_error(400, "invalid_filter_field", str(exc))) from None
            items = [item for item in items if test(item)]
        if "sort" in query:
            field = query["sort"]
            reverse = query.get("orderBy", "asc").lower() == "desc"
            items = sorted(items, key=lambda item: str(item.get(field, "")), reverse=reverse)
        if self._limit_cap is not None:
            limit = min(limit, self._limit_cap)
        if self.looping:
            offset = 0
        page = items[offset : offset + limit]
        headers = {"X-Total-Count": str(len(items))} if self._with_total else {}
        return JSONResponse({key: copy.deepcopy(page)}, headers=headers)

    def _one(self, key: str, items: list[dict[str, Any]], sid: str) -> Response:
        for item in items:
            if item["sourcedId"] == sid:
                return JSONResponse({key: copy.deepcopy(item)})
        raise _Refusal(imsx_error(404, "unknownobject", f"no {key} with sourcedId {sid}"))

    def _school_or_404(self, sid: str) -> None:
        if not any(o["sourcedId"] == sid and o["type"] == "school" for o in self.orgs):
            raise _Refusal(imsx_error(404, "unknownobject", f"no school with sourcedId {sid}"))

    # -- what each root serves -------------------------------------------------------------
    def people(self, root: str = ROOTS[0], base: str | None = None) -> list[dict[str, Any]]:
        """Every person as ``root`` serves them (``base``: the absolute root URL for hrefs).
        Under the 1.1 root that leaves out people only 1.2 can describe (a counselor)."""
        with self._lock:
            types = {str(o["sourcedId"]): str(o["type"]) for o in self.orgs}
            shown = (user_for(user, root, base or root, types) for user in self.users)
            return [copy.deepcopy(user) for user in shown if user is not None]

    def _people(self, request: Request) -> list[dict[str, Any]]:
        root, base = _root_and_base(request)
        return self.people(root, base)

    def _orgs_shown(self, request: Request, kind: str | None = None) -> list[dict[str, Any]]:
        _, base = _root_and_base(request)
        return [org_for(o, base) for o in self.orgs if kind is None or o["type"] == kind]

    def _with_role(
        self, request: Request, role: str, school: str | None = None
    ) -> list[dict[str, Any]]:
        return [
            u
            for u in self._people(request)
            if role in _role_names(u) and (school is None or school in _org_ids(u))
        ]

    def _users(self, request: Request) -> Response:
        return self._page(request, "users", self._people(request))

    def _user(self, request: Request) -> Response:
        return self._one("user", self._people(request), request.path_params["sid"])

    def _students(self, request: Request) -> Response:
        return self._page(request, "users", self._with_role(request, "student"))

    def _teachers(self, request: Request) -> Response:
        return self._page(request, "users", self._with_role(request, "teacher"))

    def _all_orgs(self, request: Request) -> Response:
        return self._page(request, "orgs", self._orgs_shown(request))

    def _org(self, request: Request) -> Response:
        return self._one("org", self._orgs_shown(request), request.path_params["sid"])

    def _schools(self, request: Request) -> Response:
        return self._page(request, "orgs", self._orgs_shown(request, "school"))

    def _school(self, request: Request) -> Response:
        return self._one("org", self._orgs_shown(request, "school"), request.path_params["sid"])

    def _school_students(self, request: Request) -> Response:
        sid = request.path_params["sid"]
        self._school_or_404(sid)
        return self._page(request, "users", self._with_role(request, "student", sid))

    def _school_teachers(self, request: Request) -> Response:
        sid = request.path_params["sid"]
        self._school_or_404(sid)
        return self._page(request, "users", self._with_role(request, "teacher", sid))


def _root_and_base(request: Request) -> tuple[str, str]:
    """Which root the request came to, and that root's absolute URL (GUIDRef hrefs)."""
    path = request.url.path
    root = next((r for r in ROOTS if path.startswith(r + "/")), ROOTS[0])
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return root, f"{request.url.scheme}://{host}{root}"


def _request_url(request: Request) -> str:
    """scheme://host/raw-path as the client addressed it (the base string URI input)."""
    raw_path = request.scope.get("raw_path") or request.scope["path"].encode()
    if isinstance(raw_path, bytes):
        raw_path = raw_path.decode("latin-1")
    raw_path = raw_path.split("?", 1)[0]
    host = request.headers.get("host") or f"{request.url.hostname}:{request.url.port}"
    return f"{request.url.scheme}://{host}{raw_path}"


def _same(left: str, right: str) -> bool:
    return hmac.compare_digest(left.encode(), right.encode())
