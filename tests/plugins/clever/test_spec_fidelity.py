"""Every answer the Clever sandbox gives is one Clever's spec allows (:mod:`.spec_schema`):
every page of every resource it serves in both API versions, the events after each kind of
change, and its error answers."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from plugins.clever.sandbox import CleverSandbox
from tests.plugins.clever.spec_schema import VERSIONS, Version
from tests.plugins.spec import Conformity

RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


@pytest.fixture
def district() -> CleverSandbox:
    """Enough people that every kind of user and most of the demographics pool appear."""
    return CleverSandbox(seed=11, users=700)


def _walk(api: httpx.Client, uri: str) -> Iterator[tuple[str, httpx.Response]]:
    """A list endpoint page by page, following ``links[rel=next]`` as a client does."""
    for _ in range(100):
        answer = api.get(uri)
        yield uri, answer
        if answer.status_code != 200:
            return
        following = [
            link["uri"] for link in answer.json().get("links", []) if link["rel"] == "next"
        ]
        if not following:
            return
        uri = following[0]
    msg = f"{uri}: the pages did not end"
    raise AssertionError(msg)


def _change_everything(district: CleverSandbox) -> None:
    """One of each change the sandbox records, so the events walk meets every kind."""
    users = district.users
    student = next(u for u in users if "student" in u["roles"])
    teacher = next(u for u in users if set(u["roles"]) == {"teacher"})
    district.update_user(student["id"], email="renamed@students.maplewood.example.org")
    district.update_user(student["id"], first_name="Renamed", last_name="Student")
    district.update_user(teacher["id"], roles={**teacher["roles"], "staff": {"schools": []}})
    district.update_user(teacher["id"], email=None)
    district.add_user(kind="student")
    district.add_user(kind="contact")
    district.add_user(kind="teacher", email=None)
    district.delete_user(users[-1]["id"])
    district.add_section_event()


def _check_answer(seen: Conformity, uri: str, answer: httpx.Response, status: int) -> None:
    if answer.status_code != status:
        seen.note(f"answered {answer.status_code}, expected {status}", uri)
    missing = [h for h in RATE_HEADERS if not answer.headers.get(h, "").isdigit()]
    if missing:
        seen.note(f"no numeric {', '.join(missing)} header", uri)


@pytest.mark.parametrize("version", sorted(VERSIONS))
def test_every_answer_is_spec_valid(district: CleverSandbox, clever_url: str, version: str) -> None:
    spec: Version = VERSIONS[version]
    seen = Conformity()
    _change_everything(district)
    headers = {"Authorization": f"Bearer {district.token}"}
    with httpx.Client(base_url=clever_url, headers=headers) as api:
        walks = (
            (f"/{version}/districts", spec.districts),
            (f"/{version}/schools?limit=2", spec.schools),
            (f"/{version}/users?limit=100", spec.users),
            (f"/{version}/users?limit=10&ending_before=last", spec.users),
            (f"/{version}/events?limit=3", spec.events),
            (f"/{version}/events?limit=1&ending_before=last", spec.events),
            (f"/{version}/events?record_type=users", spec.events),
        )
        for start, adapter in walks:
            for uri, answer in _walk(api, start):
                _check_answer(seen, uri, answer, 200)
                if answer.headers.get("content-type", "").startswith("application/json"):
                    seen.check(adapter, answer.json(), uri)
                else:
                    seen.note("a 200 answer that is not JSON", uri)

        oldest = api.get(f"/{version}/events?limit=1").json()["data"][0]["data"]["id"]
        district.expire_events()
        failures = [
            (f"/{version}/users?limit=many", 400),
            (f"/{version}/users?limit=0", 400),
            (f"/{version}/users?limit=10001", 413),
            (f"/{version}/classes", 404),
            ("/v2.9/users", 404),
            (f"/{version}/events?starting_after={oldest}", 404),
        ]
        for uri, status in failures:
            answer = api.get(uri)
            _check_answer(seen, uri, answer, status)
            seen.check(spec.error, answer.json(), uri)
        unauthorized = api.get(f"/{version}/users", headers={"Authorization": "Bearer nope"})
        _check_answer(seen, "wrong token", unauthorized, 401)
        seen.check(spec.error, unauthorized.json(), "wrong token")
        for status in (500, 502, 503):
            district.fail_next(status)
            answer = api.get(f"/{version}/users")
            _check_answer(seen, f"fault {status}", answer, status)
            seen.check(spec.error, answer.json(), f"fault {status}")
        district.fail_next(429)
        limited = api.get(f"/{version}/users")
        _check_answer(seen, "fault 429", limited, 429)
        seen.checked += 1
        if limited.content:
            # "an empty response with a 429 Too Many Requests status code is returned"
            seen.note("a 429 answer with a body", "fault 429", example=limited.text)
    seen.assert_clean()
