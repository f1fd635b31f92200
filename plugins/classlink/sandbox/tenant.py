"""A generated OneRoster tenant for the sandbox: one district, three schools and a seeded
population, plus the awkward people a sync must get right (people in several schools,
guardians, aides, ``tobedeleted`` and disabled users, people with 1.2 per-org roles such as a
principal who also teaches elsewhere or a counselor, a user without an email).

People are kept as an SIS export describes them (1.1-style ``role``/``orgs`` or 1.2-style
``roles[]``, ``enabledUser`` as text or a boolean); :mod:`plugins.classlink.sandbox.render`
turns them into the records each root serves, which the OneRoster bindings allow.

The same seed always builds the same tenant, so demos and tests are reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

PREFIX = "/ims/oneroster/v1p1"
EPOCH = datetime(2024, 1, 8, 6, 0, 0, tzinfo=UTC)
DOMAIN = "cedarvalley.example.org"

DISTRICT = "org-cedar-valley"
ELM = "org-elm-elementary"
OAK = "org-oak-middle"
PINE = "org-pine-high"
SCHOOLS = (ELM, OAK, PINE)

FIRST = (
    "Ada", "Grace", "Alan", "Katherine", "Edsger", "Barbara", "Donald", "Frances", "John",
    "Margaret", "Dennis", "Radia", "Niklaus", "Hedy", "Tim", "Sophie", "Linus", "Annie",
    "Ken", "Mary", "Guido", "Evelyn", "Bjarne", "Joan",
)  # fmt: skip
LAST = (
    "Lovelace", "Hopper", "Turing", "Johnson", "Dijkstra", "Liskov", "Knuth", "Allen",
    "Backus", "Hamilton", "Ritchie", "Perlman", "Wirth", "Lamarr", "Berners", "Wilson",
    "Torvalds", "Easley", "Thompson", "Keller", "Rossum", "Boyd", "Stroustrup", "Clarke",
)  # fmt: skip


def stamp(moment: datetime) -> str:
    """OneRoster date-times: UTC with milliseconds."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def ref(sourced_id: str, kind: str = "org", collection: str = "orgs") -> dict[str, str]:
    return {"href": f"{PREFIX}/{collection}/{sourced_id}", "sourcedId": sourced_id, "type": kind}


def _org(sid: str, name: str, kind: str, identifier: str, parent: str | None) -> dict[str, Any]:
    return {
        "sourcedId": sid,
        "status": "active",
        "dateLastModified": stamp(EPOCH),
        "metadata": {},
        "name": name,
        "type": kind,
        "identifier": identifier,
        "parent": ref(parent) if parent else None,
        "children": [],
    }


def _orgs() -> list[dict[str, Any]]:
    orgs = [
        _org(DISTRICT, "Cedar Valley Unified", "district", "0612340", None),
        _org(ELM, "Elm Street Elementary", "school", "061234000101", DISTRICT),
        _org(OAK, "Oak Ridge Middle", "school", "061234000102", DISTRICT),
        _org(PINE, "Pine Hill High", "school", "061234000103", DISTRICT),
    ]
    orgs[0]["children"] = [ref(sid) for sid in SCHOOLS]
    return orgs


def user_11(
    sid: str,
    *,
    role: str,
    orgs: list[str],
    first: str,
    last: str,
    email: str | None,
    modified: datetime = EPOCH,
    enabled: Any = "true",
    status: str = "active",
) -> dict[str, Any]:
    """A OneRoster 1.1 user record."""
    return {
        "sourcedId": sid,
        "status": status,
        "dateLastModified": stamp(modified),
        "metadata": {},
        "username": (email or f"{first}.{last}").split("@")[0].lower(),
        "userIds": [{"type": "SIS", "identifier": sid.upper()}],
        "enabledUser": enabled,
        "givenName": first,
        "familyName": last,
        "middleName": "",
        "role": role,
        "identifier": sid.upper(),
        "email": email,
        "sms": "",
        "phone": "",
        "agents": [],
        "orgs": [ref(org) for org in orgs],
        "grades": [],
    }


