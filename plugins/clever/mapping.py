"""Clever v3 users -> hub roster items.

Clever keeps one user per person with a ``roles`` object: ``student``, ``teacher``, ``staff``,
``district_admin`` and ``contact``. Contacts (parents, guardians) are not people of the hub and
are never yielded. A role counts only when it is at a selected school; district admins hold
district-wide office and have no schools, so they count whatever ``schools`` selects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.errors import ProviderError
from hub.roster import ADMIN, STUDENT, TEACHER, RosterRecord, Routed, Skip, normalize_email

_ROLE_KEYS = (
    ("student", STUDENT),
    ("teacher", TEACHER),
    ("staff", TEACHER),  # or ADMIN: the integration's staff_role decides
    ("district_admin", ADMIN),
)
NO_EMAIL = "no email address in Clever; the district adds one in its SIS (or in Clever) and the next sync picks it up"


@dataclass(frozen=True, slots=True)
class UserMapping:
    """How one integration reads Clever users: what ``staff`` becomes and which schools count."""

    staff_role: str = TEACHER
    schools: frozenset[str] = frozenset()

    def roles_of(self, user: Mapping[str, Any]) -> tuple[frozenset[str], tuple[str, ...]]:
        """The hub roles and Clever school ids of a user, counting only roles held at a
        selected school (or district-wide)."""
        roles, schools, _why = self.explained(user)
        return roles, schools

    def explained(
        self, user: Mapping[str, Any]
    ) -> tuple[frozenset[str], tuple[str, ...], tuple[tuple[str, str], ...]]:
        """:meth:`roles_of` with where each hub role came from (the Clever role, and the
        setting that mapped it)."""
        roles = user.get("roles")
        if not isinstance(roles, dict):
            return frozenset(), (), ()
        selected = self.schools
        hub_roles: set[str] = set()
        why: list[tuple[str, str]] = []
        schools: list[str] = []
        for key, hub_role in _ROLE_KEYS:
            info = roles.get(key)
            if not isinstance(info, dict):
                continue
            held_at = _schools(info)
            if key == "district_admin":
                hub_roles.add(ADMIN)
                why.append((ADMIN, "Clever role district_admin"))
                continue
            if selected and selected.isdisjoint(held_at):
                continue
            role = self.staff_role if key == "staff" else hub_role
            hub_roles.add(role)
            why.append((role, _reason(key, role, held_at)))
            for school in held_at:
                if school not in schools:
                    schools.append(school)
        return frozenset(hub_roles), tuple(schools), tuple(why)

    def record(self, user: Mapping[str, Any]) -> RosterRecord | Skip | None:
        """A current user: a record, a Skip (unusable), or None (not a person of this
        integration: a contact, or nobody at the selected schools)."""
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            return Skip("Clever sent a user without an id")
        roles, schools, why = self.explained(user)
        if not roles:
            return None
        email = _email(user)
        if email is None:
            return Skip(NO_EMAIL, external_id=user_id)
        first, last = _names(user)
        return RosterRecord(
            external_id=user_id,
            email=email,
            first_name=first,
            last_name=last,
            roles=roles,
            schools=schools,
            why=why,
        )

    def gone(self, user: Mapping[str, Any]) -> RosterRecord | None:
        """An inactive record for a user Clever deleted or who left the selected schools."""
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            return None
        roles, schools = self.roles_of(user)
        first, last = _names(user)
        return RosterRecord(
            external_id=user_id,
            email=_email(user),
            first_name=first,
            last_name=last,
            roles=roles,
            schools=schools,
            active=False,
        )


@dataclass(frozen=True, slots=True)
class DistrictMapping:
    """How a district integration places Clever users in its linked hub schools: each
    Clever school id leads to the hub schools whose link selects it (``index``); a role
    counts at a hub school when it is held at one of that link's Clever schools. District
    admins hold district-wide office, so they are admins at every linked school."""

    staff_role: str
    index: dict[str, tuple[str, ...]]
    everywhere: tuple[str, ...]

    def routed(self, user: Mapping[str, Any]) -> Routed | Skip | None:
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            return Skip("Clever sent a user without an id")
        roles = user.get("roles")
        if not isinstance(roles, dict):
            return None
        index = self.index
        placed: dict[str, list[tuple[str, str]]] = {}
        held: list[str] = []
        for key, hub_role in _ROLE_KEYS:
            info = roles.get(key)
            if not isinstance(info, dict):
                continue
            role = self.staff_role if key == "staff" else hub_role
            if key == "district_admin":
                targets: Any = self.everywhere
                reason = "Clever role district_admin"
            else:
                at = _schools(info)
                held.extend(school for school in at if school not in held)
                targets = [hub for school in at for hub in index.get(school, ())]
                reason = _reason(key, role, at)
            for hub_school in targets:
                found = placed.get(hub_school)
                if found is None:
                    placed[hub_school] = [(role, reason)]
                elif (role, reason) not in found:
                    found.append((role, reason))
        if not placed:
            return None
        email = _email(user)
        if email is None:
            return Routed(dict.fromkeys(placed, Skip(NO_EMAIL, external_id=user_id)))
        first, last = _names(user)
        schools = tuple(held)
        # schools that see the person alike share one record (the hub maps it once)
        made: dict[tuple[tuple[str, str], ...], RosterRecord] = {}
        by_school: dict[str, RosterRecord | Skip] = {}
        for hub_school, found in placed.items():
            why = tuple(found)
            record = made.get(why)
            if record is None:
                record = made[why] = RosterRecord(
                    external_id=user_id,
                    email=email,
                    first_name=first,
                    last_name=last,
                    roles=frozenset(role for role, _ in why),
                    schools=schools,
                    why=why,
                )
            by_school[hub_school] = record
        return Routed(by_school)


def _reason(key: str, role: str, held_at: list[str]) -> str:
    at = f" at Clever school {', '.join(held_at)}" if held_at else ""
    if key == "staff":
        return f"Clever role staff{at}, mapped to {role} by staff_role={role}"
    return f"Clever role {key}{at}"


def _schools(info: dict[str, Any]) -> list[str]:
    """``school`` (primary) and ``schools`` (all), in that order, without repeats."""
    found: list[str] = []
    primary = info.get("school")
    if isinstance(primary, str) and primary:
        found.append(primary)
    others = info.get("schools")
    if isinstance(others, list):
        for school in others:
            if isinstance(school, str) and school and school not in found:
                found.append(school)
    return found


def _email(user: Mapping[str, Any]) -> str | None:
    value = user.get("email")
    return normalize_email(value) if isinstance(value, str) else None


def _names(user: Mapping[str, Any]) -> tuple[str, str]:
    name = user.get("name")
    if not isinstance(name, dict):
        return "", ""
    first = name.get("first")
    last = name.get("last")
    return (
        first.strip() if isinstance(first, str) else "",
        last.strip() if isinstance(last, str) else "",
    )


def unwrap(item: Any) -> dict[str, Any]:
    """``{"data": {...}, "uri": ...}`` -> the object."""
    if isinstance(item, dict) and isinstance(item.get("data"), dict):
        return item["data"]
    msg = "Clever sent a list item that is not an object envelope"
    raise ProviderError(msg)
