"""Who is acting, and which schools they may touch.

Every surface turns its caller into an :class:`Actor` before calling a service that writes
accounts: the CLI operator and a ``district_it`` token may touch every school, a
``school_admin`` token only its own, and a chat school admin only the schools where their
verified email is an active admin. The service checks *each* school it is about to write or
describe against the actor, so one school's admin can neither write to another school nor learn
anything about it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """``name`` is what the audit log records; ``schools`` None means every school."""

    name: str
    schools: frozenset[str] | None = None

    @classmethod
    def everywhere(cls, name: str) -> Actor:
        """An operator who may touch any school (the CLI, a district_it token)."""
        return cls(name, None)

    @classmethod
    def at(cls, name: str, school_ids: Iterable[str]) -> Actor:
        """Someone who may touch only ``school_ids`` (a school admin)."""
        return cls(name, frozenset(school_ids))

    @property
    def restricted(self) -> bool:
        return self.schools is not None

    def may_touch(self, school_id: str) -> bool:
        return self.schools is None or school_id in self.schools


def as_actor(actor: Actor | str | None) -> Actor:
    """Callers that pass only an audit name (the CLI, tests, scripts) act as an operator; the
    restricted surfaces (the HTTP API, chat) always pass an :class:`Actor`."""
    if isinstance(actor, Actor):
        return actor
    return Actor.everywhere(actor or "unknown")
