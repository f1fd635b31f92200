"""The one role rule of the hub: which roles a person gets from the roles they were given.

Every way in uses it: a provider's records (:class:`hub.engine.mapping.RoleMapper`), accounts
added by hand (:func:`hub.accounts.hub_roles`) and uploaded files (:mod:`hub.uploads`, where
the Admin sheet names ``admin``). The rules:

- only ``student``, ``teacher`` and ``admin`` count; anything else is dropped;
- an admin is also a teacher unless ``admin_implies_teacher`` is false (an integration setting;
  hand-made accounts and uploads always use the default);
- a student who is also staff (teacher or admin) is refused: the two never mix on one account.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from hub.roster import ADMIN, ROLES, STAFF_ROLES, STUDENT, TEACHER, roles_text

KNOWN_ROLES = frozenset(ROLES)


@dataclass(frozen=True, slots=True)
class RoleConflict:
    """Why a role set cannot be used: nothing known (``empty``), or student mixed with staff."""

    empty: bool
    staff: tuple[str, ...] = ()

    def describe(self) -> str:
        if self.empty:
            return "no student, teacher or admin role"
        return f"student and {' and '.join(self.staff)} at once"


def resolve(
    roles: Iterable[str], *, admin_implies_teacher: bool = True
) -> frozenset[str] | RoleConflict:
    """The roles a person gets from ``roles`` (unknown names dropped), or why none can be."""
    wanted = set(roles) & KNOWN_ROLES
    if ADMIN in wanted and admin_implies_teacher:
        wanted.add(TEACHER)
    if not wanted:
        return RoleConflict(empty=True)
    if STUDENT in wanted and wanted & STAFF_ROLES:
        return RoleConflict(empty=False, staff=tuple(sorted(wanted & STAFF_ROLES)))
    return frozenset(wanted)


@lru_cache(maxsize=64)
def stored_roles(role: str, *, admin_implies_teacher: bool = True) -> str:
    """The stored roles text (sorted, comma-separated) for one named role: ``admin`` ->
    ``admin,teacher``. A single known role never conflicts."""
    resolved = resolve((role,), admin_implies_teacher=admin_implies_teacher)
    if isinstance(resolved, RoleConflict):
        msg = f"unknown role '{role}'"
        raise ValueError(msg)
    return roles_text(resolved)
