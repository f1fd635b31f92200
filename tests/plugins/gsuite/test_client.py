"""The Directory client on canned answers (googleapiclient's HttpMockSequence): the requests it
builds from the packaged discovery document, paging, and error classification."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from googleapiclient.http import HttpMockSequence

from hub.errors import ProviderError, RetriableProviderError
from hub.http import PageLoop
from hub.testing import drain
from plugins.gsuite.client import DirectoryClient
from plugins.gsuite.provider import GoogleProvider
from plugins.gsuite.settings import GoogleSettings

ENDPOINT = "https://admin.example.test/"


class Recording(HttpMockSequence):
    """HttpMockSequence that also keeps the URLs it was asked for."""

    def __init__(self, iterable: list[tuple[dict[str, str], str]]) -> None:
        super().__init__(iterable)
        self.urls: list[str] = []

    def request(self, uri: str, *args: Any, **kwargs: Any) -> Any:
        self.urls.append(uri)
        return super().request(uri, *args, **kwargs)


def ok(body: dict[str, Any]) -> tuple[dict[str, str], str]:
    return {"status": "200"}, json.dumps(body)


def error(status: int, message: str, reason: str, **headers: str) -> tuple[dict[str, str], str]:
    body = {
        "error": {
            "code": status,
            "message": message,
            "errors": [{"reason": reason, "message": message}],
        }
    }
    return {"status": str(status), **headers}, json.dumps(body)


def settings(**values: Any) -> GoogleSettings:
    base = {"token": "ya29.t", "api_endpoint": ENDPOINT, "student_ous": "/Students"}
    return GoogleSettings.model_validate({**base, **values})


def user(n: int, ou: str = "/Students", **extra: Any) -> dict[str, Any]:
    return {
        "id": f"10{n}",
        "primaryEmail": f"s{n}@d.example",
        "name": {"givenName": f"S{n}", "familyName": "Kid"},
        "orgUnitPath": ou,
        **extra,
    }


ORGUNITS = ok({"organizationUnits": [{"orgUnitPath": "/Students", "name": "Students"}]})


def test_users_are_paged_with_page_tokens() -> None:
    http = Recording(
        [
            ok({"users": [user(1), user(2)], "nextPageToken": "p2"}),
            ok({"users": [user(3)]}),
        ]
    )
    client = DirectoryClient(settings(page_size=2), http=http)
    assert [u["id"] for u in client.users()] == ["101", "102", "103"]
    first, second = (urlsplit(url) for url in http.urls)
    assert first.scheme + "://" + first.netloc + first.path == ENDPOINT + "admin/directory/v1/users"
    q1, q2 = parse_qs(first.query), parse_qs(second.query)
    assert q1["customer"] == ["my_customer"]
    assert q1["maxResults"] == ["2"]
    assert q1["projection"] == ["basic"]
    assert "pageToken" not in q1
    assert q2["pageToken"] == ["p2"]


def test_repeated_page_token_is_a_loop() -> None:
    http = HttpMockSequence(
        [
            ok({"users": [user(1)], "nextPageToken": "same"}),
            ok({"users": [user(2)], "nextPageToken": "same"}),
            ok({"users": [user(3)], "nextPageToken": "same"}),
        ]
    )
    with pytest.raises(PageLoop, match="users.list page twice"):
        list(DirectoryClient(settings(), http=http).users())


def test_members_query_and_group_in_path() -> None:
    http = Recording([ok({"members": [{"id": "1", "type": "USER"}]})])
    client = DirectoryClient(settings(), http=http)
    assert list(client.members("Staff@d.example", setting="teacher_groups")) == [
        {"id": "1", "type": "USER"}
    ]
    url = urlsplit(http.urls[0])
    assert url.path == "/admin/directory/v1/groups/Staff%40d.example/members"
    query = parse_qs(url.query)
    assert query["includeDerivedMembership"] == ["true"]
    assert query["maxResults"] == ["200"]


def test_quota_then_success_is_retried() -> None:
    http = HttpMockSequence(
        [
            error(403, "Quota exceeded", "quotaExceeded"),
            error(403, "User Rate Limit Exceeded", "userRateLimitExceeded"),
            error(429, "Too many", "rateLimitExceeded", **{"retry-after": "0"}),
            ORGUNITS,
        ]
    )
    assert DirectoryClient(settings(), http=http).orgunits()[0]["orgUnitPath"] == "/Students"


def test_retries_stop_after_the_bound() -> None:
    http = HttpMockSequence([error(503, "Unavailable", "backendError")] * 3 + [ORGUNITS])
    with pytest.raises(RetriableProviderError, match="503 Unavailable"):
        DirectoryClient(settings(), attempts=3, http=http).orgunits()


def test_404_for_a_group_names_the_group() -> None:
    http = HttpMockSequence([error(404, "Resource Not Found: groupKey", "notFound")])
    client = DirectoryClient(settings(), http=http)
    with pytest.raises(ProviderError, match=r"no group 'x@d.example' \(setting: admin_groups\)"):
        list(client.members("x@d.example", setting="admin_groups"))


def test_400_on_users_list_names_the_customer() -> None:
    http = HttpMockSequence([error(400, "Bad Request", "badRequest")])
    client = DirectoryClient(settings(customer="C0bad"), http=http)
    with pytest.raises(ProviderError, match="customer 'C0bad'.*setting: customer"):
        list(client.users())


def test_api_not_enabled() -> None:
    http = HttpMockSequence(
        [error(403, "Admin SDK API has not been used in project 1 before", "accessNotConfigured")]
    )
    with pytest.raises(ProviderError, match="enable it"):
        DirectoryClient(settings(), http=http).orgunits()


def test_not_json_is_a_provider_error() -> None:
    http = HttpMockSequence([({"status": "200"}, "<html>proxy login</html>")])
    with pytest.raises(ProviderError, match="not JSON"):
        DirectoryClient(settings(), http=http).orgunits()


def test_provider_on_canned_answers() -> None:
    """The provider reads OUs first, then users; an OU-less or unnamed user is handled."""
    http = HttpMockSequence(
        [
            ORGUNITS,
            ok(
                {
                    "users": [
                        user(1, "/Students/2030"),
                        user(2, suspended=True),
                        user(3, "/Other"),
                        {"id": "104", "orgUnitPath": "/Students"},
                    ]
                }
            ),
        ]
    )
    provider = GoogleProvider(settings(), http=http)
    records, skips, cursors = drain(provider)
    assert [(r.external_id, r.active, r.schools) for r in records] == [
        ("101", True, ("/Students/2030",)),
        ("102", False, ("/Students",)),
    ]
    assert [(s.external_id, s.message) for s in skips] == [
        ("104", "Google Workspace user without an id or primary email")
    ]
    assert cursors == []
