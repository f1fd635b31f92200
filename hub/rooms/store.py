"""Writing rooms and folders: create, change, delete and rearrange, each checked by
:func:`hub.rooms.checks.check_room` and audited in the same transaction.

Every function takes the acting :class:`hub.actors.Actor` (or an operator's audit name) and
refuses a school it may not touch exactly as an unknown id, so one school's admin learns
nothing of another's rooms.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from hub import audit
from hub.access import NotVisible
from hub.actors import Actor, as_actor
from hub.context import Hub
from hub.errors import UsageError
from hub.models import Room, RoomFolder, RoomTeacher, new_id, utcnow
from hub.rooms import rules
from hub.rooms.checks import SchoolRooms, check_room
from hub.rooms.queries import Layout, folder_json, load_layout, room_json

_room = Room.__table__  # type: ignore[attr-defined]
_folder = RoomFolder.__table__  # type: ignore[attr-defined]
_teacher = RoomTeacher.__table__  # type: ignore[attr-defined]

UP, DOWN = "up", "down"


class RoomInvalid(UsageError):
    """Settings that break the guide's rules; ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{field}: {message}" for field, message in errors.items()))
        self.errors = errors


def _school_of(conn: Connection, table: Any, item_id: str, actor: Actor, kind: str) -> Any:
    row = conn.execute(select(table).where(table.c.id == item_id)).first()
    if row is None or not actor.may_touch(row.school_id):
        msg = f"unknown {kind} '{item_id}'"
        raise NotVisible(msg)
    return row


def _check_school(actor: Actor, school_id: str) -> None:
    if not actor.may_touch(school_id):
        msg = f"unknown school '{school_id}'"
        raise NotVisible(msg)


def next_position(conn: Connection, school_id: str, folder_id: str | None) -> int:
    """The end of a folder's rooms, or of the top-level items."""
    if folder_id is not None:
        query = select(func.max(_room.c.position)).where(_room.c.folder_id == folder_id)
        return int(conn.execute(query).scalar() or 0) + 1
    rooms = select(func.max(_room.c.position)).where(
        _room.c.school_id == school_id, _room.c.folder_id.is_(None)
    )
    folders = select(func.max(_folder.c.position)).where(_folder.c.school_id == school_id)
    top = max(int(conn.execute(rooms).scalar() or 0), int(conn.execute(folders).scalar() or 0))
    return top + 1


def set_teachers(conn: Connection, room_id: str, account_ids: list[int]) -> None:
    conn.execute(delete(_teacher).where(_teacher.c.room_id == room_id))
    if account_ids:
        conn.execute(
            insert(_teacher),
            [
                {"room_id": room_id, "account_id": a, "position": n}
                for n, a in enumerate(account_ids)
            ],
        )


def write_room(
    conn: Connection, school_id: str, values: dict[str, Any], *, room_id: str | None = None
) -> str:
    """Insert (``room_id`` None) or update a room from checked values; returns its id."""
    values = dict(values)
    teacher_ids = values.pop("teacher_ids", None)
    now = utcnow()
    if room_id is None:
        room_id = new_id("rm")
        position = next_position(conn, school_id, values.get("folder_id"))
        conn.execute(
            insert(_room).values(
                id=room_id,
                school_id=school_id,
                position=position,
                created_at=now,
                updated_at=now,
                **{**_defaults(), **values},
            )
        )
    elif values:
        if "folder_id" in values:
            current = conn.execute(
                select(_room.c.folder_id).where(_room.c.id == room_id)
            ).scalar_one()
            if current != values["folder_id"]:
                values["position"] = next_position(conn, school_id, values["folder_id"])
        conn.execute(update(_room).where(_room.c.id == room_id).values(updated_at=now, **values))
    if teacher_ids is not None:
        set_teachers(conn, room_id, teacher_ids)
    return room_id


def _defaults() -> dict[str, Any]:
    return {
        "counts_toward_limits": True,
        "show_as_origin": True,
        "max_capacity": None,
        "restriction_now": None,
        "restriction_future": None,
        "restrict_ending": [],
        "closest_rooms": [],
        "visibility_mode": "all",
        "visibility_students": [],
        "open": True,
        "folder_id": None,
    }


def _existing(conn: Connection, row: Any) -> Any:
    """The room as a check needs it: its settings and how many active teachers it has."""
    teachers = load_layout(conn, row.school_id).teachers.get(row.id, [])
    return SimpleNamespace(**row._asdict(), active_teachers=len(teachers))


