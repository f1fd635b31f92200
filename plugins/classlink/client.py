"""The OneRoster REST client: signed GETs, ``limit``/``offset`` paging and error messages that
say which ClassLink setting to fix.

Paging follows ``X-Total-Count`` when the server sends it. Without it, a page shorter than an
earlier one (or an empty page) ends the collection; a server that caps ``limit`` below what we
asked for therefore still reads to the end. A server that ignores ``offset`` would serve the
same page for ever: every page is fingerprinted by its sourcedIds and a repeat stops the run.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from hub.errors import ProviderError
from hub.http import HttpClient, PageLoop, Pages
from hub.scrub import Scrubber
from plugins.classlink.settings import ClassLinkSettings
from plugins.classlink.signing import OAuth1Signer

PROVIDER = "ClassLink"


class OneRosterClient(HttpClient):
    provider = PROVIDER

    def __init__(
        self,
        settings: ClassLinkSettings,
        *,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        signer = OAuth1Signer(settings.client_id, settings.client_secret.get_secret_value())
        super().__init__(
            settings.base_url,
            auth=signer,
            transport=transport,
            scrubber=Scrubber.for_settings(settings),
        )
        self.page_size = settings.page_size
        self.refused_status: int | None = None
        """Status of the last fatal answer: a 400 to a ``filter`` means the server cannot
        do incremental reads."""

    def describe(self, response: httpx.Response) -> str:
        """Fatal answers, phrased as what the district IT person should check."""
        path = response.request.url.path
        reason = _reason(response, self.scrub)
        status = self.refused_status = response.status_code
        if status == 401:
            return (
                f"ClassLink refused the request signature ({reason}): check client_id and "
                "client_secret (the Roster Server key and secret) and that this server's "
                "clock is right"
            )
        if status == 403:
            return (
                f"ClassLink denied access to {path} ({reason}): the app's OneRoster permissions "
                "in Roster Server must allow reading users and orgs"
            )
        if status == 404:
            return (
                f"ClassLink has no {path} ({reason}): check base_url (the OneRoster endpoint, "
                "ending in /ims/oneroster/v1p1) and the org sourcedIds in orgs"
            )
        return f"ClassLink answered {status} for {path}: {reason}"

    def collection(
        self, path: str, *, key: str, params: dict[str, str] | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every object of a OneRoster collection (``{"users": [...]}``), page by page."""
        pager = _Pager(self, path, key=key, params=params or {})
        for page in Pages(pager.fetch, 0, what=key, provider=PROVIDER):
            yield from page

    def first(self, path: str, *, key: str) -> list[dict[str, Any]]:
        """One small page: enough to prove a collection is readable."""
        response = self.request("GET", path, {"limit": "1", "offset": "0"})
        return _items(response, key)


class _Pager:
    """State of one paged read: fingerprints of pages seen and the largest page size."""

    def __init__(
        self, client: OneRosterClient, path: str, *, key: str, params: dict[str, str]
    ) -> None:
        self.client = client
        self.path = path
        self.key = key
        self.params = params
        self.seen: dict[tuple[str, str, int], int] = {}
        self.largest = 0

    def fetch(self, offset: int) -> tuple[list[dict[str, Any]], int | None]:
        size = self.client.page_size
        query = {**self.params, "limit": str(size), "offset": str(offset)}
        response = self.client.request("GET", self.path, query)
        items = _items(response, self.key)
        if items:
            fingerprint = (_sourced_id(items[0]), _sourced_id(items[-1]), len(items))
            if fingerprint in self.seen:
                msg = (
                    f"ClassLink sent the same {self.key} page twice (offset {offset} repeats "
                    f"offset {self.seen[fingerprint]}); the server is not honouring offset, "
                    "stopping"
                )
                raise PageLoop(msg)
            self.seen[fingerprint] = offset
        total = _total(response)
        following = offset + len(items)
        if not items:
            done = True
        elif total is not None:
            done = following >= total
        else:
            done = len(items) < self.largest
        self.largest = max(self.largest, len(items))
        return items, None if done else following


def _items(response: httpx.Response, key: str) -> list[dict[str, Any]]:
    path = response.request.url.path
    try:
        body = response.json()
    except ValueError:
        msg = f"ClassLink answered {path} with something that is not JSON"
        raise ProviderError(msg) from None
    items = body.get(key) if isinstance(body, dict) else None
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        msg = (
            f"ClassLink answered {path} without a '{key}' list (is base_url a OneRoster endpoint?)"
        )
        raise ProviderError(msg)
    return items


def _reason(response: httpx.Response, scrub: Scrubber) -> str:
    """The server's own words: OneRoster errors carry ``imsx_description``, at the top level
    (1.2) or inside ``statusInfoSet`` / ``imsx_statusInfo`` (1.1)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    candidates: list[Any] = [body]
    if isinstance(body, dict):
        for key in ("statusInfoSet", "imsx_statusInfo", "imsx_StatusInfo"):
            nested = body.get(key)
            candidates.extend(nested if isinstance(nested, list) else [nested])
    for candidate in candidates:
        if not isinstance(candidate, dict):
            continue
        for key in ("imsx_description", "message", "error_description", "error"):
            value = candidate.get(key)
            if isinstance(value, str) and value.strip():
                return scrub.excerpt(value.strip())
    return response.reason_phrase or "error"


def _total(response: httpx.Response) -> int | None:
    value = response.headers.get("X-Total-Count")
    if value is None:
        return None
    try:
        return max(0, int(value.strip()))
    except ValueError:
        return None


def _sourced_id(item: dict[str, Any]) -> str:
    return str(item.get("sourcedId", ""))
