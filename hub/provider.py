"""What a provider plugin implements, and every rule the hub applies to what it yields.

A provider is a class registered through the ``rosterhub_register_providers`` hook
(:mod:`hub.hookspecs`). It declares its settings as a pydantic model (:class:`ProviderSettings`)
(fields annotated with :data:`DESTINATION` say where the secrets are sent: changing one
requires giving the secrets again) and is constructed by the hub with validated settings for one integration. It knows nothing
about the database: it reads the provider's API and yields :mod:`hub.roster` items, which the
engine maps, compares with what the integration synced before, and applies.

How the hub calls a provider:

- ``integration add``/``update`` validate the settings with :meth:`Provider.parse_settings`;
- ``integration check`` builds one, calls :meth:`Provider.check`, then :meth:`Provider.close`;
- a run builds one, reads :meth:`Provider.fetch` (or :meth:`Provider.fetch_changes`) once to
  the end while it plans, then calls :meth:`Provider.close` whatever happened.

An instance serves one run or check on one thread and is then dropped.

Errors (:mod:`hub.errors`), by what the hub does with them:

- :class:`~hub.errors.ProviderError`: fatal. The run fails and nothing it read is applied; its
  text becomes the run's ``error``, shown in the CLI, the API and chat, so it must say what to
  fix (which setting, which credential) in one line.
- :class:`~hub.errors.RetriableProviderError` (a ``ProviderError``): a passing fault (429, 5xx,
  timeout). The provider's own client retries it, bounded, honouring the provider's
  ``Retry-After``/``X-RateLimit-Reset`` (:func:`hub.http.retry_policy` retries this class and
  nothing else); raised out of the provider once the retries are spent, it fails the run. The
  engine never retries a run.
- :class:`~hub.errors.CursorExpired` (a ``ProviderError``): only from ``fetch_changes``; the
  engine runs a full ``fetch`` instead.
- :class:`~hub.errors.ConfigError`: a setting is missing or invalid; the message names the
  setting, never its value.
- anything else is a bug: the run fails as "unexpected error (TypeName)" and the traceback goes
  to the worker log.

Secrets never appear in a message, an issue, a log line or a return value: no error, ``Skip``
or ``CheckResult`` text may contain a ``SecretStr`` value, a token from a URL or a response
body that echoes one. Messages carry no student data beyond an id or an email.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, SecretStr, ValidationError, field_validator
from pydantic.fields import FieldInfo

from hub.errors import ConfigError
from hub.roster import Item, LinkedItem
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
    ``--set`` is caught at once rather than silently ignored.

    Values arrive as text (``--set KEY=VALUE``, JSON bodies) and are validated by pydantic;
    use :func:`split_list` for comma-separated lists. A field typed ``SecretStr`` (or
    ``SecretStr | None``) is a secret: it is passed only with ``--secret``, stored encrypted,
    and never printed, logged or returned; a secret passed with ``--set`` is refused. An empty
    secret counts as not given (a required one left empty is reported missing), and an update
    with an empty value removes that setting or secret.

    The hub's own keys, ``schedule``, ``max_deactivate_percent`` and ``admin_implies_teacher``,
    are taken out before the provider's model sees the settings: a provider never receives
    them, so it must not declare fields with those names. Text with control characters is
    refused (see :mod:`hub.text`).
    """

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
    """The value the provider's selection setting takes (a school id, an OU path …)."""
    name: str
    """What a person reads."""
    kind: str = "school"
    """``school``, ``org``, ``ou`` or ``group``."""
    detail: str | None = None
    """Optional extra line (a parent OU, a school number)."""
    identifier: str | None = None
    """The provider's own human-facing code for it (a ClassLink org's ``identifier``)."""

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape ``integration check`` lists in ``sources``."""
        data: dict[str, Any] = {"id": self.id, "name": self.name, "kind": self.kind}
        if self.detail is not None:
            data["detail"] = self.detail
        if self.identifier is not None:
            data["identifier"] = self.identifier
        return data


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What :meth:`Provider.check` found, as ``integration check`` reports it."""

    ok: bool
    """True when the credentials work and the settings select something."""
    message: str
    """One secret-free line; when not ``ok`` it says what to fix."""
    sources: list[Source] = field(default_factory=list)
    """What the credentials can see (may be empty when not ``ok``)."""


