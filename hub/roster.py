"""The provider-neutral roster vocabulary: what a provider hands the engine.

A provider turns its API into a stream of :class:`RosterRecord` (one person as the provider sees
them), :class:`Skip` (a record it could not use, with the reason) and at most one
:class:`Cursor` (the position to read changes from next time, for incremental sync).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

STUDENT = "student"
TEACHER = "teacher"
ADMIN = "admin"
ROLES: tuple[str, ...] = (STUDENT, TEACHER, ADMIN)
STAFF_ROLES = frozenset({TEACHER, ADMIN})


@dataclass(frozen=True, slots=True)
class RosterRecord:
    """One person from a provider.

    ``roles`` are hub roles (``student``/``teacher``/``admin``) as the provider's own mapping
    produced them; the hub's mapping then applies ``admin_implies_teacher`` and detects
    student/staff conflicts. ``schools`` are the provider's own school/org/OU ids (for
    filtering and messages only). ``active`` is false for suspended, archived, deleted or
    ``tobedeleted`` people; an inactive record may carry only its ``external_id``.
    ``why`` says where each role came from, in the provider's words (``("admin", "in OU
    /Staff/Administration")``): the hub keeps it with the membership so support can answer
    "why does this person have this role" without asking the provider again.
    """

    external_id: str
    email: str | None
    first_name: str = ""
    last_name: str = ""
    roles: frozenset[str] = frozenset()
    schools: tuple[str, ...] = ()
    active: bool = True
    why: tuple[tuple[str, str], ...] = field(default=(), compare=False)
    """Provenance, not part of who the person is: two records alike but for it are equal."""


@dataclass(frozen=True, slots=True)
class Skip:
    """A record the provider could not turn into a person; becomes a run issue and counts
    as ``skipped``. With an ``external_id`` it also says the person is still there, so a full
    run does not deactivate their membership; without one it protects nobody."""

    message: str
    external_id: str | None = None
    email: str | None = None
    severity: str = "warning"


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where the next incremental run starts reading changes (opaque to the hub). A stream
    yields at most one; if it yields several, the last one wins."""

    value: str


@dataclass(frozen=True, slots=True)
class Routed:
    """One person of a district read, as each linked school sees them: hub school id -> the
    record (or skip) for that school. A person in two linked schools is one Routed with two
    entries (their roles may differ by school); a person in no linked school is not yielded."""

    by_school: dict[str, RosterRecord | Skip]


Item = RosterRecord | Skip | Cursor
LinkedItem = Routed | Skip | Cursor
"""What :meth:`hub.provider.Provider.fetch_linked` yields: a bare Skip is a record that could
not be placed in any school (it protects its external id everywhere, and is reported once)."""


def normalize_email(value: str | None) -> str | None:
    """Emails are compared case-insensitively and stored lower-case, without stray spaces."""
    if value is None:
        return None
    value = value.strip().lower()
    return value or None


def roles_text(roles: Iterable[str]) -> str:
    """Roles as stored: sorted, comma-separated."""
    return ",".join(sorted(set(roles)))


def roles_list(text: str) -> list[str]:
    return [r for r in text.split(",") if r] if text else []


def origin_text(why: dict[str, list[str]]) -> str:
    """The stored provenance of a membership's roles: compact JSON, role -> reasons
    (``{"admin": ["in OU /Staff/Administration (under /Staff, admin_ous)"], ...}``)."""
    return json.dumps(why, separators=(",", ":"), sort_keys=True)


def origin_of(text: str | None) -> dict[str, list[str]]:
    """The provenance stored by :func:`origin_text` (empty for rows written before it was)."""
    if not text:
        return {}
    data = json.loads(text)
    if not isinstance(data, dict):
        return {}
    return {str(k): [str(r) for r in v] for k, v in data.items() if isinstance(v, list)}
