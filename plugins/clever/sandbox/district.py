"""The Clever sandbox's data: a district generated from a seed, so every run sees the same
people: students (some at two schools, some without email), teachers, staff, district admins,
multi-role staff and parent contacts. Methods change it between runs (``add_user``,
``update_user``, ``delete_user``, each recorded as an event, and ``expire_events``).

:mod:`plugins.clever.sandbox.api` serves it.
"""

from __future__ import annotations

import bisect
import copy
import hashlib
import json
import random
import threading
from typing import Any

from plugins.clever.sandbox.people import (
    FIRST,
    LAST,
    MIX,
    PRELUDE,
    SCHOOLS,
    Draw,
    demographics,
    demographics_v31,
    stamp,
)


class District:
    """A generated Clever district: its schools, users (kept as JSON text) and events."""

    def __init__(self, *, seed: int = 0, users: int = 120, schools: int = 4) -> None:
        if users < 0 or not 1 <= schools <= MAX_SCHOOLS:
            msg = f"users must be >= 0 and schools between 1 and {MAX_SCHOOLS}"
            raise ValueError(msg)
        self.seed = seed
        self._tag = int(hashlib.sha256(f"clever:{seed}".encode()).hexdigest()[:6], 16)
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._counters = {"user": 0, "event": 0, "school": 0, "section": 0}
        self.domain = "maplewood.example.org"
        self.district: dict[str, Any] = {
            "id": self._object_id("district", 0x5D, 1),
            "name": "Maplewood Unified School District",
            "state": "success",
            "last_sync": stamp(60 * 24 * 30),
            "error": "",
            "sis_type": "sftp",
            "mdr_number": "9990001",
            "login_methods": ["clever"],
            "district_contact": {
                "name": {"first": "Dana", "last": "Whitfield"},
                "email": f"it@{self.domain}",
                "title": "Director of Technology",
            },
            "portal_url": "https://clever.com/in/maplewood-sandbox",
        }
        self.schools: list[dict[str, Any]] = [
            self._school(*_school_kind(number)) for number in range(schools)
        ]
        # Users are kept as their JSON text: a 100,000-user district then costs little memory
        # and gives the garbage collector nothing to walk.
        self._users: list[str] = []
        self._user_ids: list[str] = []  # sorted; Clever ids ascend with creation
        self._events: list[dict[str, Any]] = []
        self._event_ids: list[str] = []
        self._expired_through: str = ""  # events up to this id are past the window
        self._last_student: str | None = None
        # The demographics pools come from generators of their own: how they are drawn
        # never changes which people a seed makes.
        pool_rng = random.Random(f"clever-demographics:{seed}")
        self.demographics = [demographics(pool_rng) for _ in range(257)]
        self.demographics_v31 = [demographics_v31(pool_rng) for _ in range(61)]

        kinds = list(PRELUDE[: min(users, len(PRELUDE))])
        weights = [w for _, w in MIX]
        names = [k for k, _ in MIX]
        kinds += self._rng.choices(names, weights=weights, k=users - len(kinds))
        for kind in kinds:
            self._store(self._generate(kind))
        # A little recent history, so the district has a newest event.
        for text in self._users[-3:]:
            self._record_event("users.created", json.loads(text))
        self._record_event("sections.created", self._section())

    # -- controls (data) --------------------------------------------------------------------
    def add_user(
        self,
        *,
        roles: dict[str, Any] | None = None,
        kind: str = "student",
        email: str | None = "",
        first_name: str | None = None,
        last_name: str | None = None,
    ) -> dict[str, Any]:
        """A new user (``roles`` as Clever writes them, or a generated ``kind``); an empty
        ``email`` means a generated one, None means none. Records ``users.created``."""
        with self._lock:
            user = self._generate(kind)
            if roles is not None:
                user["roles"] = copy.deepcopy(roles)
            if email is None:
                user.pop("email", None)
            elif email:
                user["email"] = email
            if first_name is not None:
                user["name"]["first"] = first_name
            if last_name is not None:
                user["name"]["last"] = last_name
            self._store(user)
            self._record_event("users.created", user)
            return copy.deepcopy(user)

    def update_user(self, user_id: str, **changes: Any) -> dict[str, Any]:
        """Change ``email``, ``first_name``, ``last_name`` or ``roles`` (replaced whole);
        records ``users.updated`` with the previous values."""
        with self._lock:
            user = self._find(user_id)
            previous: dict[str, Any] = {}
            for key, value in changes.items():
                if key == "email":
                    previous["email"] = user.get("email")
                    if value is None:
                        user.pop("email", None)
                    else:
                        user["email"] = value
                elif key in ("first_name", "last_name"):
                    part = key.split("_")[0]
                    previous.setdefault("name", copy.deepcopy(user["name"]))
                    user["name"][part] = value
                elif key == "roles":
                    previous["roles"] = copy.deepcopy(user["roles"])
                    user["roles"] = copy.deepcopy(value)
                else:
                    msg = f"cannot change {key!r} of a sandbox user"
                    raise ValueError(msg)
            user["last_modified"] = self._now()
            self._replace(user)
            self._record_event("users.updated", user, previous=previous)
            return copy.deepcopy(user)

    def delete_user(self, user_id: str) -> dict[str, Any]:
        """Remove a user (as when a district unshares them); records ``users.deleted``."""
        with self._lock:
            user = self._find(user_id)
            position = bisect.bisect_left(self._user_ids, user_id)
            del self._user_ids[position]
            del self._users[position]
            self._changed(user_id)
            self._record_event("users.deleted", user)
            return copy.deepcopy(user)

    def add_section_event(self) -> None:
        """A change that is not about users (the provider must skip it)."""
        with self._lock:
            self._record_event("sections.updated", self._section())

    def expire_events(self) -> None:
        """Every event so far falls out of Clever's 30-day window."""
        with self._lock:
            if self._event_ids:
                self._expired_through = self._event_ids[-1]
            self._events.clear()
            self._event_ids.clear()

    def user(self, user_id: str) -> dict[str, Any]:
        with self._lock:
            return self._find(user_id)

    def student_v31(self, user_id: str) -> dict[str, Any]:
        """The student fields a v3.1 answer adds for this user (the same on every answer)."""
        return self.demographics_v31[int(user_id[-10:], 16) % len(self.demographics_v31)]

    @property
    def users(self) -> list[dict[str, Any]]:
        """The current users as Clever would return them (copies)."""
        with self._lock:
            return [json.loads(text) for text in self._users]

    @property
    def newest_event_id(self) -> str | None:
        with self._lock:
            return self._event_ids[-1] if self._event_ids else None

    # -- generation -------------------------------------------------------------------------
    def _object_id(self, kind: str, prefix: int, number: int) -> str:
        """24 hex digits like a Mongo ObjectID; ids of one kind ascend with creation."""
        return f"{prefix:02x}{0x8F3C00 + len(kind):06x}{self._tag:06x}{number:010x}"

    def _next_id(self, kind: str, prefix: int) -> str:
        self._counters[kind] += 1
        return self._object_id(kind, prefix, self._counters[kind])

    def _now(self) -> str:
        return stamp(60 * 24 * 31 + self._counters["event"])

    def _school(self, name: str, low: str, high: str) -> dict[str, Any]:
        number = 100 + self._counters["school"] * 7
        return {
            "id": self._next_id("school", 0x5E),
            "district": self.district["id"],
            "name": name,
            "school_number": str(number),
            "sis_id": f"SCH{number}",
            "state_id": f"99-{number:04d}",
            "low_grade": low,
            "high_grade": high,
            "phone": f"(555) 010-{number:04d}",
            "location": {"address": f"{number} School Lane", "city": "Maplewood", "state": "NJ"},
            "created": stamp(0),
            "last_modified": stamp(60),
        }

    def _section(self) -> dict[str, Any]:
        number = self._counters["section"] + 1
        return {
            "id": self._next_id("section", 0x60),
            "district": self.district["id"],
            "school": self.schools[0]["id"],
            "name": "Homeroom",
            "subject": "homeroom/advisory",
            "sis_id": f"SEC{number:05d}",
            "created": stamp(0),
            "last_modified": stamp(60),
        }

    def _generate(self, kind: str) -> dict[str, Any]:
        draw = Draw(self._rng.getrandbits(96))
        user_id = self._next_id("user", 0x5F)
        number = self._counters["user"]
        first, last = draw.pick(FIRST), draw.pick(LAST)
        created = stamp(number // 100)
        school = draw.pick(self.schools)["id"]
        handle = f"{first}.{last}{number}".lower()
        roles: dict[str, Any] = {}
        email: str | None = f"{handle}@{self.domain}"
        if kind.startswith("student"):
            email = f"{handle}@students.{self.domain}"
            schools = [school]
            if kind == "student_two_schools" and len(self.schools) > 1:
                schools.append(next(s["id"] for s in self.schools if s["id"] != school))
            roles["student"] = {
                "school": school,
                "schools": schools,
                "sis_id": f"S{number:07d}",
                "student_number": f"{number:07d}",
                "state_id": f"NJ{number:09d}",
                **draw.pick(self.demographics),
                "credentials": {"district_username": handle},
                # Still enrolled: Clever leaves end_date out (it is a datetime, never null).
                "enrollments": [
                    {"school": s, "start_date": "2024-08-26T00:00:00.000Z"} for s in schools
                ],
            }
            self._last_student = user_id
        if kind.startswith("teacher") or kind in ("teacher+staff", "district_admin+teacher"):
            roles["teacher"] = {
                "school": school,
                "schools": [school],
                "sis_id": f"T{number:06d}",
                "teacher_number": f"{number:06d}",
                "state_id": f"TNJ{number:07d}",
                "title": draw.pick(("Teacher", "Lead Teacher", "Instructional Coach")),
                "credentials": {"district_username": handle},
            }
        if kind in ("staff", "teacher+staff"):
            roles["staff"] = {
                "schools": [school],
                "staff_id": f"ST{number:06d}",
                "title": draw.pick(("Principal", "Assistant Principal", "Counselor", "Nurse")),
                "department": draw.pick(("Administration", "Student Services", "Health")),
                "credentials": {"district_username": handle},
            }
        if kind.startswith("district_admin"):
            roles["district_admin"] = {"title": "District Technology Coordinator"}
        if kind == "contact":
            email = f"{handle}@mail.example.com"
            student = self._last_student
            roles["contact"] = {
                "sis_id": f"C{number:07d}",
                "phone": f"(555) 020-{number % 10_000:04d}",
                "phone_type": "Cell",
                "student_relationships": (
                    [{"student": student, "relationship": "Parent", "type": "Parent/Guardian"}]
                    if student
                    else []
                ),
            }
        if kind.endswith("no_email"):
            email = None
        user: dict[str, Any] = {
            "id": user_id,
            "district": self.district["id"],
            "name": {"first": first, "middle": draw.pick(("", "A", "J", "M")), "last": last},
            "created": created,
            "last_modified": created,
            "roles": roles,
        }
        if email is not None:
            user["email"] = email
        return user

    def _store(self, user: dict[str, Any]) -> None:
        self._users.append(compact(user))
        self._user_ids.append(user["id"])

    def _position(self, user_id: str) -> int:
        position = bisect.bisect_left(self._user_ids, user_id)
        if position == len(self._user_ids) or self._user_ids[position] != user_id:
            msg = f"no sandbox user {user_id}"
            raise KeyError(msg)
        return position

    def _find(self, user_id: str) -> dict[str, Any]:
        """A fresh copy of the user: change it, then :meth:`_replace` it."""
        return dict(json.loads(self._users[self._position(user_id)]))

    def _replace(self, user: dict[str, Any]) -> None:
        self._users[self._position(user["id"])] = compact(user)
        self._changed(user["id"])

    def _changed(self, user_id: str) -> None:
        """Called when a user changes or goes; what serves the district drops its copies."""

    def _record_event(
        self, kind: str, obj: dict[str, Any], *, previous: dict[str, Any] | None = None
    ) -> None:
        event_id = self._next_id("event", 0x65)
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        self._events.append({"id": event_id, "type": kind, "created": self._now(), "data": data})
        self._event_ids.append(event_id)


def compact(obj: Any) -> str:
    """JSON without spaces, as Clever sends it."""
    return json.dumps(obj, separators=(",", ":"))


MAX_SCHOOLS = 200


def _school_kind(number: int) -> tuple[str, str, str]:
    """The ``number``-th school's name and grades: the named kinds first, then numbered ones
    (a large district has several of each)."""
    name, low, high = SCHOOLS[number % len(SCHOOLS)]
    if number >= len(SCHOOLS):
        name = f"{name} {number // len(SCHOOLS) + 1}"
    return name, low, high