@dataclass(frozen=True, slots=True)
class Sandbox:
    """A provider's loopback sandbox, used by ``rosterhub demo`` and the tests (the kit
    re-exports it as :class:`hub.testing.Sandbox`; never used by a sync).

    ``app`` is an ASGI app speaking the provider's protocol; ``settings`` and ``secrets`` are
    what connects an integration to it once it listens on ``base_url``.
    """

    app: Any
    """The ASGI app; :class:`hub.testing.LoopbackServer` serves it."""
    settings: Callable[[str], dict[str, str]]
    """``settings(base_url)``: the ``--set`` values that reach the running app."""
    secrets: dict[str, str]
    """The ``--secret`` values the app accepts."""


class Provider:
    """Base class of providers. Subclasses set ``name``, ``title`` and ``Settings`` and
    implement :meth:`check`, :meth:`sources` and :meth:`fetch`; an incremental provider also
    :attr:`incremental` and :meth:`fetch_changes`; one holding connections, :meth:`close`."""

    name: ClassVar[str]
    """The provider's id (``--provider NAME``, ``integration.provider``, the accounts'
    ``source``); unique among installed plugins and never changed once integrations use it."""
    title: ClassVar[str]
    """What a person reads (``Clever``, ``Google Workspace``)."""
    Settings: ClassVar[type[ProviderSettings]] = ProviderSettings
    """The settings model (a :class:`ProviderSettings` subclass): what ``--set``/``--secret``
    accept, and what :attr:`settings` is an instance of."""
    link_keys: ClassVar[tuple[str, ...]] = ()
    """The settings that select one school's people (Clever ``schools``, ClassLink ``orgs``,
    Google's OU and group settings). A district integration's link to a hub school holds
    these; the integration holds the rest. Empty: the provider cannot feed a district."""
    exclusive_link_keys: ClassVar[tuple[str, ...]] = ()
    """Those of :attr:`link_keys` whose values each name one of the provider's schools (Clever
    ``schools``, ClassLink ``orgs``): a value may be linked to one hub school only. Google's
    OUs and groups are not: a district-wide staff OU may feed several schools."""

    def __init__(self, settings: ProviderSettings) -> None:
        """Built by the hub with the integration's settings and decrypted secrets, validated by
        :meth:`parse_settings`; must not connect yet (``check`` and ``fetch`` do)."""
        self.settings = settings
        """This integration's validated settings (an instance of :attr:`Settings`)."""

    # -- configuration -------------------------------------------------------------------
    @classmethod
    def config_keys(cls) -> list[str]:
        """Every setting the provider takes, secrets included (``rosterhub plugins``)."""
        return list(cls.Settings.model_fields)

    @classmethod
    def secret_keys(cls) -> list[str]:
        """The settings typed ``SecretStr``: passed with ``--secret``, stored encrypted."""
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
        """Validate ``--set``/``--secret`` values; the error names the setting, never a value.

        Called when an integration is added or updated, and again before every run or check
        with the stored settings and secrets merged into one mapping. Raises
        :class:`~hub.errors.ConfigError`.
        """
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
        answer: report it in ``message`` with ``ok=False``, saying what to fix (a
        :class:`~hub.errors.HubError` raised anyway is reported the same way, its text as the
        message; any other exception is a bug). List what can be picked in ``sources``."""
        raise NotImplementedError

    def sources(self) -> list[Source]:
        """The schools / orgs / OUs / groups a district IT person picks from, as the
        selection settings name them. Raises :class:`~hub.errors.ProviderError` when they
        cannot be read."""
        raise NotImplementedError

    def fetch(self) -> Iterator[Item]:
        """Stream the whole roster: every person the settings select, active or not.

        Yield only :class:`~hub.roster.RosterRecord`, :class:`~hub.roster.Skip` and
        :class:`~hub.roster.Cursor` (anything else fails the run). The engine plans while it
        reads, so stream page by page rather than building a list. What the engine does with
        the stream:

        - A full run deactivates (never deletes) every membership the integration owns whose
          ``external_id`` the stream did not contain, so read to the end or raise
          :class:`~hub.errors.ProviderError`: returning early looks like people who left.
          A run that would deactivate more than ``max_deactivate_percent`` (and more than 5), or
          that returns nobody where there were people, is held for approval.
        - ``external_id`` is the person's stable key within the integration; a changed email
          under the same id updates the account. A second record with an ``external_id``
          already seen in this stream is skipped with a warning (the first one is used).
        - ``roles`` are hub roles, ``student``/``teacher``/``admin``
          (:data:`hub.roster.ROLES`); any other string is dropped silently, and an active
          record left with none is skipped with a warning. ``student`` together with ``teacher`` or
          ``admin`` is an error issue (no account is created; an existing one keeps its roles).
          ``admin`` also gets ``teacher`` when the integration's ``admin_implies_teacher`` is on
          (the hub's setting, never the provider's).
        - An active record needs an email (else it is skipped with a warning); emails are
          compared lower-cased. An inactive record (``active=False``: suspended, archived,
          deleted) deactivates the membership it owns and is never created; it may carry only
          its ``external_id``.
        - A :class:`~hub.roster.Skip` counts as ``skipped`` and becomes an issue with its
          ``severity``. A Skip that names an ``external_id`` says the person is still there:
          a full run does not deactivate that membership. A Skip without one protects nobody.
        - At most one :class:`~hub.roster.Cursor` is expected; if several come, the last one
          wins. It should be the provider's newest change when the read *started*, so changes
          made during the read are read again next time. It is stored only when the run is
          applied (succeeded, or held and approved; never on a dry run) and only if no other
          run moved the integration's cursor in the meantime.
        """
        raise NotImplementedError

    def fetch_linked(self, links: Mapping[str, ProviderSettings]) -> Iterator[LinkedItem]:
        """A district integration's run: walk the provider ONCE and say, for every person,
        which linked schools they belong to and as whom.

        ``links`` maps hub school ids to settings parsed from the integration's settings with
        that link's selection (:attr:`link_keys`) laid over them. Yield a
        :class:`~hub.roster.Routed` per person in at least one linked school (one entry per
        school, with the roles they hold there), a bare :class:`~hub.roster.Skip` for a
        record that cannot be placed in a school (it keeps its external id from being
        deactivated anywhere), and at most one Cursor. The rules of :meth:`fetch` apply to
        each entry as if it were that school's own stream."""
        del links
        msg = f"{self.name}: this provider cannot feed a district (no link settings)"
        raise ConfigError(msg)

    @property
    def incremental(self) -> bool:
        """True when this integration asked for incremental runs (``incremental=true``): the
        engine then calls :meth:`fetch_changes` instead of :meth:`fetch` once a cursor is
        stored, except on a ``--full`` run."""
        return False

    def fetch_changes(self, cursor: str) -> Iterator[Item]:
        """Stream what changed since ``cursor``: changed people (inactive ones deactivate) and
        a new :class:`hub.roster.Cursor`. Raises :class:`hub.errors.CursorExpired` when the
        cursor is too old; the engine then runs a full fetch.

        The rules of :meth:`fetch` apply, except that people absent from a change feed are
        left as they are (nothing is deactivated for not being there). ``cursor`` is the value
        of the last stored Cursor. Yield a new Cursor, or the next run reads the same changes
        again. ``CursorExpired`` may come after items were yielded: they are discarded and the
        full fetch replaces them; any other error fails the run.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release connections; called once after every check and every run (also when it
        failed), and must not raise."""

    @classmethod
    def sandbox(cls, *, seed: int = 0) -> Sandbox | None:
        """A loopback sandbox speaking this provider's protocol, or None (the default).

        Optional, and not part of syncing: only ``rosterhub demo`` and tests call it. Keep the
        sandbox in its own package (``plugins/<name>/sandbox/``, built on :mod:`hub.testing`)
        and import it inside this method, so a sync never loads it.
        """
        return None


def _is_destination(info: FieldInfo) -> bool:
    return any(isinstance(item, SendsSecrets) for item in info.metadata)


def _is_secret(annotation: Any) -> bool:
    """``SecretStr`` itself or a union holding it (``SecretStr | None``)."""
    if annotation is SecretStr:
        return True
    return SecretStr in getattr(annotation, "__args__", ())
