"""OAuth 1.0a HMAC-SHA256: what we send is what RFC 5849 says, and the sandbox refuses what
a Roster Server refuses (wrong secret, changed query, replay, stale clock, other methods)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.parse

import httpx
import pytest
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA1, SIGNATURE_HMAC_SHA256, Client
from oauthlib.oauth1.rfc5849 import utils

from hub.errors import ProviderError
from hub.testing import drain
from plugins.classlink.client import OneRosterClient
from plugins.classlink.sandbox import ROOTS, OneRosterSandbox
from plugins.classlink.settings import ClassLinkSettings
from plugins.classlink.signing import OAuth1Signer
from tests.plugins.classlink.conftest import MakeProvider


def _pct(value: str) -> str:
    return urllib.parse.quote(value, safe="~")


def rfc5849_hmac_sha256(method: str, url: str, oauth: dict[str, str], secret: str) -> str:
    """RFC 5849 section 3.4, written out independently of oauthlib."""
    parts = urllib.parse.urlsplit(url)
    params = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    params += [(k, v) for k, v in oauth.items() if k != "oauth_signature"]
    encoded = sorted((_pct(k), _pct(v)) for k, v in params)
    normalized = "&".join(f"{k}={v}" for k, v in encoded)
    base_uri = f"{parts.scheme.lower()}://{parts.netloc.lower()}{parts.path}"
    base = "&".join([method.upper(), _pct(base_uri), _pct(normalized)])
    digest = hmac.new(f"{_pct(secret)}&".encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _oauth_params(header: str) -> dict[str, str]:
    return {k: utils.unescape(v) for k, v in utils.parse_authorization_header(header)}


def test_signature_matches_rfc5849_written_out() -> None:
    url = (
        "https://tenant-ca-v2.oneroster.com/ims/oneroster/v1p1/users"
        "?filter=dateLastModified%3E%272024-01-01T00%3A00%3A00Z%27&limit=100&offset=0"
    )
    header = OAuth1Signer("my-key", "s3cret&+/=").header_for("GET", url)
    oauth = _oauth_params(header)
    assert oauth["oauth_signature_method"] == "HMAC-SHA256"
    assert oauth["oauth_consumer_key"] == "my-key"
    assert "oauth_token" not in oauth
    assert oauth["oauth_signature"] == rfc5849_hmac_sha256("GET", url, oauth, "s3cret&+/=")


def test_signer_never_shows_the_secret() -> None:
    assert "s3cret" not in repr(OAuth1Signer("key", "s3cret"))


def test_every_attempt_gets_a_new_nonce() -> None:
    seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(_oauth_params(request.headers["Authorization"])["oauth_nonce"])
        if len(seen) == 1:
            return httpx.Response(503)
        return httpx.Response(200, json={"users": []})

    settings = ClassLinkSettings.model_validate(
        {
            "base_url": "https://x.example/ims/oneroster/v1p1",
            "client_id": "k",
            "client_secret": "s",
            "tenant_id": "7",
        }
    )
    client = OneRosterClient(settings, transport=httpx.MockTransport(answer))
    assert list(client.collection("users", key="users")) == []
    assert len(seen) == 2 and seen[0] != seen[1]


def test_the_sandbox_accepts_our_signature(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    records, _, _ = drain(make_provider().fetch())
    assert records
    assert district.requests and all(r.authorized for r in district.requests)


def test_a_wrong_secret_is_refused_with_what_to_fix(
    make_provider: MakeProvider, district: OneRosterSandbox
) -> None:
    provider = make_provider(client_secret="not-the-secret")
    with pytest.raises(ProviderError) as info:
        drain(provider.fetch())
    message = str(info.value)
    assert "check client_id and client_secret" in message
    assert "invalid signature" in message
    assert "not-the-secret" not in message
    assert district.requests[-1].authorized is False
    result = provider.check()
    assert result.ok is False and "client_secret" in result.message


def test_an_unknown_client_id_is_refused(make_provider: MakeProvider) -> None:
    with pytest.raises(ProviderError, match="client_id"):
        drain(make_provider(client_id="someone-else").fetch())


def _signed(
    district: OneRosterSandbox,
    url: str,
    *,
    secret: str | None = None,
    method: str = SIGNATURE_HMAC_SHA256,
    timestamp: str | None = None,
) -> dict[str, str]:
    """Sign by hand with oauthlib, to send requests our client never would."""
    client = Client(
        district.client_id,
        client_secret=secret or district.client_secret,
        signature_method=method,
        timestamp=timestamp,
    )
    _, headers, _ = client.sign(url)
    return {"Authorization": headers["Authorization"]}


def test_a_tampered_query_string_fails(district: OneRosterSandbox, base_url: str) -> None:
    users = f"{base_url}{ROOTS[0]}/users"
    headers = _signed(district, f"{users}?limit=5&offset=0")
    assert httpx.get(f"{users}?limit=5&offset=0", headers=headers).status_code == 200
    headers = _signed(district, f"{users}?limit=5&offset=0")
    tampered = httpx.get(f"{users}?limit=5&offset=5", headers=headers)
    assert tampered.status_code == 401
    body = tampered.json()
    assert body["imsx_codeMajor"] == "failure"
    assert body["imsx_description"] == "Unauthorized: invalid signature"
    minor = body["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"]
    assert minor == "unauthorisedrequest"


def test_a_changed_path_fails(district: OneRosterSandbox, base_url: str) -> None:
    headers = _signed(district, f"{base_url}{ROOTS[0]}/orgs")
    assert httpx.get(f"{base_url}{ROOTS[0]}/users", headers=headers).status_code == 401


def test_no_authorization_header_is_refused(base_url: str) -> None:
    response = httpx.get(f"{base_url}{ROOTS[0]}/users")
    assert response.status_code == 401
    assert "missing OAuth Authorization header" in response.json()["imsx_description"]


def test_a_replayed_request_is_refused(district: OneRosterSandbox, base_url: str) -> None:
    url = f"{base_url}{ROOTS[0]}/orgs"
    headers = _signed(district, url)
    assert httpx.get(url, headers=headers).status_code == 200
    replay = httpx.get(url, headers=headers)
    assert replay.status_code == 401
    assert "nonce" in replay.json()["imsx_description"]


def test_a_stale_timestamp_is_refused(district: OneRosterSandbox, base_url: str) -> None:
    url = f"{base_url}{ROOTS[0]}/orgs"
    headers = _signed(district, url, timestamp=str(int(time.time()) - 3600))
    response = httpx.get(url, headers=headers)
    assert response.status_code == 401
    assert "clock" in response.json()["imsx_description"]


def test_hmac_sha1_is_refused(district: OneRosterSandbox, base_url: str) -> None:
    url = f"{base_url}{ROOTS[0]}/orgs"
    response = httpx.get(url, headers=_signed(district, url, method=SIGNATURE_HMAC_SHA1))
    assert response.status_code == 401
    assert "HMAC-SHA256" in response.json()["imsx_description"]


def test_a_wrong_secret_signed_by_hand_is_refused(
    district: OneRosterSandbox, base_url: str
) -> None:
    url = f"{base_url}{ROOTS[0]}/orgs"
    response = httpx.get(url, headers=_signed(district, url, secret="guess"))
    assert response.status_code == 401
