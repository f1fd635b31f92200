"""The rooms starter pack, exactly as the onboarding guide describes it (section 2), and the
rooms dashboard's offer of it: add it (the guide's "+") or dismiss it (the "X").

Adding creates only what the school does not already have (a folder or room of the same name
is left as it is), so adding it twice, or after importing some of the same rooms, creates
nothing twice. Restrictions that send passes to a room's own teachers are not preset: a new
room has no teachers, and "staff have to be added into their rooms to properly adjust room
restrictions"; the classrooms' template room starts with "Any Teacher" for now passes, which
needs none.

Names are at most 15 characters (the guide's own rule), so the guide's "Assistant Principal"
and "Student Services Secretary" are "Asst. Principal" and "SS Secretary" here; folder names
may be longer ("Student Services").
"""

from __future__ import annotations

from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from sqlalchemy import insert, select, update

from hub import audit
from hub.actors import Actor, as_actor
from hub.context import Hub
from hub.models import RoomSetup, utcnow
from hub.rooms import rules
from hub.rooms.checks import SchoolRooms, check_room
from hub.rooms.store import RoomInvalid, _check_school, insert_folder, write_room

_setup = RoomSetup.__table__  # type: ignore[attr-defined]

ADDED = "added"
DISMISSED = "dismissed"


@dataclass(frozen=True)
class StarterRoom:
    name: str
    number: str
    time_limit: int
    travel_type: str = rules.ROUND_TRIP
    counts_toward_limits: bool = True
    max_capacity: int | None = None
    restriction_now: dict[str, Any] | None = None
    color: str = "#3b82f6"
    icon: str = "door"

    def settings(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "number": self.number,
            "time_limit": self.time_limit,
            "travel_type": self.travel_type,
            "counts_toward_limits": self.counts_toward_limits,
            "max_capacity": self.max_capacity,
            "restriction_now": self.restriction_now,
            "restriction_future": None,
            "color": self.color,
            "icon": self.icon,
        }


@dataclass(frozen=True)
class StarterFolder:
    name: str
    color: str
    icon: str
    rooms: tuple[StarterRoom, ...]


def _restroom(name: str, number: str) -> StarterRoom:
    """Restrooms: 5 minutes (the guide: "around 5-7 minutes are fairly common"), round trip,
    counted toward pass limits, two at a time, no restriction (students start their own)."""
    return StarterRoom(name, number, 5, max_capacity=2)


def _fountain(name: str, number: str) -> StarterRoom:
    """Water fountains: 3 minutes (the guide: "2-4 minutes"), otherwise as restrooms."""
    return StarterRoom(name, number, 3, max_capacity=2)


def _office(name: str, number: str, *, counts: bool = False) -> StarterRoom:
    """Staffed offices: 10 minutes (the guide's "10 minutes max"), either way, restrictions off
    until the staff member is added to the room."""
    return StarterRoom(name, number, 10, travel_type=rules.BOTH, counts_toward_limits=counts)


PACK: tuple[StarterFolder | StarterRoom, ...] = (
    StarterFolder(
        "Restrooms",
        "#0ea5e9",
        "restroom",
        (_restroom("Restroom 1", "R1"), _restroom("Restroom 2", "R2")),
    ),
    StarterFolder(
        "Water Fountains",
        "#14b8a6",
        "water",
        (_fountain("Fountain 1", "W1"), _fountain("Fountain 2", "W2")),
    ),
    StarterRoom("Nurse", "NRS", 10, rules.BOTH, True, color="#ef4444", icon="nurse"),
    StarterRoom("Library", "LIB", 10, rules.BOTH, True, color="#8b5cf6", icon="book"),
    StarterRoom("Main Office", "MO", 10, rules.BOTH, True, color="#f59e0b", icon="office"),
    StarterFolder(
        "Admins", "#6366f1", "star", (_office("Principal", "PR"), _office("Asst. Principal", "AP"))
    ),
    StarterFolder(
        "Attendance",
        "#64748b",
        "clock",
        (
            StarterRoom("Late Arrivals", "LA", 5, rules.ONE_WAY, False),
            StarterRoom("Early Dismissal", "ED", 5, rules.ONE_WAY, False),
        ),
    ),
    StarterFolder(
        "Student Services",
        "#ec4899",
        "heart",
        (
            _office("Counselor", "CO"),
            _office("Social Worker", "SW"),
            _office("SS Secretary", "SS"),
        ),
    ),
    StarterFolder(
        "Classrooms",
        "#22c55e",
        "school",
        (
            StarterRoom(
                "Teacher Name",
                "101",
                5,
                rules.BOTH,
                True,
                restriction_now={"who": rules.ANY_TEACHER},
            ),
        ),
    ),
)


