"""What a provider plugin implements.

A provider is a class registered through the ``rosterhub_register_providers`` hook. It declares
its settings as a pydantic model (fields typed ``SecretStr`` are secrets: encrypted at rest,
never printed; fields annotated with :data:`DESTINATION` say where the secrets are sent), and
is constructed with validated settings for one integration. It knows nothing about the
database: it reads the provider's API and yields :mod:`hub.roster` items.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo

from hub.errors import ConfigError
from hub.roster import Item
from hub.text import control_problem


@dataclass(frozen=True, slots=True)
class SendsSecrets:
    """Field metadata: this setting decides where the integration's secrets are sent."""


DESTINATION = SendsSecrets()
"""Annotate a setting with it (``base_url: Annotated[str, DESTINATION]``) when changing the
setting changes the server that receives the secrets: the hub then refuses the change unless
the secrets are given again with it, so a stored secret cannot be sent to a new server."""
DESTINATION_SUFFIXES = ("url", "uri", "endpoint", "host")
"""For a settings model that marks no field with DESTINATION (a plugin written before it
existed), the settings named like this are taken to be destinations."""


class ProviderSettings(BaseModel):
    """Base of every provider's settings model. Unknown keys are refused so a typo in
    ``--set`` is caught at once rather than silently ignored; text with control characters
    is refused (see :mod:`hub.text`)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        for text in value if isinstance(value, list | tuple) else (value,):
            if isinstance(text, str):
                problem = control_problem(text)
                if problem:
                    raise ValueError(problem)
        return value


def split_list(value: Any) -> list[str]:
    """Comma-separated settings (``schools=a,b``) arrive as text; accept lists too."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [str(part).strip() for part in value if str(part).strip()]


@dataclass(frozen=True, slots=True)
class Source:
    """Something a district IT person picks from: a school, org, OU or group."""

    id: str
    name: str
    kind: str = "school"
    detail: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.detail is not None:
            data["detail"] = self.detail
        return data


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    message: str
    sources: list[Source] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A provider's loopback sandbox, used by ``make demo`` and the tests.

    ``app`` is an ASGI app speaking the provider's protocol; ``settings`` and ``secrets`` are
    what connects an integration to it once it listens on ``base_url``.
    """

    app: Any
    settings: Callable[[str], dict[str, str]]
    secrets: dict[str, str]


class Provider:
    """Base class of providers. Subclasses set ``name``, ``title`` and ``Settings`` and
    implement :meth:`check`, :meth:`sources` and :meth:`fetch`."""

    name: ClassVar[str]
    title: ClassVar[str]
    Settings: ClassVar[type[ProviderSettings]] = ProviderSettings

    def __init__(self, settings: ProviderSettings) -> None:
        self.settings = settings

    # -- configuration -------------------------------------------------------------------
    @classmethod
    def config_keys(cls) -> list[str]:
        return list(cls.Settings.model_fields)

    @classmethod
    def secret_keys(cls) -> list[str]:
        return [
            name for name, info in cls.Settings.model_fields.items() if _is_secret(info.annotation)
        ]

    @classmethod
    def destination_keys(cls) -> list[str]:
        """The settings that decide where the secrets go (see :data:`DESTINATION`)."""
        fields = cls.Settings.model_fields
        marked = [name for name, info in fields.items() if _is_destination(info)]
        if marked:
            return marked
        secret = set(cls.secret_keys())
        return [
            name
            for name in fields
            if name not in secret and name.lower().endswith(DESTINATION_SUFFIXES)
        ]

    @classmethod
    def parse_settings(cls, values: dict[str, Any]) -> ProviderSettings:
        """Validate ``--set``/``--secret`` values; the error names the setting, never a value."""
        try:
            return cls.Settings.model_validate(values)
        except ValidationError as exc:
            first = exc.errors()[0]
            key = ".".join(str(part) for part in first["loc"]) or "settings"
            if first["type"] == "extra_forbidden":
                known = ", ".join(cls.config_keys()) or "none"
                msg = f"{cls.name}: unknown setting '{key}' (known: {known})"
            else:
                msg = f"{cls.name}: setting '{key}': {first['msg']}"
            raise ConfigError(msg) from None

    # -- what a provider does -------------------------------------------------------------
    def check(self) -> CheckResult:
        """Do the credentials work, and what can they see? Must not raise for a provider
        answer: report it in ``message`` with ``ok=False``."""
        raise NotImplementedError

    def sources(self) -> list[Source]:
        """The schools / orgs / OUs / groups a district IT person picks from."""
        raise NotImplementedError

    def fetch(self) -> Iterator[Item]:
        """Stream the whole roster: every person the settings select, active or not.

        May yield one :class:`hub.roster.Cursor` (where the next incremental run starts).
        Raises :class:`hub.errors.ProviderError` if the roster cannot be read to the end.
        """
        raise NotImplementedError

    @property
    def incremental(self) -> bool:
        """True when this integration asked for incremental runs (``incremental=true``)."""
        return False

    def fetch_changes(self, cursor: str) -> Iterator[Item]:
        """Stream what changed since ``cursor``: changed people (inactive ones deactivate) and
        a new :class:`hub.roster.Cursor`. Raises :class:`hub.errors.CursorExpired` when the
        cursor is too old; the engine then runs a full fetch."""
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; called once the run is done with the provider."""

    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox | None:
        """A loopback sandbox speaking this provider's protocol, or None."""
        return None


def _is_destination(info: FieldInfo) -> bool:
    return any(isinstance(item, SendsSecrets) for item in info.metadata)


def _is_secret(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return SecretStr in getattr(annotation, "__args__", ())
