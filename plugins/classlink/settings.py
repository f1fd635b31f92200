"""The settings of a ClassLink (OneRoster) integration, as a district IT person enters them.

Values come from ClassLink Roster Server: the OneRoster endpoint (``base_url``), the app's key
(``client_id``) and secret (``client_secret``), and the tenant id that scopes every id we store.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BeforeValidator, Field, SecretStr, field_validator

from hub.provider import DESTINATION, ProviderSettings, split_list

DEFAULT_PAGE_SIZE = 1000
MAX_PAGE_SIZE = 10_000


def _base_url(value: str) -> str:
    """A OneRoster service root such as ``https://x-ca-v2.oneroster.com/ims/oneroster/v1p1``;
    the trailing slash is dropped so paths join the same way whatever was pasted."""
    import httpx  # deferred for start-up: registering the plugin need not load httpx

    try:
        url = httpx.URL(value)
    except (httpx.InvalidURL, TypeError):
        msg = "must be the OneRoster endpoint URL (https://…/ims/oneroster/v1p1)"
        raise ValueError(msg) from None
    if url.scheme not in ("http", "https") or not url.host:
        msg = "must be the OneRoster endpoint URL (https://…/ims/oneroster/v1p1)"
        raise ValueError(msg)
    if url.query or url.fragment:
        msg = "must not contain a query string or fragment"
        raise ValueError(msg)
    return str(url).rstrip("/")


class ClassLinkSettings(ProviderSettings):
    """``orgs`` is a comma-separated list of org sourcedIds (schools or a district); empty
    means every user the credentials can see."""

    base_url: Annotated[str, DESTINATION]
    client_id: str = Field(min_length=1)
    client_secret: SecretStr
    tenant_id: str = Field(min_length=1)
    tenant_name: str = ""
    orgs: Annotated[list[str], BeforeValidator(split_list)] = Field(default_factory=list)
    page_size: int = Field(DEFAULT_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    incremental: bool = False

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        return _base_url(value)

    @field_validator("client_secret")
    @classmethod
    def _check_secret(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            msg = "must not be empty"
            raise ValueError(msg)
        return value

    @field_validator("tenant_id")
    @classmethod
    def _check_tenant(cls, value: str) -> str:
        if any(ch.isspace() for ch in value):
            msg = "must not contain spaces (it is the number or id Roster Server shows)"
            raise ValueError(msg)
        return value
