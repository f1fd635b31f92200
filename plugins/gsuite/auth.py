"""Google credentials from the integration's secrets.

Three shapes are accepted because districts have all three: a service-account key with
domain-wide delegation (the recommended one: it acts as ``subject`` and renews its own tokens),
an authorized-user file (an admin's refresh token), and a bare access token (short-lived; handy
for a first test). Only the read-only Directory scopes are ever requested.
"""

from __future__ import annotations

from typing import Any

from google.auth.credentials import Credentials
from google.oauth2 import credentials as user_credentials
from google.oauth2 import service_account

from hub.errors import ConfigError
from plugins.gsuite.settings import (
    AUTHORIZED_USER,
    DEFAULT_TOKEN_URI,
    SERVICE_ACCOUNT,
    GoogleSettings,
    credential_info,
)

SCOPE_ROOT = "https://www.googleapis.com/auth/"
SCOPES = (
    f"{SCOPE_ROOT}admin.directory.user.readonly",
    f"{SCOPE_ROOT}admin.directory.group.readonly",
    f"{SCOPE_ROOT}admin.directory.group.member.readonly",
    f"{SCOPE_ROOT}admin.directory.orgunit.readonly",
)


def build_credentials(settings: GoogleSettings) -> Credentials:
    """google-auth credentials for the configured secret; ConfigError names the setting."""
    info = credential_info(settings.credentials)
    if info is None:
        assert settings.token is not None  # the settings model requires one of the two
        return user_credentials.Credentials(token=settings.token.get_secret_value())
    if info["type"] == SERVICE_ACCOUNT:
        return _service_account(info, subject=settings.subject)
    if info["type"] == AUTHORIZED_USER:
        return _authorized_user(info)
    msg = "gsuite: setting 'credentials': 'type' must be service_account or authorized_user"
    raise ConfigError(msg)


def _service_account(info: dict[str, Any], *, subject: str | None) -> Credentials:
    info = {"token_uri": DEFAULT_TOKEN_URI, **info}
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, TypeError, IndexError):
        msg = (
            "gsuite: setting 'credentials': the service account's private_key cannot be read; "
            "create a new JSON key for the service account and paste the whole file"
        )
        raise ConfigError(msg) from None
    return creds.with_subject(subject) if subject else creds


def _authorized_user(info: dict[str, Any]) -> Credentials:
    # Built field by field rather than with from_authorized_user_info, which always sends the
    # refresh to Google's own token URL; honouring the file's token_uri lets a sandbox stand in.
    # Without explicit scopes the refresh asks for what the admin granted; asking for scopes
    # outside that grant would be refused, so only pass scopes the file itself names.
    scopes = info.get("scopes")
    return user_credentials.Credentials(
        token=None,
        refresh_token=str(info["refresh_token"]),
        token_uri=str(info.get("token_uri") or DEFAULT_TOKEN_URI),
        client_id=str(info["client_id"]),
        client_secret=str(info["client_secret"]),
        scopes=list(scopes) if isinstance(scopes, list) and scopes else None,
    )


def client_id(settings: GoogleSettings) -> str | None:
    """The service account's numeric client id: what the Admin console's domain-wide
    delegation page asks for (not a secret)."""
    info = credential_info(settings.credentials)
    if info and info.get("type") == SERVICE_ACCOUNT:
        value = info.get("client_id")
        return str(value) if value else None
    return None
