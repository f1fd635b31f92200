"""The Clever Data API v3.0/v3.1 on loopback, serving a :class:`District`: ``/districts``,
``/schools``, ``/users`` and ``/events`` with bearer tokens, the list envelope, range-based
paging (``limit``, ``starting_after``, ``ending_before``, ``links[rel=next]``) and rate-limit
headers. Errors answer ``{"message": ...}`` as the spec's BadRequest/NotFound/InternalError
do, and a 429 has an empty body, as Clever documents. v3.1 answers add the student fields
v3.1 defines; v3.0 answers never carry them. The conformance controls (``fail_next``,
``loop_pages``, ``revoke``) break it on purpose.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from hub.testing import BaseSandbox
from plugins.clever.sandbox.district import District, compact

VERSIONS = ("v3.0", "v3.1")
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
RATE_LIMIT = 1200  # requests per minute per token, as Clever documents


class CleverSandbox(District, BaseSandbox):
    """A generated district and the ASGI app serving it (the instance itself is the app)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        users: int = 120,
        schools: int = 4,
        token: str | None = None,
    ) -> None:
        self._rendered: dict[str, str] = {}  # user id -> v3.1 JSON text
        District.__init__(self, seed=seed, users=users, schools=schools)
        BaseSandbox.__init__(self)
        self.token = (
            token or "sandbox-" + hashlib.sha256(f"clever-token:{seed}".encode()).hexdigest()[:32]
        )
        self.requests: list[str] = []  # path?query of every API request, newest last
        self._window = (0, 0)  # (minute, requests) for the rate-limit headers
        self._app = Starlette(routes=[Route("/{version}/{resource}", self._endpoint)])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)

    def warm(self, version: str = "v3.1") -> None:
        """Render every user for ``version`` once, so serving a page is joining text."""
        with self._lock:
            for user_id, text in zip(self._user_ids, self._users, strict=True):
                self._rendered_user(version, user_id, text)

    def _changed(self, user_id: str) -> None:
        self._rendered.pop(user_id, None)

    # -- HTTP -------------------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> Response:
        version = request.path_params["version"]
        resource = request.path_params["resource"]
        query = request.url.query
        with self._lock:
            self.requests.append(f"{request.url.path}?{query}" if query else request.url.path)
            if len(self.requests) > 1000:
                del self.requests[:500]
            fault = self._take_fault()
            if fault is not None:
                return fault
            expected = f"Bearer {self.token}"
            if self.revoked or request.headers.get("authorization") != expected:
                return self._error(401, "Invalid or revoked token")
            if version not in VERSIONS:
                return self._error(404, f"unknown API version {version}")
            try:
                limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
            except ValueError:
                return self._error(400, "limit must be an integer")
            if limit < 1:
                return self._error(400, "limit must be at least 1")
            if limit > MAX_LIMIT:
                return self._error(413, f"limit may be at most {MAX_LIMIT}")
            params = dict(request.query_params)
            self_uri = f"/{version}/{resource}" + (f"?{query}" if query else "")
            if resource == "districts":
                items = [self._envelope(version, "districts", self.district)]
                return self._list(items, self_uri, None)
            if resource == "schools":
                return self._page(
                    version, resource, self.schools, [s["id"] for s in self.schools],
                    params, limit, self_uri,
                    lambda _, s: self._envelope(version, "schools", s),
                )  # fmt: skip
            if resource == "users":
                return self._page(
                    version, resource, self._users, self._user_ids, params, limit, self_uri,
                    lambda i, u: self._rendered_user(version, i, u),
                )  # fmt: skip
            if resource == "events":
                return self._events_page(version, params, limit, self_uri)
            return self._error(404, f"no such resource: {resource}")

    def _events_page(
        self, version: str, params: dict[str, str], limit: int, self_uri: str
    ) -> Response:
        after = params.get("starting_after")
        if after and after not in self._event_ids and after <= self._expired_through:
            return self._error(
                404, f"starting_after: event {after} not found (events are kept for 30 days)"
            )
        events, ids = self._events, self._event_ids
        wanted = {t.strip() for t in params.get("record_type", "").split(",") if t.strip()}
        if wanted:
            pairs = [(e, i) for e, i in zip(events, ids, strict=True) if _record_type(e) in wanted]
            events, ids = [p[0] for p in pairs], [p[1] for p in pairs]
        return self._page(
            version, "events", events, ids, params, limit, self_uri,
            lambda _, e: self._envelope(version, "events", e),
        )  # fmt: skip

    def _page(
        self,
        version: str,
        resource: str,
        items: Sequence[Any],
        ids: list[str],
        params: dict[str, str],
        limit: int,
        self_uri: str,
        render: Callable[[str, Any], str],
    ) -> Response:
        """Range-based paging over objects sorted by id, as Clever pages."""
        after = params.get("starting_after")
        before = params.get("ending_before")
        if before:
            end = len(ids) if before == "last" else bisect.bisect_left(ids, before)
            start = max(0, end - limit)
        else:
            start = bisect.bisect_right(ids, after) if after else 0
            end = min(len(ids), start + limit)
        chunk = items[start:end]
        next_uri = None
        if self.looping:
            next_uri = self_uri
        elif not before and end < len(ids) and chunk:
            keep = {k: v for k, v in params.items() if k not in ("starting_after", "ending_before")}
            keep["starting_after"] = ids[end - 1]
            next_uri = f"/{version}/{resource}?{urlencode(keep)}"
        rendered = [render(i, item) for i, item in zip(ids[start:end], chunk, strict=True)]
        return self._list(rendered, self_uri, next_uri)

    def _list(self, rendered: Iterable[str], self_uri: str, next_uri: str | None) -> Response:
        links = [{"rel": "self", "uri": self_uri}]
        if next_uri:
            links.append({"rel": "next", "uri": next_uri})
        body = '{"data":[' + ",".join(rendered) + '],"links":' + json.dumps(links) + "}"
        return Response(body.encode(), media_type="application/json", headers=self._limits())

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        merged = {**self._limits(), **(headers or {})}
        if status == 429:  # "an empty response with a 429 Too Many Requests status code"
            return Response(b"", status_code=status, headers=merged)
        body = json.dumps({"message": message}).encode()
        return Response(body, status_code=status, media_type="application/json", headers=merged)

    def _limits(self) -> dict[str, str]:
        minute = int(time.time() // 60)
        used = self._window[1] + 1 if self._window[0] == minute else 1
        self._window = (minute, used)
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
            "X-RateLimit-Reset": str((minute + 1) * 60),
        }

    def _take_fault(self) -> Response | None:
        fault = self.faults.take()
        if fault is None:
            return None
        message = "Rate limit exceeded" if fault.status == 429 else "Clever is having a bad day"
        return self._error(fault.status, message, fault.headers)

    # -- rendering --------------------------------------------------------------------------
    def _envelope(self, version: str, resource: str, obj: dict[str, Any]) -> str:
        return compact({"data": obj, "uri": f"/{version}/{resource}/{obj['id']}"})

    def _rendered_user(self, version: str, user_id: str, text: str) -> str:
        if version == "v3.1" and '"student":' in text:
            cached = self._rendered.get(user_id)
            if cached is None:
                cached = self._rendered[user_id] = compact(self._v31_user(json.loads(text)))
            text = cached
        return f'{{"data":{text},"uri":"/{version}/users/{user_id}"}}'

    def _v31_user(self, user: dict[str, Any]) -> dict[str, Any]:
        """A stored (v3.0) user as v3.1 shows it: students gain the fields v3.1 adds."""
        student = (user.get("roles") or {}).get("student")
        if isinstance(student, dict) and isinstance(user.get("id"), str):
            student.update(copy.deepcopy(self.student_v31(user["id"])))
        return user

    def _event_for(self, version: str, event: dict[str, Any]) -> dict[str, Any]:
        """An event as ``version`` shows it: a v3.1 user event's object is a v3.1 user."""
        if version != "v3.1" or _record_type(event) != "users":
            return event
        shown = copy.deepcopy(event)
        self._v31_user(shown["data"]["object"])
        return shown


def _record_type(event: dict[str, Any]) -> str:
    """``users.created`` -> ``users``."""
    return str(event.get("type", "")).split(".", 1)[0]
