"""The settings of a Google Workspace integration (``--set`` / ``--secret`` keys).

Who is synced is chosen by organisational unit (OU) paths and group emails per role. The
credentials are either a JSON key file (service account with domain-wide delegation, or an
authorized-user file) or a bare OAuth access token; exactly one of them.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, SecretStr, ValidationInfo, field_validator

from hub.provider import DESTINATION, ProviderSettings, split_list

PROVIDER = "Google Workspace"

DEFAULT_ENDPOINT = "https://admin.googleapis.com/"
DEFAULT_TOKEN_URI = "https://oauth2.googleapis.com/token"
MAX_PAGE_SIZE = 500  # users.list refuses more per page
SERVICE_ACCOUNT = "service_account"
AUTHORIZED_USER = "authorized_user"
CREDENTIAL_FIELDS = {
    SERVICE_ACCOUNT: ("client_email", "private_key"),
    AUTHORIZED_USER: ("client_id", "client_secret", "refresh_token"),
}
OU_SETTINGS = ("student_ous", "teacher_ous", "admin_ous")
GROUP_SETTINGS = ("student_groups", "teacher_groups", "admin_groups")


def normalize_ou(path: str) -> str:
    """``Students/2026/`` and ``/Students/2026`` name the same OU; the root is ``/``."""
    text = path.strip()
    parts = [part.strip() for part in text.split("/") if part.strip()]
    return "/" + "/".join(parts)


def _ou_list(value: Any) -> list[str]:
    seen: dict[str, None] = {}
    for item in split_list(value):
        seen.setdefault(normalize_ou(item), None)
    return list(seen)


def _group_list(value: Any) -> list[str]:
    seen: dict[str, None] = {}
    for item in split_list(value):
        seen.setdefault(item.lower(), None)
    return list(seen)


OuList = Annotated[list[str], BeforeValidator(_ou_list)]
GroupList = Annotated[list[str], BeforeValidator(_group_list)]


def credential_info(value: SecretStr | None) -> dict[str, Any] | None:
    """The parsed credentials JSON (already validated by the settings model)."""
    if value is None:
        return None
    info: dict[str, Any] = json.loads(value.get_secret_value())
    return info


class GoogleSettings(ProviderSettings):
    api_endpoint: Annotated[str, DESTINATION] = DEFAULT_ENDPOINT
    """Root of the Admin SDK; overridden only for a sandbox or a proxy."""
    customer: str = "my_customer"
    """``my_customer`` (the account of the signed-in admin) or a customer id like ``C01abc23d``."""
    subject: str | None = None
    """The admin a service account acts as (domain-wide delegation)."""
    student_ous: OuList = Field(default_factory=list)
    teacher_ous: OuList = Field(default_factory=list)
    admin_ous: OuList = Field(default_factory=list)
    student_groups: GroupList = Field(default_factory=list)
    teacher_groups: GroupList = Field(default_factory=list)
    admin_groups: GroupList = Field(default_factory=list)
    page_size: int = Field(MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    """Users per request; Google's maximum keeps a 100,000-user domain to 200 requests."""
    credentials: SecretStr | None = None
    token: SecretStr | None = Field(default=None, validate_default=True)

    @field_validator("api_endpoint")
    @classmethod
    def _check_endpoint(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            msg = f"must start with https:// (for example {DEFAULT_ENDPOINT})"
            raise ValueError(msg)
        return value.rstrip("/") + "/"

    @field_validator("customer")
    @classmethod
    def _check_customer(cls, value: str) -> str:
        if not value or "/" in value or " " in value:
            msg = "must be my_customer or your customer id (Admin console > Account > Account settings)"
            raise ValueError(msg)
        return value

    @field_validator("subject")
    @classmethod
    def _check_subject(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        if "@" not in value or " " in value:
            msg = "must be the email address of the admin the service account acts as"
            raise ValueError(msg)
        return value.lower()

    @field_validator("credentials")
    @classmethod
    def _check_credentials(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        try:
            data = json.loads(value.get_secret_value())
        except ValueError:
            msg = "is not JSON; paste the service-account key file or the authorized-user file as downloaded"
            raise ValueError(msg) from None
        if not isinstance(data, dict):
            msg = "must be a JSON object (a service-account key file or an authorized-user file)"
            raise ValueError(msg)
        kind = data.get("type")
        if kind not in CREDENTIAL_FIELDS:
            shown = kind if isinstance(kind, str) and len(kind) < 40 else "missing"
            msg = f"'type' must be service_account or authorized_user (found {shown})"
            raise ValueError(msg)
        missing = [
            key
            for key in CREDENTIAL_FIELDS[kind]
            if not isinstance(data.get(key), str) or not data[key]
        ]
        if missing:
            msg = f"the {kind} JSON lacks {', '.join(missing)}; download it again"
            raise ValueError(msg)
        if kind == SERVICE_ACCOUNT and not info.data.get("subject"):
            msg = (
                "a service account needs subject: set subject to the email of the admin it acts as"
            )
            raise ValueError(msg)
        return value

    @field_validator("token")
    @classmethod
    def _check_one_credential(
        cls, value: SecretStr | None, info: ValidationInfo
    ) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            value = None
        has_credentials = info.data.get("credentials") is not None
        if (value is not None) == has_credentials:
            msg = (
                "give exactly one of the secrets 'credentials' (service-account or authorized-user "
                "JSON) or 'token' (an OAuth access token)"
            )
            raise ValueError(msg)
        return value

    # -- what the settings select -----------------------------------------------------------
    @property
    def credential_kind(self) -> str:
        """``service_account``, ``authorized_user`` or ``token``."""
        info = credential_info(self.credentials)
        return str(info["type"]) if info else "token"

    def ous(self) -> dict[str, list[str]]:
        """Setting name -> OU paths, for the settings that are set."""
        return {name: getattr(self, name) for name in OU_SETTINGS if getattr(self, name)}

    def groups(self) -> dict[str, list[str]]:
        """Setting name -> group emails, for the settings that are set."""
        return {name: getattr(self, name) for name in GROUP_SETTINGS if getattr(self, name)}
