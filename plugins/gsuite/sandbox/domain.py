"""A generated Google Workspace domain for the sandbox: the OU tree, users and groups a
school district typically has, with the awkward cases a sync must get right.

The layout (counts grow with nothing; names and ids vary with ``seed``)::

    /                              the super admin the sync acts as
    /Students                      2 students not yet placed in a year OU
    /Students/2025, /Students/2026 10 students each (one suspended in 2025)
    /Students-Graduated            3 former students (a prefix of /Students, not under it)
    /Staff                         8 teachers (one archived)
    /Staff/Administration          2 school administrators
    /Operations                    a custodian, the IT director and two coaches

    teachers@      2 /Staff teachers and the group coaches@ (nested)
    coaches@       the two coaches and one 2026 student (a student who is also staff)
    it-admins@     the IT director and a vendor outside the domain
    everyone@      the whole customer (a CUSTOMER member)
    student-council@  three students

Each user carries a ``label`` (``student``, ``teacher``, ``coach``, ...) so tests can find the
interesting ones without relying on generated names.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

FIRST_NAMES = (
    "Ada Grace Alan Katherine Edsger Barbara Donald Margaret Dennis Frances John Radia Ken "
    "Hedy Linus Annie Tim Karen Guido Shafi Niklaus Sophie Vint Evelyn Claude Mary Leslie "
    "Jean Robin Lynn Whitfield Adele Butler Joan Marvin Carol Seymour Anita Leonard Fran"
).split()
LAST_NAMES = (
    "Lovelace Hopper Turing Johnson Dijkstra Liskov Knuth Hamilton Ritchie Allen Backus "
    "Perlman Thompson Lamarr Torvalds Easley Berners-Lee Jones Rossum Goldwasser Wirth Wilson "
    "Cerf Berezin Shannon Keller Lamport Sammet Milner Conway Diffie Goldberg Lampson Clarke "
    "Minsky Shaw Papert Borg Kleinrock Allen"
).split()


@dataclass
class User:
    id: str
    email: str
    given_name: str
    family_name: str
    ou: str
    label: str
    suspended: bool = False
    archived: bool = False
    is_admin: bool = False

    def resource(self, customer_id: str) -> dict[str, object]:
        """The user as users.list returns it (projection=basic)."""
        return {
            "kind": "admin#directory#user",
            "id": self.id,
            "etag": f'"{self.id[-8:]}"',
            "primaryEmail": self.email,
            "name": {
                "givenName": self.given_name,
                "familyName": self.family_name,
                "fullName": f"{self.given_name} {self.family_name}",
            },
            "isAdmin": self.is_admin,
            "isDelegatedAdmin": False,
            "agreedToTerms": True,
            "suspended": self.suspended,
            "archived": self.archived,
            "changePasswordAtNextLogin": False,
            "ipWhitelisted": False,
            "emails": [{"address": self.email, "primary": True}],
            "customerId": customer_id,
            "orgUnitPath": self.ou,
            "isMailboxSetup": True,
            "includeInGlobalAddressList": True,
        }


@dataclass
class OrgUnit:
    path: str
    id: str
    description: str = ""

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def parent(self) -> str:
        return self.path.rsplit("/", 1)[0] or "/"

    def resource(self, ids: dict[str, str]) -> dict[str, object]:
        return {
            "kind": "admin#directory#orgUnit",
            "etag": f'"{self.id[-6:]}"',
            "name": self.name,
            "description": self.description,
            "orgUnitPath": self.path,
            "orgUnitId": self.id,
            "parentOrgUnitPath": self.parent,
            "parentOrgUnitId": ids.get(self.parent, "id:root"),
            "blockInheritance": False,
        }


@dataclass
class Member:
    id: str
    email: str | None
    type: str  # USER, GROUP or CUSTOMER
    role: str = "MEMBER"
    status: str = "ACTIVE"

    def resource(self) -> dict[str, object]:
        data: dict[str, object] = {
            "kind": "admin#directory#member",
            "etag": f'"{self.id[-6:]}"',
            "id": self.id,
            "role": self.role,
            "type": self.type,
            "status": self.status,
        }
        if self.email:
            data["email"] = self.email
        return data


@dataclass
class Group:
    id: str
    email: str
    name: str
    description: str = ""
    members: list[Member] = field(default_factory=list)

    def resource(self) -> dict[str, object]:
        return {
            "kind": "admin#directory#group",
            "id": self.id,
            "etag": f'"{self.id[-6:]}"',
            "email": self.email,
            "name": self.name,
            "directMembersCount": str(len(self.members)),
            "description": self.description,
            "adminCreated": True,
        }


class Domain:
    """The sandbox's directory; mutate it between runs with the helper methods."""

    def __init__(self, *, seed: int = 0) -> None:
        self.rng = random.Random(seed)
        self.name = f"district{seed}.example.edu"
        self.customer_id = f"C0{self.rng.randrange(16**7):07x}"
        self.users: dict[str, User] = {}
        self.orgunits: dict[str, OrgUnit] = {}
        self.groups: dict[str, Group] = {}
        self._taken: set[str] = set()
        self._build()

    # -- generation -------------------------------------------------------------------------
    def _id(self, digits: int = 21) -> str:
        return str(self.rng.randrange(10 ** (digits - 1), 10**digits))

    def _build(self) -> None:
        for path, description in (
            ("/Students", "All students"),
            ("/Students/2025", "Class of 2025"),
            ("/Students/2026", "Class of 2026"),
            ("/Students-Graduated", "Former students kept for records"),
            ("/Staff", "Teaching staff"),
            ("/Staff/Administration", "Principals and office"),
            ("/Operations", "Facilities, IT and athletics"),
        ):
            self.add_orgunit(path, description=description)
        self.admin = self.add_user("/", label="super-admin", given="Sync", family="Admin")
        self.admin.is_admin = True
        for _ in range(2):
            self.add_user("/Students", label="student")
        for year in ("2025", "2026"):
            for _ in range(10):
                self.add_user(f"/Students/{year}", label="student")
        for _ in range(3):
            self.add_user("/Students-Graduated", label="graduate")
        for _ in range(8):
            self.add_user("/Staff", label="teacher")
        for _ in range(2):
            self.add_user("/Staff/Administration", label="school-admin")
        self.add_user("/Operations", label="custodian")
        director = self.add_user("/Operations", label="it-director")
        coaches = [self.add_user("/Operations", label="coach") for _ in range(2)]

        self.by_label("student", ou="/Students/2025")[3].suspended = True
        self.by_label("teacher")[5].archived = True
        student_coach = self.by_label("student", ou="/Students/2026")[4]
        student_coach.label = "student-coach"

        coach_group = self.add_group("coaches", "Coaches")
        for user in [*coaches, student_coach]:
            self.add_member(coach_group.email, user.email)
        teachers = self.add_group("teachers", "All teachers")
        for user in self.by_label("teacher")[:2]:
            self.add_member(teachers.email, user.email)
        self.add_member(teachers.email, coach_group.email)
        it_admins = self.add_group("it-admins", "IT administrators")
        self.add_member(it_admins.email, director.email)
        it_admins.members.append(
            Member(id=self._id(), email="support@vendor.example.com", type="USER", status="UNKNOWN")
        )
        everyone = self.add_group("everyone", "Everyone")
        everyone.members.append(Member(id=self.customer_id, email=None, type="CUSTOMER"))
        council = self.add_group("student-council", "Student council")
        for user in self.by_label("student", ou="/Students/2026")[:3]:
            self.add_member(council.email, user.email)

    # -- reading ----------------------------------------------------------------------------
    def by_label(self, label: str, *, ou: str | None = None) -> list[User]:
        return [u for u in self.users.values() if u.label == label and (ou is None or u.ou == ou)]

    def user(self, key: str) -> User:
        """A user by id or email."""
        key = key.lower()
        for user in self.users.values():
            if user.id == key or user.email == key:
                return user
        raise KeyError(key)

    def group(self, key: str) -> Group | None:
        key = key.lower()
        for group in self.groups.values():
            if group.id == key or group.email == key:
                return group
        return None

    def derived_members(self, group: Group) -> list[Member]:
        """Direct members plus, for member groups, their members (what
        ``includeDerivedMembership=true`` lists); each member once."""
        found: dict[str, Member] = {}
        pending = [group]
        visited: set[str] = set()
        while pending:
            current = pending.pop(0)
            if current.id in visited:
                continue
            visited.add(current.id)
            for member in current.members:
                found.setdefault(member.id, member)
                if member.type == "GROUP":
                    nested = self.group(member.id)
                    if nested is not None:
                        pending.append(nested)
        return list(found.values())

    # -- changing ---------------------------------------------------------------------------
    def add_orgunit(self, path: str, *, description: str = "") -> OrgUnit:
        unit = OrgUnit(
            path=path, id=f"id:0{self.rng.randrange(16**9):09x}", description=description
        )
        self.orgunits[path] = unit
        return unit

    def add_user(
        self,
        ou: str,
        *,
        label: str,
        given: str | None = None,
        family: str | None = None,
        email: str | None = None,
    ) -> User:
        if ou != "/" and ou not in self.orgunits:
            raise KeyError(ou)
        given = given or self.rng.choice(FIRST_NAMES)
        family = family or self.rng.choice(LAST_NAMES)
        if email is None:
            base = f"{given}.{family}".lower().replace(" ", "")
            email = f"{base}@{self.name}"
            number = 2
            while email in self._taken:
                email = f"{base}{number}@{self.name}"
                number += 1
        user = User(
            id=self._id(),
            email=email.lower(),
            given_name=given,
            family_name=family,
            ou=ou,
            label=label,
        )
        self._taken.add(user.email)
        self.users[user.id] = user
        return user

    def remove_user(self, key: str) -> None:
        user = self.user(key)
        del self.users[user.id]
        for group in self.groups.values():
            group.members = [m for m in group.members if m.id != user.id]

    def move(self, key: str, ou: str) -> None:
        if ou != "/" and ou not in self.orgunits:
            raise KeyError(ou)
        self.user(key).ou = ou

    def suspend(self, key: str, suspended: bool = True) -> None:
        self.user(key).suspended = suspended

    def archive(self, key: str, archived: bool = True) -> None:
        self.user(key).archived = archived

    def rename(self, key: str, email: str) -> None:
        """Change a user's primary email (the id stays: a sync must update, not duplicate)."""
        user = self.user(key)
        user.email = email.lower()
        self._taken.add(user.email)
        for group in self.groups.values():
            for member in group.members:
                if member.id == user.id:
                    member.email = user.email

    def add_group(self, local: str, name: str, *, description: str = "") -> Group:
        group = Group(
            id=f"0{self.rng.randrange(16**14):014x}",
            email=f"{local}@{self.name}",
            name=name,
            description=description,
        )
        self.groups[group.id] = group
        return group

    def add_member(self, group_key: str, member_key: str) -> Member:
        """Add a user or group (by email or id) to a group."""
        group = self.group(group_key)
        if group is None:
            raise KeyError(group_key)
        nested = self.group(member_key)
        if nested is not None:
            member = Member(id=nested.id, email=nested.email, type="GROUP")
        else:
            user = self.user(member_key)
            member = Member(id=user.id, email=user.email, type="USER")
        group.members.append(member)
        return member

    def remove_member(self, group_key: str, member_key: str) -> None:
        group = self.group(group_key)
        if group is None:
            raise KeyError(group_key)
        key = member_key.lower()
        group.members = [m for m in group.members if key not in (m.id, m.email)]