def create_room(
    hub: Hub, *, school_id: str, data: dict[str, Any], actor: Actor | str | None
) -> dict[str, Any]:
    who = as_actor(actor)
    _check_school(who, school_id)
    with hub.transaction() as session:
        conn = session.connection()
        school = SchoolRooms.load(conn, school_id)
        values, errors = check_room(school, data)
        if errors:
            raise RoomInvalid(errors)
        room_id = write_room(conn, school_id, values)
        audit.record(
            session, actor=who.name, action="room.created", target=room_id, school_id=school_id
        )
        layout = load_layout(conn, school_id)
    return room_json(next(r for r in layout.rooms if r.id == room_id), layout)


def update_room(
    hub: Hub, *, room_id: str, data: dict[str, Any], actor: Actor | str | None
) -> dict[str, Any]:
    who = as_actor(actor)
    with hub.transaction() as session:
        conn = session.connection()
        row = _school_of(conn, _room, room_id, who, "room")
        school = SchoolRooms.load(conn, row.school_id)
        values, errors = check_room(school, data, existing=_existing(conn, row))
        if errors:
            raise RoomInvalid(errors)
        write_room(conn, row.school_id, values, room_id=room_id)
        audit.record(
            session,
            actor=who.name,
            action="room.updated",
            target=room_id,
            school_id=row.school_id,
            fields=sorted(data),
        )
        layout = load_layout(conn, row.school_id)
    return room_json(next(r for r in layout.rooms if r.id == room_id), layout)


def get_room(hub: Hub, *, room_id: str, actor: Actor | str | None) -> dict[str, Any]:
    who = as_actor(actor)
    with hub.engine.connect() as conn:
        row = _school_of(conn, _room, room_id, who, "room")
        layout = load_layout(conn, row.school_id)
    return room_json(next(r for r in layout.rooms if r.id == room_id), layout)


def delete_room(hub: Hub, *, room_id: str, actor: Actor | str | None) -> None:
    who = as_actor(actor)
    with hub.transaction() as session:
        conn = session.connection()
        row = _school_of(conn, _room, room_id, who, "room")
        conn.execute(delete(_teacher).where(_teacher.c.room_id == room_id))
        conn.execute(delete(_room).where(_room.c.id == room_id))
        for other in conn.execute(
            select(_room.c.id, _room.c.closest_rooms).where(_room.c.school_id == row.school_id)
        ):
            if room_id in (other.closest_rooms or []):
                kept = [i for i in other.closest_rooms if i != room_id]
                conn.execute(update(_room).where(_room.c.id == other.id).values(closest_rooms=kept))
        audit.record(
            session,
            actor=who.name,
            action="room.deleted",
            target=room_id,
            school_id=row.school_id,
            name=row.name,
        )


# -- folders -----------------------------------------------------------------------------------


