"""A Clever district on loopback: the Data API v3.0/v3.1 (``/districts``, ``/schools``,
``/users``, ``/events``) with bearer tokens, the list envelope, range-based paging
(``limit``, ``starting_after``, ``ending_before``, ``links[rel=next]``) and rate-limit headers.

The district is generated from a seed, so every run sees the same people: students (some at
two schools, some without email), teachers, staff, district admins, multi-role staff and
parent contacts. Control methods let tests and demos break it on purpose (``fail_next``,
``loop_pages``, ``revoke``) or change it between runs (``add_user``, ``update_user``,
``delete_user``, each recorded as an event, and ``expire_events``).
"""

from __future__ import annotations

import bisect
import copy
import functools
import hashlib
import json
import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

VERSIONS = ("v3.0", "v3.1")
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
RATE_LIMIT = 1200  # requests per minute per token, as Clever documents

_FIRST = (
    "Ada", "Grace", "Alan", "Katherine", "Mae", "Carlos", "Priya", "Wei", "Amara", "Liam",
    "Noah", "Olivia", "Sofia", "Mateo", "Aiyana", "Hiro", "Fatima", "Diego", "Zoe", "Ivan",
    "Nia", "Omar", "Lucia", "Kofi", "Elena", "Ravi", "Maya", "Jonah", "Leila", "Tomas",
)  # fmt: skip
_LAST = (
    "Lovelace", "Hopper", "Turing", "Johnson", "Jemison", "Santos", "Patel", "Chen", "Okafor",
    "Murphy", "Garcia", "Nguyen", "Kim", "Haddad", "Rossi", "Yamamoto", "Khan", "Silva",
    "Novak", "Mensah", "Larsen", "Dubois", "Alvarez", "Singh", "Cohen", "Ibrahim", "Walker",
)  # fmt: skip
_SCHOOLS = (
    ("Maplewood Elementary School", "K", "5"),
    ("Cedar Ridge Middle School", "6", "8"),
    ("Riverside High School", "9", "12"),
    ("Oak Hollow K-8 Academy", "K", "8"),
    ("Lakeside Alternative High School", "9", "12"),
)
_GRADES = ("Kindergarten", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12")
# Every generated district starts with one person of each kind, then draws the rest.
_PRELUDE = (
    "district_admin",
    "teacher+staff",
    "staff",
    "teacher",
    "student_two_schools",
    "student_no_email",
    "contact",
    "district_admin+teacher",
    "teacher_no_email",
    "student",
)
_MIX = (
    ("student", 800),
    ("student_two_schools", 20),
    ("student_no_email", 8),
    ("teacher", 80),
    ("teacher_no_email", 1),
    ("staff", 30),
    ("teacher+staff", 10),
    ("district_admin", 3),
    ("district_admin+teacher", 1),
    ("contact", 50),
)
_EPOCH = datetime(2024, 8, 1, 7, 0, tzinfo=UTC)


@functools.lru_cache(maxsize=4096)
def _stamp(minutes: int) -> str:
    moment = _EPOCH + timedelta(minutes=minutes)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class CleverSandbox:
    """A generated district and the ASGI app serving it (the instance itself is the app)."""

    def __init__(
        self,
        *,
        seed: int = 0,
        users: int = 120,
        schools: int = 4,
        token: str | None = None,
    ) -> None:
        if users < 0 or not 1 <= schools <= len(_SCHOOLS):
            msg = f"users must be >= 0 and schools between 1 and {len(_SCHOOLS)}"
            raise ValueError(msg)
        self.seed = seed
        self._tag = int(hashlib.sha256(f"clever:{seed}".encode()).hexdigest()[:6], 16)
        self.token = (
            token or "sandbox-" + hashlib.sha256(f"clever-token:{seed}".encode()).hexdigest()[:32]
        )
        self._lock = threading.RLock()
        self._rng = random.Random(seed)
        self._counters = {"user": 0, "event": 0, "school": 0, "section": 0}
        self.domain = "maplewood.example.org"
        self.district: dict[str, Any] = {
            "id": self._object_id("district", 0x5D, 1),
            "name": "Maplewood Unified School District",
            "state": "success",
            "last_sync": _stamp(60 * 24 * 30),
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
            self._school(name, low, high) for name, low, high in _SCHOOLS[:schools]
        ]
        # Users are kept as their JSON text: a 100,000-user district then costs little memory
        # and gives the garbage collector nothing to walk.
        self._users: list[str] = []
        self._user_ids: list[str] = []  # sorted; Clever ids ascend with creation
        self._events: list[dict[str, Any]] = []
        self._event_ids: list[str] = []
        self._expired_through: str = ""  # events up to this id are past the window
        self._rendered: dict[str, str] = {}  # user id -> v3.1 JSON text
        self._last_student: str | None = None
        self._demographics = [_demographics(self._rng) for _ in range(257)]
        # faults and controls
        self._fault_status = 0
        self._fault_left = 0
        self._fault_after = 0
        self._fault_headers: dict[str, str] = {}
        self._looping = False
        self._revoked = False
        self.requests: list[str] = []  # path?query of every API request, newest last
        self._window = (0, 0)  # (minute, requests) for the rate-limit headers

        kinds = list(_PRELUDE[: min(users, len(_PRELUDE))])
        weights = [w for _, w in _MIX]
        names = [k for k, _ in _MIX]
        kinds += self._rng.choices(names, weights=weights, k=users - len(kinds))
        for kind in kinds:
            self._store(self._generate(kind))
        # A little recent history, so the district has a newest event.
        for text in self._users[-3:]:
            self._record_event("users.created", json.loads(text))
        self._record_event("sections.created", self._section())

        self._app = Starlette(routes=[Route("/{version}/{resource}", self._endpoint)])

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self._app(scope, receive, send)

    # -- controls (conformance) -------------------------------------------------------------
    def fail_next(
        self, status: int, times: int = 1, headers: dict[str, str] | None = None, *, after: int = 0
    ) -> None:
        """The next ``times`` API requests answer ``status`` (after ``after`` good ones)."""
        with self._lock:
            self._fault_status = status
            self._fault_left = times
            self._fault_after = after
            self._fault_headers = dict(headers or {})

    def loop_pages(self) -> None:
        """From now on every ``next`` link points back at the page just served."""
        self._looping = True

    def revoke(self) -> None:
        """The district token is refused from now on (401)."""
        self._revoked = True

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
            self._rendered.pop(user_id, None)
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

    @property
    def users(self) -> list[dict[str, Any]]:
        """The current users as Clever would return them (copies)."""
        with self._lock:
            return [json.loads(text) for text in self._users]

    @property
    def newest_event_id(self) -> str | None:
        with self._lock:
            return self._event_ids[-1] if self._event_ids else None

    def warm(self, version: str = "v3.1") -> None:
        """Render every user for ``version`` once, so serving a page is joining text."""
        with self._lock:
            for user_id, text in zip(self._user_ids, self._users, strict=True):
                self._rendered_user(version, user_id, text)

    # -- HTTP -------------------------------------------------------------------------------
    async def _endpoint(self, request: Request) -> Response:
        version = request.path_params["version"]
        resource = request.path_params["resource"]
        query = request.url.query
        with self._lock:
            self.requests.append(f"{request.url.path}?{query}" if query else request.url.path)
            if len(self.requests) > 1000:
                del self.requests[:500]
            fault = self._take_fault()
            if fault is not None:
                return fault
            expected = f"Bearer {self.token}"
            if self._revoked or request.headers.get("authorization") != expected:
                return self._error(401, "Invalid or revoked token")
            if version not in VERSIONS:
                return self._error(404, f"unknown API version {version}")
            try:
                limit = int(request.query_params.get("limit", DEFAULT_LIMIT))
            except ValueError:
                return self._error(400, "limit must be an integer")
            if limit < 1:
                return self._error(400, "limit must be at least 1")
            if limit > MAX_LIMIT:
                return self._error(413, f"limit may be at most {MAX_LIMIT}")
            params = dict(request.query_params)
            self_uri = f"/{version}/{resource}" + (f"?{query}" if query else "")
            if resource == "districts":
                items = [self._envelope(version, "districts", self.district)]
                return self._list(items, self_uri, None)
            if resource == "schools":
                return self._page(
                    version, resource, self.schools, [s["id"] for s in self.schools],
                    params, limit, self_uri,
                    lambda _, s: self._envelope(version, "schools", s),
                )  # fmt: skip
            if resource == "users":
                return self._page(
                    version, resource, self._users, self._user_ids, params, limit, self_uri,
                    lambda i, u: self._rendered_user(version, i, u),
                )  # fmt: skip
            if resource == "events":
                return self._events_page(version, params, limit, self_uri)
            return self._error(404, f"no such resource: {resource}")

    def _events_page(
        self, version: str, params: dict[str, str], limit: int, self_uri: str
    ) -> Response:
        after = params.get("starting_after")
        if after and after not in self._event_ids and after <= self._expired_through:
            return self._error(
                404, f"starting_after: event {after} not found (events are kept for 30 days)"
            )
        events, ids = self._events, self._event_ids
        wanted = {t.strip() for t in params.get("record_type", "").split(",") if t.strip()}
        if wanted:
            pairs = [(e, i) for e, i in zip(events, ids, strict=True) if _record_type(e) in wanted]
            events, ids = [p[0] for p in pairs], [p[1] for p in pairs]
        return self._page(
            version, "events", events, ids, params, limit, self_uri,
            lambda _, e: self._envelope(version, "events", e),
        )  # fmt: skip

    def _page(
        self,
        version: str,
        resource: str,
        items: Sequence[Any],
        ids: list[str],
        params: dict[str, str],
        limit: int,
        self_uri: str,
        render: Callable[[str, Any], str],
    ) -> Response:
        """Range-based paging over objects sorted by id, as Clever pages."""
        after = params.get("starting_after")
        before = params.get("ending_before")
        if before:
            end = len(ids) if before == "last" else bisect.bisect_left(ids, before)
            start = max(0, end - limit)
        else:
            start = bisect.bisect_right(ids, after) if after else 0
            end = min(len(ids), start + limit)
        chunk = items[start:end]
        next_uri = None
        if self._looping:
            next_uri = self_uri
        elif not before and end < len(ids) and chunk:
            keep = {k: v for k, v in params.items() if k not in ("starting_after", "ending_before")}
            keep["starting_after"] = ids[end - 1]
            next_uri = f"/{version}/{resource}?{urlencode(keep)}"
        rendered = [render(i, item) for i, item in zip(ids[start:end], chunk, strict=True)]
        return self._list(rendered, self_uri, next_uri)

    def _list(self, rendered: Iterable[str], self_uri: str, next_uri: str | None) -> Response:
        links = [{"rel": "self", "uri": self_uri}]
        if next_uri:
            links.append({"rel": "next", "uri": next_uri})
        body = '{"data":[' + ",".join(rendered) + '],"links":' + json.dumps(links) + "}"
        return Response(body.encode(), media_type="application/json", headers=self._limits())

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        merged = {**self._limits(), **(headers or {})}
        body = json.dumps({"error": message}).encode()
        return Response(body, status_code=status, media_type="application/json", headers=merged)

    def _limits(self) -> dict[str, str]:
        minute = int(time.time() // 60)
        used = self._window[1] + 1 if self._window[0] == minute else 1
        self._window = (minute, used)
        return {
            "X-RateLimit-Limit": str(RATE_LIMIT),
            "X-RateLimit-Remaining": str(max(0, RATE_LIMIT - used)),
            "X-RateLimit-Reset": str((minute + 1) * 60),
        }

    def _take_fault(self) -> Response | None:
        if self._fault_left <= 0:
            return None
        if self._fault_after > 0:
            self._fault_after -= 1
            return None
        self._fault_left -= 1
        status = self._fault_status
        message = "Rate limit exceeded" if status == 429 else "Clever is having a bad day"
        return self._error(status, message, self._fault_headers)

    # -- rendering --------------------------------------------------------------------------
    def _envelope(self, version: str, resource: str, obj: dict[str, Any]) -> str:
        return _compact({"data": obj, "uri": f"/{version}/{resource}/{obj['id']}"})

    def _rendered_user(self, version: str, user_id: str, text: str) -> str:
        if version == "v3.1" and '"student":' in text:
            # v3.1 adds demographic fields to students.
            cached = self._rendered.get(user_id)
            if cached is None:
                shown = json.loads(text)
                student = shown["roles"].get("student")
                if student is not None:
                    student["section_504_status"] = "N"
                    student["disability"] = {"disability_status": "N"}
                cached = self._rendered[user_id] = _compact(shown)
            text = cached
        return f'{{"data":{text},"uri":"/{version}/users/{user_id}"}}'

    # -- generation -------------------------------------------------------------------------
    def _object_id(self, kind: str, prefix: int, number: int) -> str:
        """24 hex digits like a Mongo ObjectID; ids of one kind ascend with creation."""
        return f"{prefix:02x}{0x8F3C00 + len(kind):06x}{self._tag:06x}{number:010x}"

    def _next_id(self, kind: str, prefix: int) -> str:
        self._counters[kind] += 1
        return self._object_id(kind, prefix, self._counters[kind])

    def _now(self) -> str:
        return _stamp(60 * 24 * 31 + self._counters["event"])

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
            "created": _stamp(0),
            "last_modified": _stamp(60),
        }

    def _section(self) -> dict[str, Any]:
        return {
            "id": self._next_id("section", 0x60),
            "district": self.district["id"],
            "school": self.schools[0]["id"],
            "name": "Homeroom",
        }

    def _generate(self, kind: str) -> dict[str, Any]:
        draw = _Draw(self._rng.getrandbits(96))
        user_id = self._next_id("user", 0x5F)
        number = self._counters["user"]
        first, last = draw.pick(_FIRST), draw.pick(_LAST)
        created = _stamp(number // 100)
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
                **draw.pick(self._demographics),
                "credentials": {"district_username": handle},
                "enrollments": [
                    {"school": s, "start_date": "2024-08-26T00:00:00.000Z", "end_date": None}
                    for s in schools
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
                "district": self.district["id"],
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
        self._users.append(_compact(user))
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
        self._users[self._position(user["id"])] = _compact(user)
        self._rendered.pop(user["id"], None)

    def _record_event(
        self, kind: str, obj: dict[str, Any], *, previous: dict[str, Any] | None = None
    ) -> None:
        event_id = self._next_id("event", 0x65)
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous is not None:
            data["previous_attributes"] = previous
        self._events.append({"id": event_id, "type": kind, "created": self._now(), "data": data})
        self._event_ids.append(event_id)


def _compact(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _demographics(rng: random.Random) -> dict[str, str]:
    """Student fields that vary but matter to nobody here; drawn once into a small pool."""
    return {
        "grade": rng.choice(_GRADES),
        "graduation_year": str(2025 + rng.randrange(13)),
        "dob": f"{2008 + rng.randrange(12)}-0{1 + rng.randrange(9)}-1{rng.randrange(10)}",
        "gender": rng.choice(("F", "M", "X")),
        "ell_status": rng.choice(("Y", "N", "N", "N")),
        "frl_status": rng.choice(("Free", "Reduced", "Paid")),
        "iep_status": rng.choice(("Y", "N", "N")),
        "hispanic_ethnicity": rng.choice(("Y", "N")),
        "race": rng.choice(("Asian", "Black or African American", "White", "Two or More Races")),
        "home_language": rng.choice(("English", "Spanish", "Mandarin", "Arabic")),
    }


class _Draw:
    """Many small deterministic picks from one random number: generating a 100,000-user
    district takes a moment, not minutes."""

    __slots__ = ("bits",)

    def __init__(self, bits: int) -> None:
        self.bits = bits

    def below(self, n: int) -> int:
        self.bits, value = divmod(self.bits, n)
        return value

    def pick(self, options: Sequence[Any]) -> Any:
        return options[self.below(len(options))]


def _record_type(event: dict[str, Any]) -> str:
    """``users.created`` -> ``users``."""
    return str(event.get("type", "")).split(".", 1)[0]
