"""Role mapping: a provider's :class:`~hub.roster.RosterRecord` becomes the hub roles, names and
email an integration would store, plus a hash of that normalized record.

The hash is what makes an unchanged resync a comparison instead of a write: the engine stores
it on the membership and compares it with the next run's hash before looking at anything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import blake2b

from hub.roles import RoleConflict, resolve
from hub.roster import (
    ADMIN,
    TEACHER,
    RosterRecord,
    normalize_email,
    origin_text,
    roles_text,
)
from hub.text import control_problem, has_control


@dataclass(frozen=True, slots=True)
class Mapped:
    """A record as the hub stores it. ``roles`` is the stored text (sorted, comma-separated)."""

    external_id: str
    email: str
    first_name: str
    last_name: str
    roles: str
    active: bool
    hash: str
    why: tuple[tuple[str, str], ...] = ()
    """The provider's reasons for the roles (:attr:`RosterRecord.why`); the planner turns
    them into the stored origin (:meth:`RoleMapper.origin`) only for rows it writes."""


IMPLIED = "admin implies teacher (admin_implies_teacher=true)"


@dataclass(frozen=True, slots=True)
class Rejected:
    """A record the mapping refuses; the engine turns it into an issue and counts it skipped.
    ``conflict`` marks the student-and-staff case, where an existing account keeps its roles."""

    message: str
    severity: str
    conflict: bool = False


def record_hash(*, email: str, first_name: str, last_name: str, roles: str, active: bool) -> str:
    """A 16-byte blake2b digest (hex) of the normalized fields an integration writes."""
    text = f"{email}\x1f{first_name}\x1f{last_name}\x1f{roles}\x1f{'1' if active else '0'}"
    return blake2b(text.encode("utf-8"), digest_size=16).hexdigest()


class RoleMapper:
    """Maps records for one integration. Role sets repeat endlessly in a roster, so each
    distinct provider role set is resolved once and remembered."""

    def __init__(self, *, admin_implies_teacher: bool = True) -> None:
        self.admin_implies_teacher = admin_implies_teacher
        self._roles: dict[frozenset[str], str | Rejected] = {}
        self._origins: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}

    def roles(self, provider_roles: frozenset[str]) -> str | Rejected:
        """The stored roles text for a provider role set, or why it cannot be used."""
        found = self._roles.get(provider_roles)
        if found is None:
            found = self._resolve(provider_roles)
            self._roles[provider_roles] = found
        return found

    def _resolve(self, provider_roles: frozenset[str]) -> str | Rejected:
        roles = resolve(provider_roles, admin_implies_teacher=self.admin_implies_teacher)
        if isinstance(roles, RoleConflict):
            if roles.empty:
                return Rejected(f"{roles.describe()}; not synced", "warning")
            return Rejected(
                f"maps to {roles.describe()}; fix the roles in the provider",
                "error",
                conflict=True,
            )
        return roles_text(roles)

    def origin(self, roles: str, why: tuple[tuple[str, str], ...]) -> str:
        """The provenance text of a stored role set from the provider's reasons (a roster
        repeats a handful of them, so each is built once)."""
        key = (roles, why)
        found = self._origins.get(key)
        if found is None:
            held = roles.split(",") if roles else []
            reasons: dict[str, list[str]] = {role: [] for role in held}
            for role, reason in why:
                if role in reasons and reason not in reasons[role]:
                    reasons[role].append(reason)
            if TEACHER in reasons and ADMIN in reasons and not reasons[TEACHER]:
                reasons[TEACHER].append(IMPLIED)
            found = origin_text(reasons)
            self._origins[key] = found
        return found

    def map(self, record: RosterRecord) -> Mapped | Rejected:
        """Normalize one record. Inactive records are mapped too (they carry what is known);
        only an active record needs an email and a usable role set. A record with a control
        character in a field it would store is refused (see :mod:`hub.text`): one bad record
        is skipped, it never fails the run."""
        text = f"{record.external_id}{record.email or ''}{record.first_name}{record.last_name}"
        if has_control(text):
            return _unstorable(record)
        email = normalize_email(record.email)
        roles = self.roles(record.roles)
        if record.active:
            if isinstance(roles, Rejected):
                return roles
            if email is None:
                return Rejected("no email address; not synced", "warning")
        elif isinstance(roles, Rejected):
            roles = ""
        first = record.first_name.strip() if record.first_name else ""
        last = record.last_name.strip() if record.last_name else ""
        email = email or ""
        return Mapped(
            external_id=record.external_id,
            email=email,
            first_name=first,
            last_name=last,
            roles=roles,
            active=record.active,
            hash=record_hash(
                email=email, first_name=first, last_name=last, roles=roles, active=record.active
            ),
            why=record.why,
        )


def _unstorable(record: RosterRecord) -> Rejected:
    fields = (
        ("external id", record.external_id),
        ("email", record.email or ""),
        ("first name", record.first_name),
        ("last name", record.last_name),
    )
    for name, value in fields:
        problem = control_problem(value)
        if problem:
            message = f"the {name} from the provider {problem}; not synced (fix it in the provider)"
            return Rejected(message, "warning")
    return Rejected(
        "the record from the provider contains a control character; not synced", "warning"
    )


def map_record(record: RosterRecord, *, admin_implies_teacher: bool = True) -> Mapped | Rejected:
    """Map a single record (convenience for callers outside the engine's hot path)."""
    return RoleMapper(admin_implies_teacher=admin_implies_teacher).map(record)
