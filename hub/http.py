"""The base HTTP client every REST provider builds on: bounded retries (tenacity) on 429, 5xx
and timeouts honouring the provider's own rate-limit headers, error classification, and
pagination with loop detection."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import httpx
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
)

from hub.errors import ProviderError, RetriableProviderError
from hub.scrub import SHAPES_ONLY, Scrubber

USER_AGENT = "rosterhub/0.1"
BACKOFF = 0.5  # first retry wait in seconds, doubling; tests set it to 0
MAX_WAIT = 60.0  # no single wait is longer, whatever the provider asks
MAX_SERVER_WAIT = 10.0  # the longest Retry-After honoured on a server error (5xx)


def retry_after_seconds(response: httpx.Response, *, now: float | None = None) -> float | None:
    """How long to wait before retrying ``response`` (see :func:`retry_hint`)."""
    return retry_hint(response.status_code, response.headers, now=now)


def retry_hint(
    status: int,
    headers: Mapping[str, str],
    *,
    rate_limited: bool | None = None,
    now: float | None = None,
) -> float | None:
    """Seconds to wait before retrying, as the provider asked, or None (back off instead).

    A rate-limited answer (429, or ``rate_limited``) is honoured through ``Retry-After``
    (seconds or an HTTP date) or ``X-RateLimit-Reset`` (a Unix time, as Clever sends).
    A server error honours only ``Retry-After``, and at most :data:`MAX_SERVER_WAIT`:
    ``X-RateLimit-Reset`` comes with every answer and says when the rate-limit window
    resets, not when a failing server recovers.
    """
    now = time.time() if now is None else now
    lowered = {str(key).lower(): str(value) for key, value in headers.items()}
    limited = status == 429 if rate_limited is None else rate_limited
    hint = _retry_after(lowered.get("retry-after"), now)
    if limited:
        return hint if hint is not None else _reset(lowered.get("x-ratelimit-reset"), now)
    return None if hint is None else min(hint, MAX_SERVER_WAIT)


def _retry_after(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, parsed.timestamp() - now)


def _reset(value: str | None, now: float) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value) - now)
    except ValueError:
        return None


def wait_for(base: float) -> Callable[[RetryCallState], float]:
    """Tenacity wait: the provider's own hint when it gave one, else exponential backoff;
    never longer than MAX_WAIT."""

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hinted = getattr(exc, "retry_after", None)
        if hinted is not None:
            return min(float(hinted), MAX_WAIT)
        return min(base * (2 ** (state.attempt_number - 1)), MAX_WAIT)

    return wait


def retry_policy(attempts: int, backoff: float | None = None) -> Retrying:
    """Every provider's retry policy: only :class:`RetriableProviderError` is retried, at most
    ``attempts`` tries, waiting as :func:`wait_for` says; the last error is re-raised."""
    return Retrying(
        retry=retry_if_exception_type(RetriableProviderError),
        stop=stop_after_attempt(attempts),
        wait=wait_for(BACKOFF if backoff is None else backoff),
        reraise=True,
    )


class HttpClient:
    """A provider's HTTP session. ``describe`` turns a fatal answer into a message that says
    what to do; subclasses override it for their protocol (401 → which credential to fix).
    ``scrubber`` knows the secrets this session sends: whatever the provider answers is
    scrubbed of them before it becomes part of an error."""

    provider = "provider"

    def __init__(
        self,
        base_url: str,
        *,
        headers: dict[str, str] | None = None,
        auth: httpx.Auth | None = None,
        timeout: float = 30.0,
        attempts: int = 5,
        backoff: float | None = None,
        transport: httpx.BaseTransport | None = None,
        scrubber: Scrubber | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.scrub = scrubber or SHAPES_ONLY
        self.attempts = attempts
        self.backoff = BACKOFF if backoff is None else backoff
        self.client = httpx.Client(
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            auth=auth,
            timeout=timeout,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self.client.close()

    def url(self, path: str) -> str:
        if path.startswith(("http://", "https://")):
            return path
        return f"{self.base_url}/{path.lstrip('/')}"

    def describe(self, response: httpx.Response) -> str:
        """A one-line, secret-free reason for a fatal answer."""
        reason = _reason(response, self.scrub)
        return f"{self.provider} answered {response.status_code} for {response.request.url.path}: {reason}"

    def _once(self, method: str, url: str, params: dict[str, Any] | None) -> httpx.Response:
        try:
            response = self.client.request(method, url, params=params)
        except httpx.TimeoutException as exc:
            msg = f"{self.provider} did not answer in time ({url.split('?')[0]})"
            raise RetriableProviderError(msg) from exc
        except httpx.TransportError as exc:
            msg = f"cannot reach {self.provider} at {self.base_url}: {exc.__class__.__name__}"
            raise RetriableProviderError(msg) from exc
        if response.status_code == 429 or response.status_code >= 500:
            msg = f"{self.provider} answered {response.status_code} for {response.request.url.path}"
            raise RetriableProviderError(msg, retry_after=retry_after_seconds(response))
        if response.status_code >= 400:
            raise ProviderError(self.scrub(self.describe(response)))
        return response

    def request(
        self, method: str, path: str, params: dict[str, Any] | None = None
    ) -> httpx.Response:
        return retry_policy(self.attempts, self.backoff)(self._once, method, self.url(path), params)

    def get_json(self, path: str, params: dict[str, Any] | None = None) -> Any:
        response = self.request("GET", path, params)
        try:
            return response.json()
        except ValueError:
            msg = f"{self.provider} answered {response.request.url.path} with something that is not JSON"
            raise ProviderError(msg) from None


def _reason(response: httpx.Response, scrub: Scrubber) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.reason_phrase or "error"
    if isinstance(body, dict):
        for key in ("message", "error_description", "error", "description", "imsx_description"):
            value = body.get(key)
            if isinstance(value, str) and value:
                return scrub.excerpt(value)
            if isinstance(value, dict) and isinstance(value.get("message"), str):
                return scrub.excerpt(str(value["message"]))
    return response.reason_phrase or "error"


class PageLoop(ProviderError):
    """The provider sent the same page position twice: following it would never end."""


class Pages:
    """Pagination as an object: iterate ``(position, payload)`` pages; raises :class:`PageLoop`
    when a position repeats. ``fetch(position)`` returns ``(payload, next_position or None)``."""

    def __init__(
        self,
        fetch: Callable[[Any], tuple[Any, Any]],
        start: Any,
        *,
        what: str = "pages",
        provider: str = "provider",
    ) -> None:
        self._fetch = fetch
        self._start = start
        self.what = what
        self.provider = provider

    def __iter__(self) -> Iterator[Any]:
        seen: set[str] = set()
        position = self._start
        while position is not None:
            key = repr(position)
            if key in seen:
                msg = f"{self.provider} sent the same {self.what} page twice ({key}); stopping"
                raise PageLoop(msg)
            seen.add(key)
            payload, position = self._fetch(position)
            yield payload