def check_folder(
    school: SchoolRooms, data: dict[str, Any], *, existing_id: str | None = None
) -> tuple[dict[str, Any], dict[str, str]]:
    """A folder's name (unique, up to 30 characters), color and icon: all three required."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if "name" in data or existing_id is None:
        name, problem = rules.clean_name(
            data.get("name"), limit=rules.FOLDER_NAME_MAX, what="folder"
        )
        other = school.folders.get(rules.name_key(name))
        if problem:
            errors["name"] = problem
        elif other is not None and other.id != existing_id:
            errors["name"] = f"a folder named '{other.name}' already exists in this school"
        else:
            values.update(name=name, name_key=rules.name_key(name))
    for key, clean in (("color", rules.clean_color), ("icon", rules.clean_icon)):
        if key in data or existing_id is None:
            value, problem = clean(data.get(key))
            if problem:
                errors[key] = problem
            else:
                values[key] = value
    return values, errors


def create_folder(
    hub: Hub, *, school_id: str, data: dict[str, Any], actor: Actor | str | None
) -> dict[str, Any]:
    who = as_actor(actor)
    _check_school(who, school_id)
    with hub.transaction() as session:
        conn = session.connection()
        values, errors = check_folder(SchoolRooms.load(conn, school_id), data)
        if errors:
            raise RoomInvalid(errors)
        folder_id = insert_folder(conn, school_id, values)
        audit.record(
            session, actor=who.name, action="folder.created", target=folder_id, school_id=school_id
        )
        row = conn.execute(select(_folder).where(_folder.c.id == folder_id)).one()
    return folder_json(row, [])


def insert_folder(conn: Connection, school_id: str, values: dict[str, Any]) -> str:
    folder_id = new_id("fld")
    conn.execute(
        insert(_folder).values(
            id=folder_id,
            school_id=school_id,
            position=next_position(conn, school_id, None),
            created_at=utcnow(),
            **values,
        )
    )
    return folder_id


def update_folder(
    hub: Hub, *, folder_id: str, data: dict[str, Any], actor: Actor | str | None
) -> None:
    who = as_actor(actor)
    with hub.transaction() as session:
        conn = session.connection()
        row = _school_of(conn, _folder, folder_id, who, "folder")
        values, errors = check_folder(
            SchoolRooms.load(conn, row.school_id), data, existing_id=folder_id
        )
        if errors:
            raise RoomInvalid(errors)
        conn.execute(update(_folder).where(_folder.c.id == folder_id).values(**values))
        audit.record(
            session,
            actor=who.name,
            action="folder.updated",
            target=folder_id,
            school_id=row.school_id,
        )


def delete_folder(hub: Hub, *, folder_id: str, actor: Actor | str | None) -> None:
    """The folder goes; its rooms stay, where the folder stood, in their order."""
    who = as_actor(actor)
    with hub.transaction() as session:
        conn = session.connection()
        row = _school_of(conn, _folder, folder_id, who, "folder")
        rooms = conn.execute(
            select(_room.c.id).where(_room.c.folder_id == folder_id).order_by(_room.c.position)
        ).scalars()
        base = next_position(conn, row.school_id, None)
        for n, room_id in enumerate(list(rooms)):
            conn.execute(
                update(_room).where(_room.c.id == room_id).values(folder_id=None, position=base + n)
            )
        conn.execute(delete(_folder).where(_folder.c.id == folder_id))
        audit.record(
            session,
            actor=who.name,
            action="folder.deleted",
            target=folder_id,
            school_id=row.school_id,
        )


# -- arrangement ---------------------------------------------------------------------------------


def _siblings(layout: Layout, folder_id: str | None) -> list[tuple[Any, str]]:
    """The items arranged together: one folder's rooms, or (``folder_id`` None) the top
    level, folders and rooms outside folders, as ``(table, id)`` in their current order."""
    if folder_id is not None:
        inside: list[Any] = next((rs for f, rs in layout.ordered() if f and f.id == folder_id), [])
        return [(_room, r.id) for r in inside]
    return [
        (_folder, f.id) if f is not None else (_room, rooms[0].id) for f, rooms in layout.ordered()
    ]


def _write_positions(conn: Connection, items: list[tuple[Any, str]]) -> None:
    for position, (kind, some_id) in enumerate(items, start=1):
        conn.execute(update(kind).where(kind.c.id == some_id).values(position=position))


def _row_of(conn: Connection, item_id: str, actor: Actor) -> tuple[Any, Any]:
    table = _folder if item_id.startswith("fld_") else _room
    row = _school_of(conn, table, item_id, actor, "folder" if table is _folder else "room")
    return table, row


def move(hub: Hub, *, item_id: str, direction: str, actor: Actor | str | None) -> None:
    """Move a folder or a room one place up or down among its neighbours (the guide's
    drag-and-drop arrangement, one step at a time: the keyboard's way)."""
    if direction not in (UP, DOWN):
        msg = "move up or down"
        raise UsageError(msg)
    who = as_actor(actor)
    with hub.transaction() as session:
        conn = session.connection()
        table, row = _row_of(conn, item_id, who)
        folder_id = row.folder_id if table is _room else None
        items = _siblings(load_layout(conn, row.school_id), folder_id)
        at = [i for _, i in items].index(item_id)
        to = at - 1 if direction == UP else at + 1
        if not 0 <= to < len(items):
            return
        items[at], items[to] = items[to], items[at]
        _write_positions(conn, items)
        audit.record(
            session,
            actor=who.name,
            action="room.moved",
            target=item_id,
            school_id=row.school_id,
            direction=direction,
        )


def reorder(hub: Hub, *, school_id: str, ids: list[str], actor: Actor | str | None) -> list[str]:
    """Put items arranged together in the order of ``ids`` (the guide's drag-and-drop): every
    folder and room outside folders, or every room of one folder, each exactly once. An id
    that is not the school's is refused as unknown; nothing is written unless all are right."""
    who = as_actor(actor)
    _check_school(who, school_id)
    if not ids:
        msg = "send the rooms and folders in their new order"
        raise UsageError(msg)
    with hub.transaction() as session:
        conn = session.connection()
        rows = [_row_of(conn, item_id, who) for item_id in ids]
        for _, row in rows:
            if row.school_id != school_id:
                msg = f"unknown room or folder '{row.id}'"
                raise NotVisible(msg)
        table, first = rows[0]
        folder_id = first.folder_id if table is _room else None
        current = _siblings(load_layout(conn, school_id), folder_id)
        if sorted(ids) != sorted(i for _, i in current):
            where = "the folder's rooms" if folder_id else "the folders and rooms outside folders"
            msg = f"the new order must list each of {where} exactly once"
            raise UsageError(msg)
        kinds = {i: kind for kind, i in current}
        _write_positions(conn, [(kinds[i], i) for i in ids])
        audit.record(
            session,
            actor=who.name,
            action="room.reordered",
            target=folder_id or school_id,
            school_id=school_id,
            order=ids,
        )
    return ids
