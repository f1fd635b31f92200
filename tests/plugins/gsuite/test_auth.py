"""The three kinds of credentials, end to end against the sandbox's token endpoint."""

from __future__ import annotations

import time

import httpx
from cryptography.hazmat.primitives.asymmetric import rsa

from hub.testing import drain
from plugins.gsuite.auth import SCOPES
from plugins.gsuite.sandbox import SA_EMAIL, GoogleSandbox
from tests.plugins.gsuite.conftest import MakeProvider
from tests.plugins.gsuite.tokens import signed_jwt


def issued_grants(sandbox: GoogleSandbox) -> list[tuple[str, frozenset[str]]]:
    return [(grant.subject, grant.scopes) for grant in sandbox.issued()]


def test_service_account_acts_as_subject(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    provider = make_provider(
        credentials=sandbox.service_account_info(base_url), subject=sandbox.domain.admin.email
    )
    records, _, _ = drain(provider)
    assert len(records) == 35
    # one token for the whole run, for the admin, with exactly the read-only scopes
    assert issued_grants(sandbox) == [(sandbox.domain.admin.email, frozenset(SCOPES))]
    assert provider.check().message.startswith(
        f"Google Workspace customer {sandbox.domain.customer_id}"
    )
    assert f"a service account acting as {sandbox.domain.admin.email}" in provider.check().message


def test_authorized_user_refreshes_its_token(
    sandbox: GoogleSandbox, base_url: str, make_provider: MakeProvider
) -> None:
    provider = make_provider(credentials=sandbox.authorized_user_info(base_url))
    records, _, _ = drain(provider)
    assert len(records) == 35
    assert [subject for subject, _ in issued_grants(sandbox)] == [sandbox.domain.admin.email]


def test_bare_token_is_sent_as_bearer(sandbox: GoogleSandbox, make_provider: MakeProvider) -> None:
    assert len(drain(make_provider())[0]) == 35
    assert issued_grants(sandbox) == []


def test_token_endpoint_checks_the_signature(sandbox: GoogleSandbox, base_url: str) -> None:
    now = int(time.time())
    claims = {
        "iss": SA_EMAIL,
        "sub": sandbox.domain.admin.email,
        "scope": " ".join(SCOPES),
        "aud": "https://oauth2.googleapis.com/token",
        "iat": now,
        "exp": now + 3600,
    }
    forged = signed_jwt(rsa.generate_private_key(public_exponent=65537, key_size=2048), claims)
    answer = httpx.post(
        f"{base_url}/token",
        data={"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": forged},
    )
    assert answer.status_code == 400
    assert answer.json() == {
        "error": "invalid_grant",
        "error_description": "Invalid JWT Signature.",
    }
    assert issued_grants(sandbox) == []


def test_service_account_without_subject_is_not_an_admin(
    sandbox: GoogleSandbox, base_url: str
) -> None:
    """Without delegation the token speaks for the service account itself, which the
    Directory refuses: the reason subject is required."""
    from plugins.gsuite.sandbox import sandbox_key

    now = int(time.time())
    claims = {
        "iss": SA_EMAIL,
        "scope": " ".join(SCOPES),
        "aud": f"{base_url}/token",
        "iat": now,
        "exp": now + 3600,
    }
    answer = httpx.post(
        f"{base_url}/token",
        data={
            "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
            "assertion": signed_jwt(sandbox_key(), claims),
        },
    )
    assert answer.status_code == 200
    token = answer.json()["access_token"]
    users = httpx.get(
        f"{base_url}/admin/directory/v1/users",
        params={"customer": "my_customer"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert users.status_code == 403
    assert users.json()["error"]["errors"][0]["reason"] == "forbidden"
