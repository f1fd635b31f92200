"""Every answer the Google Workspace sandbox gives is one Google's spec allows
(:mod:`.spec_schema`): every page of users, groups and members, the org units of every list
type, the customer, the token endpoint's grants and refusals, and the Directory's errors."""

from __future__ import annotations

import json
import time
import typing
from collections.abc import Iterator
from pathlib import Path

import googleapiclient
import httpx

from plugins.gsuite.auth import SCOPES
from plugins.gsuite.client import MEMBER_FIELDS, USER_FIELDS
from plugins.gsuite.sandbox import SA_EMAIL, GoogleSandbox, sandbox_key
from tests.plugins.gsuite import spec_schema as spec
from tests.plugins.gsuite.tokens import signed_jwt
from tests.plugins.spec import Conformity

API = "/admin/directory/v1"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"


def _pages(api: httpx.Client, path: str, **params: str) -> Iterator[httpx.Response]:
    """A list page by page, following ``nextPageToken``."""
    token = ""
    for _ in range(100):
        answer = api.get(path, params={**params, **({"pageToken": token} if token else {})})
        yield answer
        token = answer.json().get("nextPageToken", "") if answer.status_code == 200 else ""
        if not token:
            return
    msg = f"{path}: the pages did not end"
    raise AssertionError(msg)


def _walk(seen: Conformity, api: httpx.Client, sandbox: GoogleSandbox) -> None:
    lists = [
        (f"{API}/users", spec.USERS, {"customer": "my_customer", "maxResults": "7"}),
        (f"{API}/users", spec.USERS, {"domain": sandbox.domain.name, "orderBy": "email"}),
        (f"{API}/groups", spec.GROUPS, {"customer": "my_customer", "maxResults": "2"}),
    ]
    lists += [
        (f"{API}/groups/{group.email}/members", spec.MEMBERS, {"maxResults": "2", **derived})
        for group in sandbox.domain.groups.values()
        for derived in ({}, {"includeDerivedMembership": "true"})
    ]
    for path, adapter, params in lists:
        for answer in _pages(api, path, **params):
            where = f"{path}?{answer.request.url.query.decode()}"
            if answer.status_code != 200:
                seen.note(f"answered {answer.status_code}", where)
                continue
            seen.check(adapter, answer.json(), where)
    for kind in ("all", "children", "allIncludingParent"):
        for parent in ("/", "/Students", "/Staff/Administration"):
            path = f"{API}/customer/my_customer/orgunits"
            answer = api.get(path, params={"type": kind, "orgUnitPath": parent})
            seen.check(spec.ORGUNITS, answer.json(), f"{path}?type={kind}&orgUnitPath={parent}")
    for customer in ("my_customer", sandbox.domain.customer_id):
        answer = api.get(f"{API}/customers/{customer}")
        seen.check(spec.CUSTOMER, answer.json(), f"{API}/customers/{customer}")


MASKED = {
    "users": (USER_FIELDS, {"users", "nextPageToken"}),
    "members": (MEMBER_FIELDS, {"members", "nextPageToken"}),
}
"""The partial answers the provider asks for (``fields``), and the top-level keys each may have."""
ITEM_KEYS = {
    "users": {"id", "primaryEmail", "name", "suspended", "archived", "orgUnitPath", "customerId"},
    "members": {"id", "email", "type", "status"},
}
NAME_KEYS = {"givenName", "familyName"}


def _walk_masked(seen: Conformity, api: httpx.Client, sandbox: GoogleSandbox) -> None:
    """With ``fields``, Google answers only the fields asked for (the rest, ``kind`` and
    ``etag`` included, is left out): the sandbox must too, or a provider reading a field it
    did not ask for would work here and fail against Google."""
    group = next(g for g in sandbox.domain.groups.values() if g.email.startswith("teachers@"))
    walks = [
        ("users", spec.USERS, f"{API}/users", {"customer": "my_customer", "maxResults": "9"}),
        ("members", spec.MEMBERS, f"{API}/groups/{group.email}/members", {"maxResults": "2"}),
    ]
    for key, adapter, path, params in walks:
        mask, top = MASKED[key]
        for answer in _pages(api, path, **params, fields=mask):
            where = f"{path}?fields={mask}"
            body = answer.json()
            seen.check(adapter, body, where, partial=True)
            for extra in sorted(set(body) - top):
                seen.note(f"'{extra}' in an answer whose fields leave it out", where)
            for item in body.get(key) or []:
                for extra in sorted(set(item) - ITEM_KEYS[key]):
                    seen.note(f"{key}[*].{extra} in an answer whose fields leave it out", where)
                for extra in sorted(set(item.get("name") or {}) - NAME_KEYS):
                    seen.note(
                        f"{key}[*].name.{extra} in an answer whose fields leave it out", where
                    )


