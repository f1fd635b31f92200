"""Importing rooms from a spreadsheet (the guide's "Import Rooms", section 7).

The file is read by the hub's one spreadsheet reader (the ``rosterhub_read_tables`` hook: the
same type detection, limits and confined parse child as account uploads), then every row is
checked with the same rules as a room typed in the console. All or nothing: a file with any
error writes nothing, and every error names its sheet, row (as the spreadsheet shows it) and
column. Rooms are matched by name: a row naming an existing room updates it (its blank
optional cells leave those settings as they are), so importing the same file again creates
nothing twice. A folder a row names that does not exist yet is created.

:func:`process_rooms_file` is the service every surface calls (the CLI, the HTTP API, the
console and the chat window's bulk-upload dialogue): validate, preview (``dry_run``) or apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from hub import audit
from hub.access import NotVisible
from hub.actors import Actor, as_actor
from hub.context import Hub
from hub.errors import HubError
from hub.models import RoomTeacher
from hub.rooms import rules
from hub.rooms.checks import SchoolRooms, check_room
from hub.rooms.queries import load_layout
from hub.rooms.store import insert_folder, write_room
from hub.tables import Table, Tables, UnreadableTables
from hub.text import control_problem

APPLIED, REJECTED, DRY_RUN = "applied", "rejected", "dry_run"

ROOM_NAME = "Room Name"
ROOM_NUMBER = "Room Number"
TEACHERS = "Teachers in Room"
FOLDER = "Folder"
TIME_LIMIT = "Time Limit"
TRAVEL_TYPE = "Travel Type"
MAX_CAPACITY = "Max Capacity"
COUNTS = "Counts Toward Pass Limits"
COLUMNS = (ROOM_NAME, ROOM_NUMBER, TEACHERS, FOLDER, TIME_LIMIT, TRAVEL_TYPE, MAX_CAPACITY, COUNTS)
REQUIRED = (ROOM_NAME, ROOM_NUMBER, TEACHERS)
# The room setting each column sets, and the column each setting's error belongs to.
SETTING = {
    ROOM_NAME: "name",
    ROOM_NUMBER: "number",
    TEACHERS: "teachers",
    TIME_LIMIT: "time_limit",
    TRAVEL_TYPE: "travel_type",
    MAX_CAPACITY: "max_capacity",
    COUNTS: "counts_toward_limits",
}
COLUMN_OF = {
    **{setting: column for column, setting in SETTING.items()},
    "folder": FOLDER,
    "restriction_now": TEACHERS,
    "restriction_future": TEACHERS,
}
HEADER_SEARCH_ROWS = 10
MAX_LISTED = 1000
DEFAULT_FOLDER_COLOR = "#64748b"
DEFAULT_FOLDER_ICON = "door"
DEFAULT_TIME_LIMIT = 5
"""Minutes, for a new room whose Time Limit is blank (the guide: most passes are short)."""

_teacher = RoomTeacher.__table__  # type: ignore[attr-defined]


def _key(text: str) -> str:
    return "".join(text.replace("\ufeff", "").split()).casefold()


_HEADERS = {_key(c): c for c in COLUMNS}


@dataclass
class Outcome:
    """What a rooms file did or would do, in the contract's shape (:meth:`as_dict`)."""

    status: str = REJECTED
    counts: dict[str, int] = field(
        default_factory=lambda: {"created": 0, "updated": 0, "unchanged": 0}
    )
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    folders_created: list[str] = field(default_factory=list)

    def error(self, sheet: str, row: int, column: str | None, message: str) -> None:
        if len(self.errors) < MAX_LISTED:
            self.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def warn(self, sheet: str, row: int, column: str | None, message: str) -> None:
        self.warnings.append({"sheet": sheet, "row": row, "column": column, "message": message})

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "counts": dict(self.counts),
            "errors": list(self.errors),
            "warnings": list(self.warnings),
        }


@dataclass
class _Row:
    sheet: str
    number: int
    cells: dict[str, str]


