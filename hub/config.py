"""Settings from the environment (pydantic-settings). Built by :func:`get_settings`, passed
down explicitly; nothing reads the environment at import time."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///rosterhub.db"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"
GOOGLE_API_ENDPOINT = "https://admin.googleapis.com/"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    database_url: str = Field(
        DEFAULT_DATABASE_URL,
        validation_alias=AliasChoices("ROSTERHUB_DATABASE_URL", "database_url"),
    )
    secret_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ROSTERHUB_SECRET_KEY", "secret_key")
    )
    broker_url: str | None = Field(
        None, validation_alias=AliasChoices("ROSTERHUB_BROKER_URL", "broker_url")
    )
    queue_name: str = Field(
        "rosterhub", validation_alias=AliasChoices("ROSTERHUB_QUEUE_NAME", "queue_name")
    )
    slack_bot_token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_BOT_TOKEN", "slack_bot_token")
    )
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=AliasChoices("SLACK_SIGNING_SECRET", "slack_signing_secret")
    )
    slack_api_url: str = Field(
        "https://slack.com/api/", validation_alias=AliasChoices("SLACK_API_URL", "slack_api_url")
    )
    support_channel: str | None = Field(
        None, validation_alias=AliasChoices("ROSTERHUB_SUPPORT_CHANNEL", "support_channel")
    )
    support_agents_raw: str = Field(
        "", validation_alias=AliasChoices("ROSTERHUB_SUPPORT_AGENTS", "support_agents")
    )

    public_url: str = Field(
        "http://127.0.0.1:8000",
        validation_alias=AliasChoices("ROSTERHUB_PUBLIC_URL", "public_url"),
    )
    google_client_id: str | None = Field(
        None, validation_alias=AliasChoices("ROSTERHUB_GOOGLE_CLIENT_ID", "google_client_id")
    )
    google_client_secret: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices("ROSTERHUB_GOOGLE_CLIENT_SECRET", "google_client_secret"),
    )
    google_auth_uri: str = Field(
        GOOGLE_AUTH_URI,
        validation_alias=AliasChoices("ROSTERHUB_GOOGLE_AUTH_URI", "google_auth_uri"),
    )
    google_token_uri: str = Field(
        GOOGLE_TOKEN_URI,
        validation_alias=AliasChoices("ROSTERHUB_GOOGLE_TOKEN_URI", "google_token_uri"),
    )
    google_api_endpoint: str | None = Field(
        None,
        validation_alias=AliasChoices("ROSTERHUB_GOOGLE_API_ENDPOINT", "google_api_endpoint"),
    )

    @property
    def console_url(self) -> str:
        """Where people reach the console (``ROSTERHUB_PUBLIC_URL`` + ``/console``)."""
        return self.public_url.rstrip("/") + "/console"

    @property
    def google_directory_endpoint(self) -> str:
        """The Admin SDK a consented Google integration reads: ROSTERHUB_GOOGLE_API_ENDPOINT,
        else Google's own, else (a token endpoint that is not Google's: a sandbox or a proxy)
        the same origin as ROSTERHUB_GOOGLE_TOKEN_URI."""
        if self.google_api_endpoint:
            return self.google_api_endpoint.rstrip("/") + "/"
        if self.google_token_uri == GOOGLE_TOKEN_URI:
            return GOOGLE_API_ENDPOINT
        scheme, _, rest = self.google_token_uri.partition("://")
        return f"{scheme}://{rest.split('/', 1)[0]}/"

    @property
    def support_agents(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.support_agents_raw.split(",") if a.strip())

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