def user_12(
    sid: str,
    *,
    roles: list[tuple[str, str, str]],
    first: str,
    last: str,
    email: str | None,
    modified: datetime = EPOCH,
    enabled: Any = True,
) -> dict[str, Any]:
    """A OneRoster 1.2-style user: ``roles[]`` of (roleType, role, org), a boolean
    ``enabledUser`` and a ``primaryOrg``; no single ``role`` and no ``orgs``."""
    primary = next((org for kind, _, org in roles if kind == "primary"), roles[0][2])
    return {
        "sourcedId": sid,
        "status": "active",
        "dateLastModified": stamp(modified),
        "metadata": {},
        "userMasterIdentifier": sid.upper(),
        "username": (email or sid).split("@")[0].lower(),
        "userIds": [],
        "enabledUser": enabled,
        "givenName": first,
        "familyName": last,
        "roles": [{"roleType": kind, "role": role, "org": ref(org)} for kind, role, org in roles],
        "primaryOrg": ref(primary),
        "email": email,
        "agents": [],
        "grades": [],
    }


def _specials() -> list[dict[str, Any]]:
    mail = f"@{DOMAIN}"
    return [
        user_11("multi-school-teacher", role="teacher", orgs=[ELM, OAK], first="Rosa",
                last="Parks", email=f"rosa.parks{mail}"),
        user_11("aide-elm", role="aide", orgs=[ELM], first="Carl", last="Sagan",
                email=f"carl.sagan{mail}"),
        user_11("admin-oak", role="administrator", orgs=[OAK], first="Jane",
                last="Goodall", email=f"Jane.Goodall{mail}"),
        user_11("admin-district", role="administrator", orgs=[DISTRICT], first="Alan",
                last="Kay", email=f"alan.kay{mail}"),
        user_12("principal-pine", roles=[("primary", "principal", PINE),
                                         ("secondary", "teacher", OAK)],
                first="Marie", last="Curie", email=f"marie.curie{mail}"),
        user_12("site-admin-elm", roles=[("primary", "siteAdministrator", ELM)],
                first="Nikola", last="Tesla", email=f"nikola.tesla{mail}", enabled="true"),
        user_11("guardian-1", role="guardian", orgs=[ELM], first="Gail", last="Guard",
                email="gail.guard@home.example.com"),
        user_11("parent-1", role="parent", orgs=[OAK], first="Pat", last="Parent",
                email="pat.parent@home.example.com"),
        user_11("relative-1", role="relative", orgs=[PINE], first="Rey", last="Relative",
                email="rey.relative@home.example.com"),
        user_11("proctor-1", role="proctor", orgs=[PINE], first="Pru", last="Proctor",
                email=f"pru.proctor{mail}"),
        user_12("counselor-pine", roles=[("primary", "counselor", PINE)], first="Carl",
                last="Rogers", email=f"carl.rogers{mail}"),
        user_11("student-no-email", role="student", orgs=[ELM], first="Nora", last="Nomail",
                email=None),
        user_11("student-gone", role="student", orgs=[OAK], first="Gus", last="Gone",
                email=f"gus.gone{mail}", status="tobedeleted"),
        user_11("student-gone-no-email", role="student", orgs=[PINE], first="Vera",
                last="Vanished", email=None, status="tobedeleted"),
        user_11("teacher-disabled-text", role="teacher", orgs=[PINE], first="Dora",
                last="Disabled", email=f"dora.disabled{mail}", enabled="false"),
        user_11("student-disabled-bool", role="student", orgs=[ELM], first="Bo",
                last="Boolean", email=f"bo.boolean{mail}", enabled=False),
    ]  # fmt: skip


@dataclass
class Tenant:
    orgs: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)


def build_tenant(*, seed: int = 0, people: int = 40) -> Tenant:
    """``people`` generated students and teachers (about one in five a teacher) plus the
    fixed awkward records."""
    rng = random.Random(seed)
    users = _specials()
    for number in range(1, people + 1):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        role = "teacher" if rng.random() < 0.2 else "student"
        local = f"{first}.{last}{number}"
        email = f"{local.lower() if number % 7 else local}@{DOMAIN}"  # some in mixed case
        modified = EPOCH + timedelta(seconds=rng.randrange(0, 86_400 * 30))
        users.append(
            user_11(
                f"u{seed:02d}{number:05d}",
                role=role,
                orgs=[rng.choice(SCHOOLS)],
                first=first,
                last=last,
                email=email,
                modified=modified,
                enabled="true" if number % 2 else True,
            )
        )
    return Tenant(orgs=_orgs(), users=users)