def process_rooms_file(
    hub: Hub,
    *,
    school_id: str,
    filename: str,
    content: bytes,
    dry_run: bool,
    actor: Actor | str | None,
) -> dict[str, Any]:
    """Validate a rooms spreadsheet for a school and apply it unless ``dry_run`` or it has
    errors. Returns ``{"status": "applied|rejected|dry_run", "counts": {"created", "updated",
    "unchanged"}, "errors": [...], "warnings": [...]}``."""
    who = as_actor(actor)
    if not who.may_touch(school_id):
        msg = f"unknown school '{school_id}'"
        raise NotVisible(msg)
    outcome = Outcome()
    try:
        tables = read_rooms_tables(hub, content, filename=filename)
    except UnreadableTables as exc:
        outcome.error(filename, 0, None, str(exc))
        return outcome.as_dict()
    rows = _rows(tables, outcome, filename)
    if outcome.errors:  # no usable header: the rows cannot be read as rooms
        return outcome.as_dict()
    with hub.transaction() as session:
        conn = session.connection()
        plan = _plan(SchoolRooms.load(conn, school_id), rows, outcome, load_layout(conn, school_id))
        if outcome.errors:
            outcome.status = REJECTED
            return outcome.as_dict()
        if dry_run:
            outcome.status = DRY_RUN
            session.rollback()
            return outcome.as_dict()
        _apply(conn, school_id, plan)
        audit.record(
            session,
            actor=who.name,
            action="rooms.imported",
            target=school_id,
            school_id=school_id,
            filename=filename,
            folders_created=len(outcome.folders_created),
            **outcome.counts,
        )
        outcome.status = APPLIED
    return outcome.as_dict()


def looks_like_rooms(hub: Hub, *, filename: str, content: bytes) -> bool:
    """Whether a file is laid out as the rooms template: a sheet whose header row (within the
    first rows, as the import looks for it) has every required rooms column. A file that
    cannot be read is not one (the service reading it says why)."""
    try:
        tables = read_rooms_tables(hub, content, filename=filename)
    except UnreadableTables:
        return False
    for table in tables.sheets:
        header = _header(table)
        if header is not None and all(column in header[1] for column in REQUIRED):
            return True
    return False


def read_rooms_tables(hub: Hub, content: bytes, *, filename: str) -> Tables:
    """The file through the hub's spreadsheet reader plugin."""
    tables = hub.pm.hook.rosterhub_read_tables(content=content, filename=filename)
    if tables is None:
        msg = "no spreadsheet reader is installed (the csv plugin reads rooms files)"
        raise HubError(msg)
    return tables


# -- reading the rows -----------------------------------------------------------------------------


def _rows(tables: Tables, outcome: Outcome, filename: str) -> list[_Row]:
    for sheet, message in tables.warnings:
        outcome.warn(sheet, 0, None, message)
    found: list[_Row] = []
    readable = 0
    for table in tables.sheets:
        header = _header(table)
        if header is None:
            if table.rows and table.name.strip().casefold() != "instructions":
                outcome.warn(
                    table.name,
                    0,
                    None,
                    f"the sheet '{table.name}' has no Room Name column; it was ignored",
                )
            continue
        readable += 1
        header_row, positions = header
        for column in REQUIRED:
            if column not in positions:
                outcome.error(
                    table.name,
                    header_row,
                    column,
                    f"the required column {column} is missing from row {header_row}",
                )
        for number, cells in table.rows:
            if number <= header_row:
                continue
            values = {c: cells[p] if p < len(cells) else "" for c, p in positions.items()}
            if any(values.values()):
                found.append(_Row(table.name, number, values))
    if not readable:
        sheet = tables.sheets[0].name if tables.sheets else filename
        outcome.error(
            sheet, 1, ROOM_NAME, "the file has no Room Name column; use the rooms template"
        )
    return found


def _header(table: Table) -> tuple[int, dict[str, int]] | None:
    for number, cells in table.rows[:HEADER_SEARCH_ROWS]:
        positions: dict[str, int] = {}
        for position, text in enumerate(cells):
            column = _HEADERS.get(_key(text))
            if column is not None and column not in positions:
                positions[column] = position
        if ROOM_NAME in positions:
            return number, positions
    return None


# -- checking ---------------------------------------------------------------------------------------


