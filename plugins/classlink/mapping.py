"""OneRoster users → hub roster items.

A OneRoster 1.1 user has one ``role``; a 1.2 user has ``roles[]`` (each with ``roleType``,
``role`` and the ``org`` it applies in). Both shapes are read, so a 1.2 rostering root works
too. Guardians, parents, relatives and proctors are not hub people: they are left out without
an issue (a district would otherwise see hundreds of warnings every night). A role we do not
know becomes a warning, so a new vocabulary is noticed rather than silently dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from hub.roster import ADMIN, STUDENT, TEACHER, RosterRecord, Skip, normalize_email

HUB_ROLES: dict[str, str] = {
    "student": STUDENT,
    "teacher": TEACHER,
    "aide": TEACHER,
    "administrator": ADMIN,  # 1.1
    "districtadministrator": ADMIN,  # 1.2
    "siteadministrator": ADMIN,  # 1.2
    "systemadministrator": ADMIN,  # 1.2
    "principal": ADMIN,  # 1.2
}
NOT_PEOPLE = frozenset({"guardian", "parent", "relative", "proctor"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "off"})
INACTIVE_STATUSES = frozenset({"tobedeleted", "inactive"})


def external_id(tenant_id: str, sourced_id: str) -> str:
    """SourcedIds are unique only within one tenant; the tenant id makes them global."""
    return f"{tenant_id}:{sourced_id}"


def is_enabled(value: Any) -> bool:
    """``enabledUser`` is the string ``"true"``/``"false"`` in 1.1 and a boolean in 1.2;
    servers mix them. Missing means enabled."""
    if value is None:
        return True
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in FALSE_WORDS


def is_active(user: dict[str, Any]) -> bool:
    status = str(user.get("status") or "active").strip().lower()
    return status not in INACTIVE_STATUSES and is_enabled(user.get("enabledUser"))


def _ref_id(ref: Any) -> str | None:
    if isinstance(ref, dict):
        value = ref.get("sourcedId")
        return str(value) if value else None
    return None


def user_orgs(user: dict[str, Any]) -> tuple[str, ...]:
    """Every org the user belongs to, in order: 1.1 ``orgs[]``, 1.2 ``roles[].org`` and
    ``primaryOrg``."""
    found: list[str] = []
    refs: list[Any] = list(user.get("orgs") or [])
    refs += [role.get("org") for role in _roles_list(user)]
    refs.append(user.get("primaryOrg"))
    for ref in refs:
        org = _ref_id(ref)
        if org and org not in found:
            found.append(org)
    return tuple(found)


def _roles_list(user: dict[str, Any]) -> list[dict[str, Any]]:
    roles = user.get("roles")
    return [r for r in roles if isinstance(r, dict)] if isinstance(roles, list) else []


def provider_roles(user: dict[str, Any], scope: frozenset[str] | None) -> list[str]:
    """The user's OneRoster role names that apply within ``scope`` (None: everywhere).

    A 1.2 role is tied to one org, so a teacher at school A who is principal at school B is
    only a teacher when the integration syncs school A. A 1.1 role applies in all the user's
    orgs.
    """
    names: list[str] = []
    for entry in _roles_list(user):
        org = _ref_id(entry.get("org"))
        if scope is not None and org is not None and org not in scope:
            continue
        if isinstance(entry.get("role"), str) and entry["role"].strip():
            names.append(entry["role"].strip())
    single = user.get("role")
    if isinstance(single, str) and single.strip():
        names.append(single.strip())
    return names


def in_scope(user: dict[str, Any], scope: frozenset[str] | None) -> bool:
    return scope is None or any(org in scope for org in user_orgs(user))


def map_user(
    user: dict[str, Any], *, tenant_id: str, scope: frozenset[str] | None = None
) -> RosterRecord | Skip | None:
    """One OneRoster user as a hub item; None for people the hub does not hold (guardians,
    parents, …) and for users outside ``scope`` (the selected orgs and their sub-orgs)."""
    sourced_id = str(user.get("sourcedId") or "").strip()
    raw_email = user.get("email") if isinstance(user.get("email"), str) else None
    if not sourced_id:
        return Skip("a ClassLink user has no sourcedId; left out", email=normalize_email(raw_email))
    ext = external_id(tenant_id, sourced_id)
    if not in_scope(user, scope):
        return None
    names = provider_roles(user, scope)
    roles = frozenset(HUB_ROLES[n.lower()] for n in names if n.lower() in HUB_ROLES)
    why = tuple(
        (HUB_ROLES[n.lower()], f"ClassLink role {n}, mapped to {HUB_ROLES[n.lower()]}")
        for n in names
        if n.lower() in HUB_ROLES
    )
    active = is_active(user)
    email = normalize_email(raw_email)
    if not roles:
        unknown = sorted({n for n in names if n.lower() not in NOT_PEOPLE})
        if unknown:
            listed = ", ".join(f"'{n}'" for n in unknown)
            msg = (
                f"ClassLink role {listed} is not a student, teacher or administrator role; left out"
            )
            return Skip(msg, external_id=ext, email=email)
        if names:
            return None  # guardian, parent, relative, proctor
        return Skip("ClassLink user has no role; left out", external_id=ext, email=email)
    schools = _in(user_orgs(user), scope)
    if email is None or "@" not in email:
        if not active:
            # An inactive record needs only its id: the hub deactivates by external id.
            return RosterRecord(
                external_id=ext,
                email=None,
                first_name=_text(user.get("givenName")),
                last_name=_text(user.get("familyName")),
                roles=roles,
                schools=schools,
                active=False,
                why=why,
            )
        if email is None:
            msg = "ClassLink user has no email address; add one in the SIS to sync this person"
        else:
            msg = f"ClassLink user's email '{email}' is not an email address; left out"
        return Skip(msg, external_id=ext, email=None)
    return RosterRecord(
        external_id=ext,
        email=email,
        first_name=_text(user.get("givenName")),
        last_name=_text(user.get("familyName")),
        roles=roles,
        schools=schools,
        active=active,
        why=why,
    )


def _in(orgs: Iterable[str], scope: frozenset[str] | None) -> tuple[str, ...]:
    return tuple(org for org in orgs if scope is None or org in scope)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
