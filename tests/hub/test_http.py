"""The provider HTTP client base: retries, rate-limit headers, classification, paging."""

from __future__ import annotations

import time

import httpx
import pytest

from hub import http as hub_http
from hub.errors import ProviderError, RetriableProviderError
from hub.http import HttpClient, PageLoop, Pages, retry_after_seconds, retry_hint


def _client(handler, attempts: int = 3) -> HttpClient:  # type: ignore[no-untyped-def]
    return HttpClient(
        "http://provider.test/api", transport=httpx.MockTransport(handler), attempts=attempts
    )


def test_retries_429_then_succeeds() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(429, headers={"Retry-After": "0"})
        return httpx.Response(200, json={"ok": True})

    assert _client(handler).get_json("/x") == {"ok": True}
    assert len(calls) == 3


def test_retries_are_bounded() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(502)

    with pytest.raises(RetriableProviderError, match="502"):
        _client(handler, attempts=4).get_json("/x")
    assert len(calls) == 4


def test_client_errors_are_not_retried_and_say_why() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(404, json={"message": "no such district"})

    with pytest.raises(ProviderError, match="404.*no such district") as info:
        _client(handler).get_json("/x")
    assert not isinstance(info.value, RetriableProviderError)
    assert len(calls) == 1


def test_timeouts_are_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            msg = "slow"
            raise httpx.ReadTimeout(msg, request=request)
        return httpx.Response(200, json=[1])

    assert _client(handler).get_json("/x") == [1]


def test_not_json_is_a_provider_error() -> None:
    with pytest.raises(ProviderError, match="not JSON"):
        _client(lambda r: httpx.Response(200, text="<html>")).get_json("/x")


def test_retry_after_headers() -> None:
    req = httpx.Request("GET", "http://x")
    now = time.time()
    assert retry_after_seconds(httpx.Response(429, headers={"Retry-After": "7"}, request=req)) == 7
    reset = httpx.Response(429, headers={"X-RateLimit-Reset": str(int(now) + 30)}, request=req)
    assert 28 <= (retry_after_seconds(reset, now=now) or 0) <= 30
    assert retry_after_seconds(httpx.Response(429, request=req)) is None


def test_the_rate_limit_reset_is_honoured_only_when_rate_limited() -> None:
    now = 1_000_000.0
    far = {"X-RateLimit-Reset": str(int(now) + 3600)}  # Clever sends it on every answer
    assert retry_hint(429, far, now=now) == 3600
    assert retry_hint(503, far, now=now) is None
    assert retry_hint(500, far, now=now) is None
    assert retry_hint(403, far, rate_limited=True, now=now) == 3600  # a quota refusal


def test_a_server_errors_retry_after_is_capped() -> None:
    now = 1_000_000.0
    assert retry_hint(503, {"Retry-After": "3600"}, now=now) == hub_http.MAX_SERVER_WAIT
    assert retry_hint(503, {"retry-after": "2"}, now=now) == 2
    date = "Thu, 01 Jan 2099 00:00:00 GMT"
    assert retry_hint(502, {"Retry-After": date}, now=now) == hub_http.MAX_SERVER_WAIT
    assert retry_hint(429, {"Retry-After": date}, now=now) == pytest.approx(4070908800 - now)
    assert retry_hint(503, {"Retry-After": "soon"}, now=now) is None  # unreadable: back off


@pytest.mark.timeout(30)
def test_server_errors_back_off_instead_of_waiting_for_the_reset(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Real waits (the suite's zero backoff undone): four 503s that each name a reset an hour
    away cost a few backoff steps, not four times the one-minute cap."""
    monkeypatch.setattr(hub_http, "MAX_WAIT", 60.0)
    monkeypatch.setattr(hub_http, "BACKOFF", 0.05)
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        reset = {"X-RateLimit-Reset": str(int(time.time()) + 3600)}
        if len(calls) < 5:
            return httpx.Response(503, headers=reset)
        return httpx.Response(200, json={"ok": True}, headers=reset)

    client = HttpClient(
        "http://provider.test/api", transport=httpx.MockTransport(handler), backoff=0.05
    )
    started = time.monotonic()
    assert client.get_json("/x") == {"ok": True}
    assert len(calls) == 5
    assert time.monotonic() - started < 3  # 0.05 + 0.1 + 0.2 + 0.4 s of backoff


def test_pages_follow_to_the_end_and_detect_loops() -> None:
    pages = {1: ("a", 2), 2: ("b", 3), 3: ("c", None)}
    assert list(Pages(lambda p: pages[p], 1)) == ["a", "b", "c"]
    looping = {1: ("a", 2), 2: ("b", 1)}
    with pytest.raises(PageLoop, match="same"):
        list(Pages(lambda p: looping[p], 1, provider="test"))