@dataclass
class _Planned:
    room_id: str | None
    values: dict[str, Any]
    folder: str | None  # a folder to create first (its name), when values lack folder_id


def _plan(school: SchoolRooms, rows: list[_Row], outcome: Outcome, layout: Any) -> list[_Planned]:
    seen: dict[str, int] = {}
    planned: list[_Planned] = []
    new_folders: dict[str, str] = {}
    teachers = {
        room_id: [school.teachers.get(e) for e in emails]
        for room_id, emails in layout.teachers.items()
    }
    for row in rows:
        if _control(row, outcome):
            continue
        name = " ".join(row.cells.get(ROOM_NAME, "").split())
        key = rules.name_key(name)
        if key and key in seen:
            outcome.error(
                row.sheet,
                row.number,
                ROOM_NAME,
                f"the room '{name}' is also on row {seen[key]}; each room once",
            )
            continue
        seen[key] = row.number
        existing = school.rooms.get(key)
        if existing is not None and existing.name != name:
            outcome.error(
                row.sheet,
                row.number,
                ROOM_NAME,
                f"a room named '{existing.name}' already exists in this school (names are unique ignoring case); use its exact name to update it, or choose another",
            )
            continue
        data: dict[str, Any] = {}
        for column, setting in SETTING.items():
            value = row.cells.get(column, "")
            if value or column in REQUIRED:
                data[setting] = value
        if existing is None:
            data.setdefault("time_limit", DEFAULT_TIME_LIMIT)
        else:
            data.pop("name", None)
        folder_name = " ".join(row.cells.get(FOLDER, "").split())
        folder_to_make = None
        if folder_name:
            folder_name, problem = rules.clean_name(
                folder_name, limit=rules.FOLDER_NAME_MAX, what="folder"
            )
            if problem:
                outcome.error(row.sheet, row.number, FOLDER, problem)
                continue
            if rules.name_key(folder_name) in school.folders:
                data["folder"] = folder_name
            else:
                folder_to_make = new_folders.setdefault(rules.name_key(folder_name), folder_name)
        current = None
        if existing is not None:
            current = SimpleNamespace(
                **existing._asdict(), active_teachers=len(layout.teachers.get(existing.id, []))
            )
        values, errors = check_room(school, data, existing=current)
        for setting, message in errors.items():
            outcome.error(row.sheet, row.number, COLUMN_OF.get(setting), message)
        if errors:
            continue
        if existing is not None and _same(
            existing, values, teachers.get(existing.id, []), folder_to_make
        ):
            outcome.counts["unchanged"] += 1
            continue
        outcome.counts["updated" if existing is not None else "created"] += 1
        planned.append(
            _Planned(existing.id if existing is not None else None, values, folder_to_make)
        )
    outcome.folders_created = list(new_folders.values())
    return planned


def _control(row: _Row, outcome: Outcome) -> bool:
    for column, value in row.cells.items():
        problem = control_problem(value)
        if problem:
            outcome.error(row.sheet, row.number, column, f"the cell {problem}")
            return True
    return False


def _same(
    existing: Any, values: dict[str, Any], teacher_ids: list[int | None], new_folder: str | None
) -> bool:
    if new_folder is not None:
        return False
    for column, value in values.items():
        if column == "teacher_ids":
            if list(value) != [t for t in teacher_ids if t is not None]:
                return False
        elif column != "name_key" and getattr(existing, column) != value:
            return False
    return True


# -- applying -----------------------------------------------------------------------------------


def _apply(conn: Any, school_id: str, plan: list[_Planned]) -> None:
    made: dict[str, str] = {}
    for item in plan:
        values = dict(item.values)
        if item.folder is not None:
            key = rules.name_key(item.folder)
            if key not in made:
                made[key] = insert_folder(
                    conn,
                    school_id,
                    {
                        "name": item.folder,
                        "name_key": key,
                        "color": DEFAULT_FOLDER_COLOR,
                        "icon": DEFAULT_FOLDER_ICON,
                    },
                )
            values["folder_id"] = made[key]
        write_room(conn, school_id, values, room_id=item.room_id)
