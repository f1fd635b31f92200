"""Rooms: the school's folders and rooms in order, the starter pack card, a room's settings
form (every setting of the guide, each broken rule shown red beside its field), the
arrangement (Move up / Move down, and the drag-and-drop of ``static/rooms.js`` posting a whole
new order) and the rooms import.

The same services as the CLI and the API (:mod:`hub.rooms`); district IT and the school's
admins change rooms, support reads them.
"""

from __future__ import annotations

import copy
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse

from hub import accounts, limits
from hub.access import OPERATORS, WRITERS, visible_room
from hub.console.session import HereDep, check_csrf
from hub.console.web import ConsoleRoute, console_path, page, redirect
from hub.models import ACTIVE
from hub.rooms import imports, queries, rules, starter, store, template
from hub.rooms.checks import SchoolRooms
from hub.roster import STUDENT
from hub.tokens import SCHOOL_ADMIN

router = APIRouter(route_class=ConsoleRoute)

CHANGERS = (*WRITERS, SCHOOL_ADMIN)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SHOWN = 200
PICKED_IN_PAGE = 200
"""A school with more students than this lists only the chosen ones in a room's form; the
rest are found by searching the server (``/rooms/students``), not sent whole in every page."""
FOUND_AT_MOST = 50


def _rooms_page(request: Request, here: Any, *, status: int = 200, **extra: Any) -> Response:
    school = here.need_school()
    with here.hub.engine.connect() as conn:
        layout = queries.load_layout(conn, school.id)
    groups = [
        {"folder": folder, "rooms": [queries.room_json(r, layout) for r in rooms]}
        for folder, rooms in layout.ordered()
    ]
    return page(
        request,
        "rooms.html",
        {
            "nav": "rooms",
            "groups": groups,
            "offer_pack": starter.starter_state(here.hub, school_id=school.id) is None,
            "can_change": here.principal.may(*CHANGERS),
            "shown": SHOWN,
            **extra,
        },
        status=status,
    )


@router.get("/rooms")
def rooms_page(request: Request, here: HereDep) -> Response:
    return _rooms_page(request, here)


@router.post("/rooms/starter-pack")
def starter_pack(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    action: Annotated[str, Form(max_length=16)] = "add",
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*CHANGERS)
    do = starter.dismiss_starter_pack if action == "dismiss" else starter.add_starter_pack
    do(here.hub, school_id=school.id, actor=here.principal.as_actor())
    return redirect(console_path("/rooms", school=school.id))


@router.post("/rooms/imports")
def import_rooms(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*CHANGERS)
    if file is None or not file.filename:
        return _rooms_page(
            request, here, import_error="Choose the rooms spreadsheet to send", status=400
        )
    content = file.file.read(limits.MAX_FILE_BYTES + 1)
    filename = limits.sent_name(file.filename, "rooms")
    result = imports.process_rooms_file(
        here.hub,
        school_id=school.id,
        filename=filename,
        content=content,
        dry_run=False,
        actor=here.principal.as_actor(),
    )
    status = 400 if result["status"] == "rejected" else 200
    return _rooms_page(request, here, result=result, filename=filename, status=status)


@router.post("/rooms/{room_id}/move")
def move(
    request: Request,
    here: HereDep,
    room_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    direction: Annotated[str, Form(max_length=8)] = "up",
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*CHANGERS)
    store.move(here.hub, item_id=room_id, direction=direction, actor=here.principal.as_actor())
    return redirect(console_path("/rooms", school=school.id))


@router.post("/rooms/order")
def order(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    ids: Annotated[list[str], Form(max_length=64)] = [],  # noqa: B006 - FastAPI's form default
) -> Response:
    """The drag-and-drop arrangement: the ids of the items arranged together, in their new
    order (every folder and room outside folders, or one folder's rooms)."""
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*CHANGERS)
    kept = store.reorder(here.hub, school_id=school.id, ids=ids, actor=here.principal.as_actor())
    return JSONResponse({"order": kept})


def _form_values(room: dict[str, Any]) -> dict[str, Any]:
    def restriction(value: dict[str, Any] | None) -> dict[str, str]:
        value = value or {}
        return {
            "who": value.get("who") or "off",
            "room": value.get("room") or "",
            "teacher": value.get("teacher") or "",
        }

    return {
        "name": room["name"],
        "number": room["number"],
        "travel_type": room["travel_type"],
        "time_limit": str(room["time_limit"]),
        "teachers": "; ".join(room["teachers"]),
        "max_capacity": "" if room["max_capacity"] is None else str(room["max_capacity"]),
        "counts_toward_limits": room["counts_toward_limits"],
        "open": room["open"],
        "folder": room["folder"] or "",
        "color": room["color"],
        "icon": room["icon"],
        "now": restriction(room["restriction_now"]),
        "future": restriction(room["restriction_future"]),
        "closest_rooms": list(room["closest_rooms"]),
        "show_as_origin": room["show_as_origin"],
        "restrict_ending": list(room["restrict_ending"]),
        "visibility_mode": room["visibility"]["mode"],
        "visibility_students": list(room["visibility"]["students"]),
    }