def pack_size() -> tuple[int, int]:
    """Folders and rooms in the pack."""
    folders = [item for item in PACK if isinstance(item, StarterFolder)]
    rooms = sum(len(f.rooms) for f in folders) + len(PACK) - len(folders)
    return len(folders), rooms


def starter_state(hub: Hub, *, school_id: str) -> str | None:
    """``added``, ``dismissed`` or None (still offered)."""
    with hub.engine.connect() as conn:
        return conn.execute(
            select(_setup.c.starter_pack).where(_setup.c.school_id == school_id)
        ).scalar()


def _remember(conn: Any, school_id: str, state: str) -> None:
    found = conn.execute(select(_setup.c.school_id).where(_setup.c.school_id == school_id)).first()
    if found is None:
        conn.execute(
            insert(_setup).values(school_id=school_id, starter_pack=state, updated_at=utcnow())
        )
    else:
        conn.execute(
            update(_setup)
            .where(_setup.c.school_id == school_id)
            .values(starter_pack=state, updated_at=utcnow())
        )


def add_starter_pack(hub: Hub, *, school_id: str, actor: Actor | str | None) -> dict[str, int]:
    """Add what the school lacks of the pack; ``{"folders": N, "rooms": N}`` created."""
    who = as_actor(actor)
    _check_school(who, school_id)
    created = {"folders": 0, "rooms": 0}
    with hub.transaction() as session:
        conn = session.connection()
        school = SchoolRooms.load(conn, school_id)
        for item in PACK:
            if isinstance(item, StarterFolder):
                folder = school.folders.get(rules.name_key(item.name))
                if folder is None:
                    folder_id = insert_folder(
                        conn,
                        school_id,
                        {
                            "name": item.name,
                            "name_key": rules.name_key(item.name),
                            "color": item.color,
                            "icon": item.icon,
                        },
                    )
                    created["folders"] += 1
                else:
                    folder_id = folder.id
                for room in item.rooms:
                    created["rooms"] += _add_room(conn, school, room, folder_id)
            else:
                created["rooms"] += _add_room(conn, school, item, None)
        _remember(conn, school_id, ADDED)
        audit.record(
            session,
            actor=who.name,
            action="rooms.starter_pack_added",
            target=school_id,
            school_id=school_id,
            **created,
        )
    return created


def _add_room(conn: Any, school: SchoolRooms, room: StarterRoom, folder_id: str | None) -> int:
    if rules.name_key(room.name) in school.rooms:
        return 0
    values, errors = check_room(school, room.settings())
    if errors:  # the pack breaks no rule (a test checks); never write half a pack
        raise RoomInvalid(errors)
    values["folder_id"] = folder_id
    room_id = write_room(conn, school.school_id, values)
    school.rooms[values["name_key"]] = SimpleNamespace(id=room_id, name=room.name)
    return 1


def dismiss_starter_pack(hub: Hub, *, school_id: str, actor: Actor | str | None) -> dict[str, int]:
    """No more offer of the pack on the rooms dashboard; nothing is created or removed."""
    who = as_actor(actor)
    _check_school(who, school_id)
    with hub.transaction() as session:
        _remember(session.connection(), school_id, DISMISSED)
        audit.record(
            session,
            actor=who.name,
            action="rooms.starter_pack_dismissed",
            target=school_id,
            school_id=school_id,
        )
    return {"folders": 0, "rooms": 0}
