"""Every answer the OneRoster sandbox gives is one the OneRoster spec allows
(:mod:`.spec_schema`): under the 1.1 root, 1.1 records; under the 1.2 rostering root, 1.2
records; every page of every collection it serves, every single object, and its error
answers (imsx_StatusInfo, with the codeMinor the HTTP status goes with)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from plugins.classlink.sandbox import ROOTS, SCHOOLS, OneRosterSandbox
from plugins.classlink.signing import OAuth1Signer
from tests.plugins.classlink.spec_schema import STATUS_OF_MINOR, V11, V12, Version
from tests.plugins.spec import Conformity

SPECS = {ROOTS[0]: V11, ROOTS[1]: V12}


def _pages(api: httpx.Client, path: str, key: str, **params: str) -> Iterator[httpx.Response]:
    """A collection page by page (``limit``/``offset``, ended by ``X-Total-Count``)."""
    offset = 0
    for _ in range(100):
        answer = api.get(path, params={**params, "limit": "7", "offset": str(offset)})
        yield answer
        if answer.status_code != 200:
            return
        offset += len(answer.json().get(key) or [])
        if offset >= int(answer.headers.get("X-Total-Count", "0")):
            return
    msg = f"{path}: the pages did not end"
    raise AssertionError(msg)


def _minor(body: Any) -> list[str]:
    try:
        fields = body["imsx_CodeMinor"]["imsx_codeMinorField"]
        return [str(f["imsx_codeMinorFieldValue"]) for f in fields]
    except (KeyError, TypeError):
        return []


def _check_error(
    seen: Conformity, spec: Version, answer: httpx.Response, status: int, where: str
) -> None:
    if answer.status_code != status:
        seen.note(f"answered {answer.status_code}, expected {status}", where)
    body = answer.json()
    seen.check(spec.error, body, where)
    for minor in _minor(body):
        goes_with = {STATUS_OF_MINOR.get(minor)} | ({503} if minor == "server_busy" else set())
        if answer.status_code not in goes_with:
            seen.note(f"codeMinor {minor} with HTTP {answer.status_code}", where)


@pytest.mark.parametrize("root", ROOTS)
def test_every_answer_is_spec_valid(district: OneRosterSandbox, base_url: str, root: str) -> None:
    spec = SPECS[root]
    seen = Conformity()
    district.update_user("aide-elm", enabledUser="false", givenName="Carla")
    district.delete_user("admin-oak")
    auth = OAuth1Signer(district.client_id, district.client_secret)
    with httpx.Client(base_url=f"{base_url}{root}", auth=auth) as api:
        collections = [
            ("/users", "users", spec.users, {}),
            ("/users", "users", spec.users, {"filter": "dateLastModified>'2024-01-20T00:00:00Z'"}),
            ("/users", "users", spec.users, {"sort": "familyName", "orderBy": "desc"}),
            ("/students", "users", spec.users, {}),
            ("/teachers", "users", spec.users, {}),
            ("/orgs", "orgs", spec.orgs, {}),
            ("/schools", "orgs", spec.orgs, {}),
        ]
        for school in SCHOOLS:
            collections.append((f"/schools/{school}/students", "users", spec.users, {}))
            collections.append((f"/schools/{school}/teachers", "users", spec.users, {}))
        users: set[str] = set()
        orgs: set[str] = set()
        for path, key, adapter, params in collections:
            for answer in _pages(api, path, key, **params):
                where = f"{root}{path}?{answer.request.url.query.decode()}"
                if answer.status_code != 200:
                    seen.note(f"answered {answer.status_code}", where)
                    continue
                if not answer.headers.get("X-Total-Count", "").isdigit():
                    seen.note("no X-Total-Count header", where)
                body = answer.json()
                seen.check(adapter, body, where)
                found = {str(item.get("sourcedId")) for item in body.get(key) or []}
                (users if key == "users" else orgs).update(found)
        assert len(users) > 30 and len(orgs) == 4, "the walk reached the whole tenant"
        for sid in sorted(users):
            seen.check(spec.user, api.get(f"/users/{sid}").json(), f"{root}/users/{sid}")
        for sid in sorted(orgs):
            seen.check(spec.org, api.get(f"/orgs/{sid}").json(), f"{root}/orgs/{sid}")
        for sid in SCHOOLS:
            seen.check(spec.org, api.get(f"/schools/{sid}").json(), f"{root}/schools/{sid}")

        failures = [
            ("/users", {"filter": "givenName"}, 400),
            ("/users", {"limit": "many"}, 400),
            ("/users", {"offset": "-1"}, 400),
            ("/users/nobody", {}, 404),
            ("/orgs/nowhere", {}, 404),
            ("/schools/org-cedar-valley", {}, 404),
            ("/schools/nowhere/students", {}, 404),
        ]
        for path, params, status in failures:
            answer = api.get(path, params=params)
            _check_error(seen, spec, answer, status, f"{root}{path} {params}")
        unsigned = httpx.get(f"{base_url}{root}/users")
        _check_error(seen, spec, unsigned, 401, f"{root}/users unsigned")
        for status in (429, 500, 503):
            district.fail_next(status)
            _check_error(seen, spec, api.get("/users"), status, f"fault {status}")
    seen.assert_clean()
