"""The scrubber: every stored secret in every form it travels in, and anything shaped like a
credential, is gone from provider text; ordinary messages come through unchanged."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote_plus

import pytest
from pydantic import SecretStr

from hub.provider import ProviderSettings
from hub.scrub import REDACTED, Scrubber, scrub

TOKEN = "c1ever-D1strict-t0ken-9f8e7d6c5b4a"
SECRET = "GOCSPX-s3cr3t/with+odd=chars_0123"
PEM_BODY = [
    "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7VJTUt9Us8cKj",
    "MzEfYyjiWA4R4/M2bS1GB4t7NXp98C3SC6dVMvDuictGeurT8jNbvJZHtCSuYEvu",
]
PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\n" + "\n".join(PEM_BODY) + "\n-----END PRIVATE KEY-----\n"
)
CREDENTIALS = json.dumps(
    {
        "type": "authorized_user",
        "client_id": "1234567890-abc.apps.googleusercontent.com",
        "client_secret": SECRET,
        "refresh_token": "1//0gRefreshTokenValue-abcdefghij",
        "private_key": PRIVATE_KEY,
    }
)


@pytest.mark.parametrize(
    "form",
    [
        TOKEN,
        f"Authorization: Bearer {TOKEN}",
        base64.b64encode(TOKEN.encode()).decode(),
        base64.b64encode(f"client-7:{TOKEN}".encode()).decode(),
        quote_plus(TOKEN),
        TOKEN[:20],  # an answer cut short
        f"prefix{TOKEN}suffix",
    ],
)
def test_a_secret_is_removed_in_every_form(form: str) -> None:
    scrubber = Scrubber([TOKEN], related=["client-7"])
    text = f"provider said: {form} (400)"
    cleaned = scrubber(text)
    assert TOKEN[:16] not in cleaned and form not in cleaned
    assert REDACTED in cleaned
    assert cleaned.startswith("provider said: ") and cleaned.endswith(" (400)")


def test_the_secret_parts_of_json_credentials_are_removed() -> None:
    scrubber = Scrubber([CREDENTIALS])
    echoed = (
        f"client_secret={quote_plus(SECRET)}&refresh_token=1%2F%2F0gRefreshTokenValue-abcdefghij"
        f" key {json.dumps(PRIVATE_KEY)} line {PEM_BODY[1]}"
        f" basic {base64.b64encode(f'1234567890-abc.apps.googleusercontent.com:{SECRET}'.encode()).decode()}"
    )
    cleaned = scrubber(echoed)
    for part in (SECRET, quote_plus(SECRET), "0gRefreshTokenValue", *PEM_BODY, "BEGIN PRIVATE"):
        assert part not in cleaned
    # the client id is what messages name to say which OAuth client to fix: it stays
    assert scrubber("client id 1234567890-abc.apps.googleusercontent.com") == (
        "client id 1234567890-abc.apps.googleusercontent.com"
    )


@pytest.mark.parametrize(
    ("text", "gone"),
    [
        ("header was Bearer abc123def456ghi", "abc123def456ghi"),
        ("Basic dXNlcjpwYXNzd29yZDEyMw==", "dXNlcjpwYXNzd29yZDEyMw"),
        ("jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJl", "eyJhbGciOiJSUzI1NiJ9"),
        ("token ya29.a0AfH6SMBexample_access-token", "a0AfH6SMBexample"),
        ("refresh 1//0gExampleRefreshToken_abc-def", "0gExampleRefreshToken"),
        ('OAuth oauth_consumer_key="k", oauth_signature="q2%2Bw%3D", x', "q2%2Bw%3D"),
        ("digest " + "0a1b2c3d4e" * 4, "0a1b2c3d4e" * 4),
        ("run of kQ9zL2mX8vR4tY7wN1bC5dF3gH6jK0pS2uV8eA4i here", "kQ9zL2mX8vR4tY7wN1bC5dF3"),
    ],
)
def test_credential_shapes_are_removed_without_knowing_the_secret(text: str, gone: str) -> None:
    cleaned = scrub(text)
    assert gone not in cleaned and REDACTED in cleaned


@pytest.mark.parametrize(
    "message",
    [
        "Clever refused the request (401): the district token was revoked or is not a "
        "district-app token; reconnect the district in Clever (setting: token)",
        "clever: setting 'token': is empty; paste the district-app bearer token from the Clever "
        "dashboard",
        "ClassLink has no /ims/oneroster/v1p1/schools/ABC123def/students (Not Found): check base_url",
        "email changed to ann.o'neil@example.org, which belongs to another account "
        "(external id tenant-1:3f2504e0-4f89-11d3-9a0c-0305e82c3301); not changed",
        "Google Workspace has no group 'Class_of_2026_Grade12_Homeroom_Teachers@x.org'",
        "Clever sent a user 5e8b3c1a2b3c4d5e6f708192 without an email; run run_x7k2m9p4qa",
    ],
)
def test_ordinary_messages_come_through_unchanged(message: str) -> None:
    scrubber = Scrubber([TOKEN, CREDENTIALS], related=["client-7"])
    assert scrubber(message) == message


def test_control_characters_are_written_out_and_scrubbing_is_stable() -> None:
    scrubber = Scrubber([TOKEN])
    once = scrubber(f"bad\x00name {TOKEN}")
    assert once == f"bad\\x00name {REDACTED}"
    assert scrubber(once) == once


def test_excerpt_scrubs_before_cutting() -> None:
    scrubber = Scrubber([TOKEN])
    text = "x" * 190 + TOKEN
    assert scrubber.excerpt(text) == "x" * 190 + REDACTED[:10]
    assert "c1ever" not in scrubber.excerpt(text)


def test_the_scrubber_of_settings_knows_their_secrets() -> None:
    class Settings(ProviderSettings):
        client_id: str
        client_secret: SecretStr

    settings = Settings(client_id="client-7", client_secret=SecretStr(TOKEN))
    scrubber = Scrubber.for_settings(settings)
    pair = base64.b64encode(f"client-7:{TOKEN}".encode()).decode()
    assert scrubber(f"{TOKEN} {pair} client-7") == f"{REDACTED} {REDACTED} client-7"
