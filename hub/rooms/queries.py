"""A school's rooms as the contract shows them (``rosterhub rooms list``, ``GET
/api/v1/schools/{id}/rooms``, the console), read with a handful of queries for the school.

Order is the school's arrangement: folders and rooms outside folders by their position, each
folder's rooms (by their own position) where the folder stands. A room in a folder takes the
folder's color and icon. Teachers are the room's active teacher and admin accounts; a room
whose restrictions send passes to its own teachers while it has none is ``needs_teacher``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from hub.context import Hub
from hub.models import ACTIVE, Account, Membership, Room, RoomFolder, RoomTeacher
from hub.rooms import rules
from hub.roster import STAFF_ROLES, roles_list

_room = Room.__table__  # type: ignore[attr-defined]
_folder = RoomFolder.__table__  # type: ignore[attr-defined]
_teacher = RoomTeacher.__table__  # type: ignore[attr-defined]
_account = Account.__table__  # type: ignore[attr-defined]
_membership = Membership.__table__  # type: ignore[attr-defined]

NO_TEACHER = "no teacher in the room, but its restrictions send passes to the room's teachers"


@dataclass
class Layout:
    """Everything about a school's rooms, read once."""

    folders: list[Any]
    rooms: list[Any]
    teachers: dict[str, list[str]]  # room id -> active teacher emails, in order
    emails: dict[int, str]  # account id -> email, for restrictions and visibility

    def folder_of(self, room: Any) -> Any | None:
        return next((f for f in self.folders if f.id == room.folder_id), None)

    def ordered(self) -> list[tuple[Any | None, list[Any]]]:
        """Top-level items in order: ``(folder, its rooms)`` or ``(None, [room])``."""
        by_folder: dict[str, list[Any]] = {}
        top: list[tuple[int, int, Any | None, list[Any]]] = []
        for room in sorted(self.rooms, key=lambda r: (r.position, r.name_key)):
            if room.folder_id is None:
                top.append((room.position, 1, None, [room]))
            else:
                by_folder.setdefault(room.folder_id, []).append(room)
        for folder in self.folders:
            top.append((folder.position, 0, folder, by_folder.get(folder.id, [])))
        top.sort(key=lambda item: (item[0], item[1]))
        return [(folder, rooms) for _, _, folder, rooms in top]

    def flat(self) -> list[Any]:
        return [room for _, rooms in self.ordered() for room in rooms]


def load_layout(conn: Connection, school_id: str) -> Layout:
    folders = list(
        conn.execute(
            select(_folder).where(_folder.c.school_id == school_id).order_by(_folder.c.position)
        )
    )
    rooms = list(conn.execute(select(_room).where(_room.c.school_id == school_id)))
    teachers: dict[str, list[str]] = {}
    staffed = (
        select(_teacher.c.room_id, _account.c.email, _membership.c.roles)
        .join(_room, _room.c.id == _teacher.c.room_id)
        .join(_account, _account.c.id == _teacher.c.account_id)
        .join(
            _membership,
            (_membership.c.account_id == _teacher.c.account_id)
            & (_membership.c.school_id == school_id),
        )
        .where(_room.c.school_id == school_id, _membership.c.status == ACTIVE)
        .order_by(_teacher.c.room_id, _teacher.c.position)
    )
    for room_id, email, roles in conn.execute(staffed):
        if set(roles_list(roles)) & STAFF_ROLES:
            teachers.setdefault(room_id, []).append(email)
    wanted: set[int] = set()
    for room in rooms:
        wanted.update(room.visibility_students or [])
        for restriction in (room.restriction_now, room.restriction_future):
            if restriction and restriction.get("teacher") is not None:
                wanted.add(int(restriction["teacher"]))
    emails: dict[int, str] = {}
    if wanted:
        for account_id, email in conn.execute(
            select(_account.c.id, _account.c.email).where(_account.c.id.in_(sorted(wanted)))
        ):
            emails[account_id] = email
    return Layout(folders=folders, rooms=rooms, teachers=teachers, emails=emails)


def needs_teacher(room: Any, teachers: list[str]) -> bool:
    return not teachers and any(
        rules.needs_teachers_in_room(r) for r in (room.restriction_now, room.restriction_future)
    )


def _restriction(value: dict[str, Any] | None, emails: dict[int, str]) -> dict[str, Any] | None:
    if not value:
        return None
    teacher = value.get("teacher")
    return {
        "who": value["who"],
        "room": value.get("room"),
        "teacher": emails.get(int(teacher)) if teacher is not None else None,
    }


def room_json(room: Any, layout: Layout) -> dict[str, Any]:
    """One room in the contract's shape (plus ``needs_teacher``, the checklist's flag)."""
    folder = layout.folder_of(room)
    names = {r.id: r.name for r in layout.rooms}
    teachers = layout.teachers.get(room.id, [])
    return {
        "id": room.id,
        "name": room.name,
        "number": room.number,
        "folder": folder.name if folder is not None else None,
        "travel_type": room.travel_type,
        "time_limit": room.time_limit,
        "teachers": teachers,
        "closest_rooms": [names[i] for i in room.closest_rooms or [] if i in names],
        "counts_toward_limits": room.counts_toward_limits,
        "show_as_origin": room.show_as_origin,
        "max_capacity": room.max_capacity,
        "restriction_now": _restriction(room.restriction_now, layout.emails),
        "restriction_future": _restriction(room.restriction_future, layout.emails),
        "restrict_ending": list(room.restrict_ending or []),
        "visibility": {
            "mode": room.visibility_mode,
            "students": [
                layout.emails[i] for i in room.visibility_students or [] if i in layout.emails
            ],
        },
        "open": room.open,
        "color": folder.color if folder is not None else room.color,
        "icon": folder.icon if folder is not None else room.icon,
        "needs_teacher": needs_teacher(room, teachers),
    }


def folder_json(folder: Any, rooms: list[Any]) -> dict[str, Any]:
    return {
        "id": folder.id,
        "name": folder.name,
        "color": folder.color,
        "icon": folder.icon,
        "rooms": [r.name for r in rooms],
    }


def list_rooms(hub: Hub, *, school_id: str) -> list[dict[str, Any]]:
    """Every room of the school, in the school's order."""
    with hub.engine.connect() as conn:
        layout = load_layout(conn, school_id)
    return [room_json(room, layout) for room in layout.flat()]


def rooms_needing_teachers(hub: Hub, *, school_id: str) -> list[str]:
    """Names of the rooms left with no teacher while restrictions need one (the checklist)."""
    return [doc["name"] for doc in list_rooms(hub, school_id=school_id) if doc["needs_teacher"]]
