"""The settings of a Clever integration (``--set`` / ``--secret`` keys)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, SecretStr, field_validator

from hub.provider import DESTINATION, ProviderSettings, split_list

API_VERSIONS = ("v3.0", "v3.1")
MAX_PAGE_SIZE = 10_000  # Clever answers 413 above this


def _api_version(value: Any) -> Any:
    """Accept ``3.0`` as well as ``v3.0``: both are what people type."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text and not text.startswith("v"):
            text = f"v{text}"
        return text
    return value


class CleverSettings(ProviderSettings):
    base_url: Annotated[str, DESTINATION] = "https://api.clever.com"
    api_version: Annotated[str, BeforeValidator(_api_version)] = "v3.0"
    schools: Annotated[list[str], BeforeValidator(split_list)] = Field(default_factory=list)
    """Clever school ids; empty means every school the district shares."""
    staff_role: Literal["teacher", "admin"] = "teacher"
    """The hub role of Clever ``staff`` (school staff and school admins)."""
    incremental: bool = False
    token: SecretStr
    page_size: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    """Users per request. Clever's maximum keeps a 100,000-user district to ten requests."""

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            msg = "must start with https:// (for example https://api.clever.com)"
            raise ValueError(msg)
        return value.rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _check_api_version(cls, value: str) -> str:
        if value not in API_VERSIONS:
            msg = f"must be one of {', '.join(API_VERSIONS)}"
            raise ValueError(msg)
        return value

    @field_validator("token")
    @classmethod
    def _check_token(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().strip():
            msg = "is empty; paste the district-app bearer token from the Clever dashboard"
            raise ValueError(msg)
        return value