def _edit_page(
    request: Request,
    here: Any,
    room: dict[str, Any] | None,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    school = here.need_school()
    with here.hub.engine.connect() as conn:
        layout = queries.load_layout(conn, school.id)
        people = SchoolRooms(conn, school.id)
        students = list(people.students)
        teachers = sorted(people.teachers)
    chosen = set(values["visibility_students"])
    searching = len(students) > PICKED_IN_PAGE
    listed = [e for e in students if e in chosen] if searching else students
    return page(
        request,
        "room_edit.html",
        {
            "nav": "rooms",
            "room": room,
            "values": values,
            "errors": errors,
            "rules": rules,
            "folders": [f.name for f in layout.folders],
            "other_rooms": [r.name for r in layout.flat() if room is None or r.id != room["id"]],
            # the chosen students first, so a long list still shows who is picked
            "students": [
                {"email": e, "name": people.names.get(e, "")}
                for e in sorted(listed, key=lambda e: (e not in chosen, e))
            ],
            "student_search": (
                console_path("/rooms/students", school=school.id) if searching else None
            ),
            "student_note": (
                f"{len(students):,} students: type part of a name or an email to find them (the chosen ones are listed)"
                if searching
                else ""
            ),
            "teacher_emails": teachers,
        },
        status=status,
    )


NEW_ROOM = {
    "name": "",
    "number": "",
    "travel_type": rules.ROUND_TRIP,
    "time_limit": "5",
    "teachers": "",
    "max_capacity": "",
    "counts_toward_limits": True,
    "open": True,
    "folder": "",
    "color": "#3b82f6",
    "icon": "door",
    "now": {"who": "off", "room": "", "teacher": ""},
    "future": {"who": "off", "room": "", "teacher": ""},
    "closest_rooms": [],
    "show_as_origin": True,
    "restrict_ending": [],
    "visibility_mode": "all",
    "visibility_students": [],
}


@router.get("/rooms/students")
def find_students(here: HereDep, q: Annotated[str, Query(max_length=100)] = "") -> JSONResponse:
    """The school's active students with every word of ``q`` in their name or email (the
    Accounts page's search), at most :data:`FOUND_AT_MOST`, by email: what a room's form
    offers in a large school."""
    school = here.need_school()  # whoever sees the school sees its rooms' forms
    if not q.split():
        return JSONResponse({"students": [], "more": False})
    total, rows = accounts.search_accounts(
        here.hub, school_id=school.id, text=q, role=STUDENT, status=ACTIVE, limit=FOUND_AT_MOST
    )
    shown = [
        {"email": r["email"], "name": " ".join(f"{r['first_name']} {r['last_name']}".split())}
        for r in rows
    ]
    return JSONResponse(
        {"students": shown, "more": total > len(rows)}, headers={"Cache-Control": "no-store"}
    )


@router.get("/rooms/new")
def new_form(request: Request, here: HereDep) -> Response:
    here.principal.require(*CHANGERS)
    return _edit_page(request, here, None, copy.deepcopy(NEW_ROOM), {})


def _folder_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    return page(
        request,
        "folder_new.html",
        {"nav": "rooms", "values": values, "errors": errors, "icons": rules.ICONS},
        status=status,
    )


@router.get("/folders/new")
def new_folder_form(request: Request, here: HereDep) -> Response:
    here.need_school()
    here.principal.require(*CHANGERS)
    return _folder_page(request, {"name": "", "color": "#64748b", "icon": "door"}, {})


@router.post("/folders/new")
def new_folder(
    request: Request,
    here: HereDep,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    color: Annotated[str, Form(max_length=32)] = "",
    icon: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    here.principal.require(*CHANGERS)
    values = {"name": name, "color": color, "icon": icon}
    try:
        store.create_folder(
            here.hub, school_id=school.id, data=values, actor=here.principal.as_actor()
        )
    except store.RoomInvalid as exc:
        return _folder_page(request, values, exc.errors, status=400)
    return redirect(console_path("/rooms", school=school.id))


@router.get("/rooms/{room_id}")
def edit_form(request: Request, here: HereDep, room_id: str) -> Response:
    room = visible_room(here.hub, here.principal, room_id)
    doc = store.get_room(here.hub, room_id=room.id, actor=here.principal.as_actor())
    return _edit_page(request, here, doc, _form_values(doc), {})


def _restriction(who: str, room: str, teacher: str) -> dict[str, Any] | None:
    if who in ("", "off"):
        return None
    return {"who": who, "room": room or None, "teacher": teacher or None}


@router.post("/rooms/{room_id}/delete")
def delete(
    request: Request,
    here: HereDep,
    room_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    check_csrf(request, csrf_token)
    room = visible_room(here.hub, here.principal, room_id)
    here.principal.require(*CHANGERS)
    store.delete_room(here.hub, room_id=room.id, actor=here.principal.as_actor())
    return redirect(console_path("/rooms", school=room.school_id))


@router.post("/rooms/{room_id}")
def save(
    request: Request,
    here: HereDep,
    room_id: str,
    csrf_token: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    number: Annotated[str, Form(max_length=200)] = "",
    travel_type: Annotated[str, Form(max_length=32)] = "",
    time_limit: Annotated[str, Form(max_length=32)] = "",
    teachers: Annotated[str, Form(max_length=20_000)] = "",
    max_capacity: Annotated[str, Form(max_length=32)] = "",
    counts_toward_limits: Annotated[str, Form(max_length=8)] = "",
    open_: Annotated[str, Form(alias="open", max_length=8)] = "",
    folder: Annotated[str, Form(max_length=200)] = "",
    color: Annotated[str, Form(max_length=32)] = "",
    icon: Annotated[str, Form(max_length=32)] = "",
    now_who: Annotated[str, Form(max_length=32)] = "off",
    now_room: Annotated[str, Form(max_length=16)] = "",
    now_teacher: Annotated[str, Form(max_length=320)] = "",
    future_who: Annotated[str, Form(max_length=32)] = "off",
    future_room: Annotated[str, Form(max_length=16)] = "",
    future_teacher: Annotated[str, Form(max_length=320)] = "",
    closest_rooms: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006
    show_as_origin: Annotated[str, Form(max_length=8)] = "",
    restrict_ending: Annotated[list[str], Form(max_length=32)] = [],  # noqa: B006
    visibility_mode: Annotated[str, Form(max_length=16)] = "all",
    visibility_students: Annotated[list[str], Form(max_length=320)] = [],  # noqa: B006
) -> Response:
    check_csrf(request, csrf_token)
    school = here.need_school()
    room = None if room_id == "new" else visible_room(here.hub, here.principal, room_id)
    here.principal.require(*CHANGERS)
    data: dict[str, Any] = {
        "name": name,
        "number": number,
        "travel_type": travel_type,
        "time_limit": time_limit,
        "teachers": teachers,
        "max_capacity": max_capacity,
        "counts_toward_limits": counts_toward_limits == "yes",
        "open": open_ == "yes",
        "folder": folder,
        "restriction_now": _restriction(now_who, now_room, now_teacher),
        "restriction_future": _restriction(future_who, future_room, future_teacher),
        "closest_rooms": closest_rooms,
        "show_as_origin": show_as_origin == "yes",
        "restrict_ending": restrict_ending,
        "visibility": {"mode": visibility_mode, "students": visibility_students},
    }
    if not folder:  # a room in a folder takes the folder's appearance
        data.update(color=color, icon=icon)
    who = here.principal.as_actor()
    try:
        if room is None:
            store.create_room(here.hub, school_id=school.id, data=data, actor=who)
        else:
            store.update_room(here.hub, room_id=room.id, data=data, actor=who)
    except store.RoomInvalid as exc:
        doc = None if room is None else store.get_room(here.hub, room_id=room.id, actor=who)
        values = {
            **{k: v for k, v in data.items() if isinstance(v, str)},
            "color": color,
            "icon": icon,
            "counts_toward_limits": data["counts_toward_limits"],
            "open": data["open"],
            "now": {"who": now_who, "room": now_room, "teacher": now_teacher},
            "future": {"who": future_who, "room": future_room, "teacher": future_teacher},
            "closest_rooms": closest_rooms,
            "show_as_origin": data["show_as_origin"],
            "restrict_ending": restrict_ending,
            "visibility_mode": visibility_mode,
            "visibility_students": [e.strip().lower() for e in visibility_students],
        }
        fields = {"restriction_now": "now_who", "restriction_future": "future_who"}
        errors = {fields.get(key, key): message for key, message in exc.errors.items()}
        return _edit_page(request, here, doc, values, errors, status=400)
    return redirect(console_path("/rooms", school=school.id))


@router.get("/rooms-template.xlsx")
def rooms_template(request: Request, here: HereDep) -> Response:
    del request
    here.principal.require(*OPERATORS, SCHOOL_ADMIN)
    return Response(
        template.template_bytes(),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="rosterhub-rooms.xlsx"'},
    )
