"""One small family of errors, classified by what the caller should do with them.

Messages never contain tokens, passwords or student data beyond an id or an email. A single
record a provider cannot use is not an error at all: the provider yields a
:class:`hub.roster.Skip` and the run goes on.
"""

from __future__ import annotations


class HubError(Exception):
    """Base of every error the hub raises on purpose. ``str(err)`` is safe to show a person."""

    exit_code = 1


class UsageError(HubError):
    """The request names something that does not exist or an option that makes no sense."""

    exit_code = 2


class Conflict(UsageError):
    """The request cannot be carried out in the current state of things (approving a run
    whose plan a newer run or newer data has superseded). The API answers 409."""


class ConfigError(UsageError):
    """An integration setting is missing or invalid; the message names the setting."""


class Unavailable(HubError):
    """Something the hub needs (the run queue) cannot be reached right now. Nothing was done;
    asking again once it is back works. The API answers 503."""


class ProviderError(HubError):
    """The provider answered in a way retrying will not fix (bad credentials, 404, bad JSON).

    Fatal for the run: nothing from a half-read roster is applied.
    """


class RetriableProviderError(ProviderError):
    """A passing fault (429, 5xx, timeout). Provider clients retry these, bounded, and raise
    them only when the retries are spent."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class CursorExpired(ProviderError):
    """The stored incremental cursor is missing or older than the provider keeps changes for;
    the engine falls back to a full run."""
