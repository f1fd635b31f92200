"""A room's settings checked against its school: every rule of :mod:`hub.rooms.rules`, plus
the ones that need the school's data (unique names, folders, teachers and students of the
school, closest rooms). One function, :func:`check_room`, for the console, the API, the import
and the starter pack; it answers clean values and per-field messages, never writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from sqlalchemy import Connection, select

from hub.models import ACTIVE, Account, Membership, Room, RoomFolder
from hub.rooms import rules
from hub.roster import STAFF_ROLES, STUDENT, roles_list

_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]
_room = Room.__table__  # type: ignore[attr-defined]
_folder = RoomFolder.__table__  # type: ignore[attr-defined]

FIELDS = (
    "name",
    "number",
    "folder",
    "travel_type",
    "time_limit",
    "teachers",
    "closest_rooms",
    "counts_toward_limits",
    "show_as_origin",
    "max_capacity",
    "restriction_now",
    "restriction_future",
    "restrict_ending",
    "visibility",
    "open",
    "color",
    "icon",
)
"""The settings a room takes, by their JSON names (the contract's room shape)."""


@dataclass
class SchoolRooms:
    """One school's rooms, folders and people, read once (a few queries) for a batch of checks."""

    conn: Connection
    school_id: str
    rooms: dict[str, Any] = field(default_factory=dict)  # name_key -> row
    folders: dict[str, Any] = field(default_factory=dict)  # name_key -> row
    names: dict[str, str] = field(default_factory=dict)  # email -> "First Last" of people read

    @classmethod
    def load(cls, conn: Connection, school_id: str) -> SchoolRooms:
        found = cls(conn, school_id)
        for row in conn.execute(select(_room).where(_room.c.school_id == school_id)):
            found.rooms[row.name_key] = row
        for row in conn.execute(select(_folder).where(_folder.c.school_id == school_id)):
            found.folders[row.name_key] = row
        return found

    def _people(self, *, staff: bool) -> dict[str, int]:
        query = (
            select(
                _account.c.email,
                _account.c.id,
                _account.c.first_name,
                _account.c.last_name,
                _membership.c.roles,
            )
            .join(_membership, _membership.c.account_id == _account.c.id)
            .where(_membership.c.school_id == self.school_id, _membership.c.status == ACTIVE)
        )
        people: dict[str, int] = {}
        for email, account_id, first, last, roles in self.conn.execute(query):
            held = set(roles_list(roles))
            if (staff and held & STAFF_ROLES) or (not staff and STUDENT in held):
                people[email] = account_id
                self.names[email] = " ".join(f"{first} {last}".split())
        return people

    @cached_property
    def teachers(self) -> dict[str, int]:
        """Active teacher and admin accounts of the school, by email."""
        return self._people(staff=True)

    @cached_property
    def students(self) -> dict[str, int]:
        return self._people(staff=False)

    @cached_property
    def room_ids(self) -> dict[str, str]:
        return {key: row.id for key, row in self.rooms.items()}


def _emails(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.replace(",", ";").split(";")
    return [str(v).strip().lower() for v in value if str(v).strip()]


def teacher_ids(school: SchoolRooms, emails: list[str]) -> tuple[list[int], str | None]:
    """Account ids of ``emails``, each an active teacher or admin of the school."""
    ids: list[int] = []
    for email in dict.fromkeys(emails):
        account_id = school.teachers.get(email)
        if account_id is None:
            return [], f"'{email}' is not an active teacher or admin account of this school"
        ids.append(account_id)
    return ids, None


def check_room(
    school: SchoolRooms, data: dict[str, Any], *, existing: Any | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """Check the settings in ``data`` (JSON names; a setting absent from ``data`` keeps the
    room's current value, or the default for a new room). Returns the column values to write
    (``teacher_ids`` among them) and the errors by field."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    unknown = [key for key in data if key not in FIELDS]
    if unknown:
        errors[unknown[0]] = f"'{unknown[0]}' is not a room setting"

    def take(key: str, cleaned: tuple[Any, str | None], column: str | None = None) -> None:
        value, problem = cleaned
        if problem:
            errors[key] = problem
        else:
            values[column or key] = value

    if "name" in data or existing is None:
        take("name", rules.clean_name(data.get("name")))
        if "name" in values:
            key = rules.name_key(values["name"])
            other = school.rooms.get(key)
            if other is not None and (existing is None or other.id != existing.id):
                errors["name"] = f"a room named '{other.name}' already exists in this school"
            values["name_key"] = key
    if "number" in data or existing is None:
        take("number", rules.clean_number(data.get("number")))
    if "travel_type" in data or existing is None:
        take("travel_type", rules.clean_travel_type(data.get("travel_type", rules.ROUND_TRIP)))
    if "time_limit" in data or existing is None:
        take("time_limit", rules.clean_time_limit(data.get("time_limit")))
    if "max_capacity" in data:
        take("max_capacity", rules.clean_capacity(data["max_capacity"]))
    for key, what in (
        ("counts_toward_limits", "counts toward pass limits"),
        ("show_as_origin", "show as origin room"),
        ("open", "open"),
    ):
        if key in data:
            take(key, rules.clean_yes_no(data[key], what=what))
    if "color" in data or existing is None:
        take("color", rules.clean_color(data.get("color", "#3b82f6")))
    if "icon" in data or existing is None:
        take("icon", rules.clean_icon(data.get("icon", "door")))
    if "restrict_ending" in data:
        take("restrict_ending", rules.clean_endings(data["restrict_ending"]))
    if "folder" in data:
        _check_folder(school, data["folder"], values, errors)
    if "teachers" in data:
        take("teachers", teacher_ids(school, _emails(data["teachers"])), "teacher_ids")
    if "closest_rooms" in data:
        _check_closest(school, data["closest_rooms"], values, errors, existing)
    if "visibility" in data:
        _check_visibility(school, data["visibility"], values, errors)
    _check_restrictions(school, data, values, errors, existing)
    return values, errors


def _check_folder(
    school: SchoolRooms, value: Any, values: dict[str, Any], errors: dict[str, str]
) -> None:
    name = " ".join(str(value or "").split())
    if not name:
        values["folder_id"] = None
        return
    folder = school.folders.get(rules.name_key(name))
    if folder is None:
        errors["folder"] = f"there is no folder named '{name}'"
    else:
        values["folder_id"] = folder.id


def _check_closest(
    school: SchoolRooms,
    value: Any,
    values: dict[str, Any],
    errors: dict[str, str],
    existing: Any | None,
) -> None:
    names = value.split(";") if isinstance(value, str) else list(value or [])
    ids: list[str] = []
    for name in names:
        key = rules.name_key(" ".join(str(name).split()))
        if not key:
            continue
        room_id = school.room_ids.get(key)
        if room_id is None:
            errors["closest_rooms"] = f"there is no room named '{name}'"
            return
        if existing is not None and room_id == existing.id:
            errors["closest_rooms"] = "a room cannot be its own closest room"
            return
        if room_id not in ids:
            ids.append(room_id)
    values["closest_rooms"] = ids


def _check_visibility(
    school: SchoolRooms, value: Any, values: dict[str, Any], errors: dict[str, str]
) -> None:
    value = value if isinstance(value, dict) else {"mode": value}
    mode, problem = rules.clean_visibility_mode(value.get("mode"))
    if problem:
        errors["visibility"] = problem
        return
    ids: list[int] = []
    for email in dict.fromkeys(_emails(value.get("students"))):
        account_id = school.students.get(email)
        if account_id is None:
            errors["visibility"] = f"'{email}' is not an active student of this school"
            return
        ids.append(account_id)
    if mode != "all" and not ids:
        errors["visibility"] = f"choose the students for '{rules.VISIBILITY[mode]}'"
        return
    values["visibility_mode"] = mode
    values["visibility_students"] = ids if mode != "all" else []


def _check_restrictions(
    school: SchoolRooms,
    data: dict[str, Any],
    values: dict[str, Any],
    errors: dict[str, str],
    existing: Any | None,
) -> None:
    if "teacher_ids" in values:
        staffed = bool(values["teacher_ids"])
    else:
        staffed = existing is not None and bool(getattr(existing, "active_teachers", 0))
    for key in ("restriction_now", "restriction_future"):
        if key in data:
            shaped, problem = rules.restriction_shape(data[key])
            if problem:
                errors[key] = problem
                continue
            if shaped is not None and shaped["teacher"] is not None:
                account_id = school.teachers.get(shaped["teacher"])
                if account_id is None:
                    errors[key] = (
                        f"'{shaped['teacher']}' is not an active teacher or admin of this school"
                    )
                    continue
                shaped["teacher"] = account_id
            values[key] = shaped
        else:
            shaped = getattr(existing, key, None) if existing is not None else None
        if rules.needs_teachers_in_room(shaped) and not staffed and key not in errors:
            errors[key] = rules.TEACHERS_FIRST