def _errors(seen: Conformity, api: httpx.Client, sandbox: GoogleSandbox, base_url: str) -> None:
    refusals = [
        (f"{API}/users", {"customer": "my_customer", "maxResults": "501"}, 400),
        (f"{API}/users", {"customer": "my_customer", "maxResults": "x"}, 400),
        (f"{API}/users", {"customer": "my_customer", "pageToken": "bogus"}, 400),
        (f"{API}/users", {"customer": "C0nobody"}, 400),
        (f"{API}/users", {"domain": "elsewhere.example.org"}, 403),
        (f"{API}/customer/my_customer/orgunits", {"orgUnitPath": "/Nowhere"}, 404),
        (f"{API}/groups/nobody@nowhere.example.org/members", {}, 404),
        (f"{API}/customers/C0nobody", {}, 404),
        (f"{API}/users", {"customer": "my_customer", "fields": "users(id"}, 400),
    ]
    for path, params, status in refusals:
        answer = api.get(path, params=params)
        _check_error(seen, answer, status, f"{path} {params}")
    anonymous = httpx.get(f"{base_url}{API}/users", params={"customer": "my_customer"})
    _check_error(seen, anonymous, 401, "no token")
    narrow = _refresh(base_url, sandbox, scope=SCOPES[0])
    orgunits = httpx.get(
        f"{base_url}{API}/customer/my_customer/orgunits",
        headers={"Authorization": f"Bearer {narrow}"},
    )
    _check_error(seen, orgunits, 403, "a token without the orgunit scope")
    for status, reason in ((429, None), (403, "quotaExceeded"), (500, None), (503, None)):
        sandbox.fail_next(status, reason=reason)
        answer = api.get(f"{API}/users", params={"customer": "my_customer"})
        _check_error(seen, answer, status, f"fault {status} {reason or ''}")
    sandbox.forbid()
    answer = api.get(f"{API}/users", params={"customer": "my_customer"})
    _check_error(seen, answer, 403, "an admin who lost the privilege")


def _check_error(seen: Conformity, answer: httpx.Response, status: int, where: str) -> None:
    if answer.status_code != status:
        seen.note(f"answered {answer.status_code}, expected {status}", where)
    body = answer.json()
    seen.check(spec.ERROR, body, where)
    if body.get("error", {}).get("code") != answer.status_code:
        seen.note("error.code is not the HTTP status", where, example=body)


def _refresh(base_url: str, sandbox: GoogleSandbox, **form: str) -> str:
    answer = httpx.post(
        f"{base_url}/token",
        data={
            "grant_type": "refresh_token",
            "client_id": sandbox.oauth_client_id,
            "client_secret": sandbox.oauth_client_secret,
            "refresh_token": sandbox.refresh_token,
            **form,
        },
    )
    return str(answer.json()["access_token"])


def _token_answers(seen: Conformity, sandbox: GoogleSandbox, base_url: str) -> None:
    now = int(time.time())
    claims = {
        "iss": SA_EMAIL,
        "sub": sandbox.domain.admin.email,
        "scope": " ".join(SCOPES),
        "aud": f"{base_url}/token",
        "iat": now,
        "exp": now + 3600,
    }
    refresh = {
        "grant_type": "refresh_token",
        "client_id": sandbox.oauth_client_id,
        "client_secret": sandbox.oauth_client_secret,
        "refresh_token": sandbox.refresh_token,
    }
    granted = [
        {"grant_type": JWT_BEARER, "assertion": signed_jwt(sandbox_key(), claims)},
        refresh,
        {**refresh, "scope": SCOPES[0]},
    ]
    for form in granted:
        answer = httpx.post(f"{base_url}/token", data=form)
        seen.check(spec.TOKEN, answer.json(), f"token {form['grant_type']}")
        if answer.status_code != 200:
            seen.note(f"a grant answered {answer.status_code}", f"token {form['grant_type']}")
    refused = [
        {"grant_type": "password"},
        {"grant_type": JWT_BEARER, "assertion": "not.a.jwt"},
        {
            "grant_type": JWT_BEARER,
            "assertion": signed_jwt(sandbox_key(), {**claims, "sub": "x@y.z"}),
        },
        {
            "grant_type": JWT_BEARER,
            "assertion": signed_jwt(sandbox_key(), {**claims, "iss": "a@b.c"}),
        },
        {**refresh, "client_secret": "wrong"},
        {**refresh, "refresh_token": "wrong"},
        {**refresh, "scope": "https://www.googleapis.com/auth/admin.directory.user"},
    ]
    for form in refused:
        answer = httpx.post(f"{base_url}/token", data=form)
        where = f"token refusal {form['grant_type']}"
        if answer.status_code not in (400, 401):  # RFC 6749 5.2
            seen.note(f"a refusal answered {answer.status_code}", where)
        seen.check(spec.TOKEN_ERROR, answer.json(), where)


def test_every_answer_is_spec_valid(sandbox: GoogleSandbox, base_url: str) -> None:
    seen = Conformity()
    headers = {"Authorization": f"Bearer {sandbox.token}"}
    with httpx.Client(base_url=base_url, headers=headers) as api:
        _walk(seen, api, sandbox)
        _walk_masked(seen, api, sandbox)
        _token_answers(seen, sandbox, base_url)
        _errors(seen, api, sandbox, base_url)
    seen.assert_clean()


def test_restated_fields_are_in_the_discovery_document() -> None:
    """The restatement names only fields Google's own discovery document defines (the copy
    google-api-python-client ships), so it cannot invent a field the sandbox then serves."""
    documents = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
    schemas = json.loads((documents / "admin.directory_v1.json").read_text())["schemas"]
    unknown = {
        name: sorted(set(typing.get_type_hints(shape)) - set(schemas[name]["properties"]))
        for name, shape in spec.RESTATED.items()
    }
    assert {name: fields for name, fields in unknown.items() if fields} == {}
