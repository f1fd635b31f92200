"""Settings from the environment (pydantic-settings). Built by :func:`get_settings`, passed
down explicitly; nothing reads the environment at import time."""

from __future__ import annotations

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///rosterhub.db"


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

    @property
    def support_agents(self) -> frozenset[str]:
        return frozenset(a.strip() for a in self.support_agents_raw.split(",") if a.strip())

    @property
    def slack_enabled(self) -> bool:
        return bool(self.slack_bot_token and self.slack_signing_secret)


def get_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
