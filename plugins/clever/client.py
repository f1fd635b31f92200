"""The HTTP side of the Clever Data API v3.x: bearer auth, the list envelope, and paging by
following ``links[rel=next]`` until there is none."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx

from hub.errors import CursorExpired, ProviderError
from hub.http import HttpClient, Pages
from hub.memory import collector_paused
from hub.scrub import Scrubber
from plugins.clever.mapping import unwrap

T = TypeVar("T")

AUTH_HINT = (
    "the district token was revoked or is not a district-app token; "
    "reconnect the district in Clever (setting: token)"
)


class CleverClient(HttpClient):
    """One integration's session with Clever. Every list endpoint answers
    ``{"data": [{"data": {...}, "uri": ...}], "links": [{"rel": "next", "uri": ...}]}``."""

    provider = "Clever"

    def __init__(
        self,
        base_url: str,
        *,
        token: str,
        api_version: str,
        page_size: int,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            base_url,
            headers={"Authorization": f"Bearer {token}"},
            transport=transport,
            timeout=120.0,
            scrubber=Scrubber([token]),
        )
        self.api_version = api_version
        self.page_size = page_size

    def describe(self, response: httpx.Response) -> str:
        """Fatal answers in words a district IT person can act on. An events request whose
        ``starting_after`` Clever no longer knows raises :class:`CursorExpired` instead, so
        the engine falls back to a full run."""
        status = response.status_code
        path = response.request.url.path
        if status in (401, 403):
            return f"Clever refused the request ({status}): {AUTH_HINT}"
        if path.endswith("/events") and response.request.url.params.get("starting_after"):
            if status in (404, 410) or (status == 400 and "starting_after" in response.text):
                msg = (
                    "Clever no longer has the events after the stored cursor "
                    "(events are kept for 30 days); a full sync is needed"
                )
                raise CursorExpired(msg)
        if status == 404 and path.endswith("/events"):
            return (
                "Clever has no events for this district (404); enable events for the "
                "application in the Clever dashboard or set incremental=false"
            )
        if status == 413:
            return (
                f"Clever refused the page size for {path} (413); lower page_size to 10000 or less"
            )
        return super().describe(response)

    def path(self, resource: str) -> str:
        return f"/{self.api_version}/{resource}"

    def get(self, resource: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        payload = self.get_json(self.path(resource), params)
        if not isinstance(payload, dict) or not isinstance(payload.get("data"), list | dict):
            msg = f"Clever answered {self.path(resource)} without a data list"
            raise ProviderError(msg)
        return payload

    def pages(
        self,
        resource: str,
        params: dict[str, Any] | None = None,
        *,
        convert: Callable[[dict[str, Any]], T | None] | None = None,
    ) -> Pages:
        """The pages of a list endpoint, fetched one at a time as they are iterated. A page is
        the list of objects (envelopes removed), or of ``convert(object)`` results that are
        not None: converting as each page arrives means the raw JSON of a page is gone
        before the next one is read."""
        query = {"limit": self.page_size, **(params or {})}
        # What the next links must keep asking for, should Clever leave it out of them.
        sticky = {k: str(v) for k, v in query.items() if k not in _POSITION_PARAMS}

        def fetch(position: str) -> tuple[list[Any], str | None]:
            response = self.request("GET", position)
            # A page of 10,000 users is some 100,000 fresh containers: with the cyclic
            # collector running they would set off collections that walk every object the
            # process holds, for nothing (JSON has no cycles, and the raw page is dropped
            # as soon as it is converted).
            with collector_paused():
                payload = _decode(response)
                items = payload["data"]
                if convert is None:
                    page: list[Any] = [unwrap(item) for item in items]
                else:
                    converted = (convert(unwrap(item)) for item in items)
                    page = [c for c in converted if c is not None]
                following = self._next(payload, sticky)
                del payload, items
            return page, following

        start = _position(self.path(resource), {k: str(v) for k, v in query.items()})
        return Pages(fetch, start, what=resource, provider=self.provider)

    def iter_objects(
        self,
        resource: str,
        params: dict[str, Any] | None = None,
        *,
        convert: Callable[[dict[str, Any]], T | None] | None = None,
    ) -> Iterator[Any]:
        """Every object (or converted object) of a list endpoint, one page in memory at a time."""
        for page in self.pages(resource, params, convert=convert):
            yield from page

    @staticmethod
    def _next(payload: dict[str, Any], sticky: dict[str, str]) -> str | None:
        for link in payload.get("links") or ():
            if isinstance(link, dict) and link.get("rel") == "next" and link.get("uri"):
                return _position(str(link["uri"]), sticky)
        return None


def _decode(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = json.loads(response.content)
    except ValueError:
        msg = f"Clever answered {response.request.url.path} with something that is not JSON"
        raise ProviderError(msg) from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
        msg = f"Clever answered {response.request.url.path} without a data list"
        raise ProviderError(msg)
    return payload


_POSITION_PARAMS = frozenset({"starting_after", "ending_before"})


def _position(link: str, defaults: dict[str, str]) -> str:
    """A page position as a canonical relative URI (path and sorted query), so a link that
    points back at a page already read is recognised whatever its parameter order. Links are
    followed on the configured ``base_url`` only: the token never goes to another host."""
    url = httpx.URL(link)
    params = dict(url.params.multi_items())
    for key, value in defaults.items():
        params.setdefault(key, value)
    query = str(httpx.QueryParams(sorted(params.items())))
    return f"{url.path}?{query}" if query else url.path
