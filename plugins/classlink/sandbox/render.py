"""How the tenant's people and orgs are served under each root: OneRoster 1.1 records under
``/ims/oneroster/v1p1``, 1.2 records under ``/ims/oneroster/rostering/v1p2``.

The tenant keeps people the way SIS exports come (1.1-style ``role``/``orgs`` or 1.2-style
``roles[]``, ``enabledUser`` as text or a boolean, an email that may be missing). What goes out
is what each binding allows: one ``role`` (1.1 vocabulary) and ``orgs`` in 1.1, ``roles[]`` of
``{roleType, role, org}`` and ``primaryOrg`` in 1.2, ``enabledUser`` as ``"true"``/``"false"``,
references as GUIDRefs whose ``href`` is under the root asked, and optional fields left out
rather than null. A 1.2 role with no 1.1 word (``counselor``) cannot be said in 1.1: such a
person is not served under the 1.1 root.
"""

from __future__ import annotations

from typing import Any

ROOTS = ("/ims/oneroster/v1p1", "/ims/oneroster/rostering/v1p2")
V11, V12 = ROOTS

ROLE_IN_11 = {
    "administrator": "administrator",
    "districtAdministrator": "administrator",
    "siteAdministrator": "administrator",
    "systemAdministrator": "administrator",
    "principal": "administrator",
    "aide": "aide",
    "guardian": "guardian",
    "parent": "parent",
    "proctor": "proctor",
    "relative": "relative",
    "student": "student",
    "teacher": "teacher",
}
"""1.2 role -> 1.1 RoleType (1.1 has one ``administrator`` for every kind of admin)."""

_COMMON = (
    "sourcedId", "status", "dateLastModified", "metadata", "username", "userIds",
    "givenName", "familyName", "middleName", "identifier", "email", "sms", "phone", "grades",
)  # fmt: skip
_ONLY_12 = ("userMasterIdentifier",)
_FALSE = frozenset({"false", "0", "no", "n", "off"})


def ref(base: str, sourced_id: str, kind: str = "org") -> dict[str, str]:
    """A GUIDRef to ``sourced_id`` under ``base`` (the root URL the request came to)."""
    return {"href": f"{base}/{kind}s/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def assignments(user: dict[str, Any], org_types: dict[str, str]) -> list[tuple[str, str, str]]:
    """``(roleType, 1.2 role, org sourcedId)`` for each role the person holds; a 1.1 role
    applies in every org (the first is primary), and a 1.1 ``administrator`` is a district
    or site administrator by the kind of org."""
    roles = user.get("roles")
    if isinstance(roles, list):
        return [
            (str(r.get("roleType", "primary")), str(r.get("role")), str(r["org"]["sourcedId"]))
            for r in roles
            if isinstance(r, dict) and isinstance(r.get("org"), dict)
        ]
    role = str(user.get("role") or "")
    orgs = [str(o["sourcedId"]) for o in user.get("orgs") or [] if isinstance(o, dict)]
    found = []
    for position, org in enumerate(dict.fromkeys(orgs)):
        word = role
        if role == "administrator":
            district = org_types.get(org) == "district"
            word = "districtAdministrator" if district else "siteAdministrator"
        found.append(("primary" if position == 0 else "secondary", word, org))
    return found


def enabled_text(value: Any) -> str:
    """``enabledUser`` as the binding sends it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "true"
    return "false" if str(value).strip().lower() in _FALSE else "true"


def user_for(
    user: dict[str, Any], root: str, base: str, org_types: dict[str, str]
) -> dict[str, Any] | None:
    """The person as ``root`` serves it, or None when that binding cannot express them."""
    held = assignments(user, org_types)
    primary = next((a for a in held if a[0] == "primary"), held[0] if held else None)
    if primary is None:
        return None
    shown: dict[str, Any] = {
        key: user[key] for key in _COMMON if key in user and user[key] is not None
    }
    if "username" not in shown:
        shown["username"] = str(user.get("email") or user["sourcedId"]).split("@")[0].lower()
    shown["enabledUser"] = enabled_text(user.get("enabledUser"))
    shown["agents"] = [ref(base, str(a["sourcedId"]), "user") for a in user.get("agents") or []]
    if root == V11:
        role = ROLE_IN_11.get(primary[1])
        if role is None:
            return None
        shown["role"] = role
        shown["orgs"] = [ref(base, org) for org in dict.fromkeys(org for _, _, org in held)]
        return shown
    shown.update({key: user[key] for key in _ONLY_12 if user.get(key) is not None})
    shown["roles"] = [
        {
            "roleType": "primary" if a is primary else "secondary",
            "role": a[1],
            "org": ref(base, a[2]),
        }
        for a in held
    ]
    shown["primaryOrg"] = ref(base, primary[2])
    return shown


def org_for(org: dict[str, Any], base: str) -> dict[str, Any]:
    """An org as either root serves it (orgs are the same in 1.1 and 1.2)."""
    shown = {key: value for key, value in org.items() if value is not None}
    if isinstance(org.get("parent"), dict):
        shown["parent"] = ref(base, str(org["parent"]["sourcedId"]))
    shown["children"] = [ref(base, str(c["sourcedId"])) for c in org.get("children") or []]
    return shown
