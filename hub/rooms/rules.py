"""The onboarding guide's rules for a room's and a folder's settings, one function per setting.

Pure: each takes what a person typed (or a JSON value) and answers the clean value or the
message to show next to the field, so the console, the HTTP API, the import and the starter
pack all enforce exactly the same rules. Checks that need the school's data (unique names,
teachers of the school) are in :mod:`hub.rooms.checks`.
"""

from __future__ import annotations

import re
from typing import Any

NAME_MAX = 15
"""The guide: "The Room's name is limited to 15 characters"."""
NUMBER_MAX = 5
"""The guide: "The Room number can be alphanumeric and has a maximum length of 5 characters"."""
TIME_MIN, TIME_MAX = 1, 999
"""The guide: time limits "ranging from 1 to 999 minutes"."""
FOLDER_NAME_MAX = 30
CAPACITY_MAX = 999

ROUND_TRIP, ONE_WAY, BOTH = "round_trip", "one_way", "both"
TRAVEL_TYPES = {ROUND_TRIP: "Round Trip", ONE_WAY: "One Way", BOTH: "Both"}

ANY_TEACHER = "any_teacher"
ANY_IN_ROOM = "any_teachers_in_room"
ALL_IN_ROOM = "all_teachers_in_room"
CERTAIN_TEACHER = "certain_teacher"
WHO = {
    ANY_TEACHER: "Any Teacher",
    ANY_IN_ROOM: "Any Teachers In Room",
    ALL_IN_ROOM: "All Teachers In Room",
    CERTAIN_TEACHER: "Certain Teacher",
}
IN_ROOM = frozenset({ANY_IN_ROOM, ALL_IN_ROOM})
THIS, ORIGIN = "this", "origin"
WHICH_ROOM = {THIS: "This Room", ORIGIN: "Origin Room", BOTH: "Both"}
ENDINGS = {
    "room_code": "Room Code",
    "teacher_pin": "Teacher's PIN",
    "teacher_dashboard": "Teacher dashboard",
}
VISIBILITY = {
    "all": "Show room for all students",
    "show_for": "Show room for certain students",
    "hide_for": "Hide room for certain students",
}
ICONS = (
    "door",
    "restroom",
    "water",
    "nurse",
    "book",
    "office",
    "star",
    "clock",
    "exit",
    "people",
    "heart",
    "school",
    "food",
    "gym",
    "music",
    "art",
    "science",
    "computer",
    "locker",
)
_COLOR = re.compile(r"^#[0-9a-f]{6}$")
_NUMBER = re.compile(r"^[A-Za-z0-9]*$")
_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}

TEACHERS_FIRST = (
    "add a teacher to the room and save it first: staff have to be added into their rooms "
    "before restrictions that send passes to the room's teachers can be set"
)


def name_key(name: str) -> str:
    """What makes two names the same name (case is ignored)."""
    return name.casefold()


def clean_name(value: Any, *, limit: int = NAME_MAX, what: str = "room") -> tuple[str, str | None]:
    name = " ".join(str(value or "").split())
    if not name:
        return name, f"enter the {what}'s name"
    if len(name) > limit:
        return (
            name,
            f"the {what} name '{name}' has {len(name)} characters; at most {limit} are allowed",
        )
    return name, None


def clean_number(value: Any) -> tuple[str, str | None]:
    number = str(value or "").strip()
    if not number:
        return number, "enter the room number (up to 5 letters or digits)"
    if len(number) > NUMBER_MAX:
        return (
            number,
            f"the room number '{number}' has {len(number)} characters; at most {NUMBER_MAX}",
        )
    if not _NUMBER.match(number):
        return number, f"the room number '{number}' may hold only letters and digits"
    return number, None


def clean_int(value: Any, *, low: int, high: int, what: str) -> tuple[int | None, str | None]:
    """A whole number from a form, a cell ("5", "5.0") or JSON, within ``low``-``high``."""
    if isinstance(value, bool):
        return None, f"{what} must be a whole number from {low} to {high}"
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not text.isdigit() and not (text.startswith("-") and text[1:].isdigit()):
            shown = f" ('{text}')" if text else ""
            return None, f"{what} must be a whole number from {low} to {high}{shown}"
        number = int(text)
    if not low <= number <= high:
        return None, f"{what} must be from {low} to {high} (not {number})"
    return number, None


def clean_time_limit(value: Any) -> tuple[int | None, str | None]:
    return clean_int(value, low=TIME_MIN, high=TIME_MAX, what="the time limit (minutes)")


def clean_capacity(value: Any) -> tuple[int | None, str | None]:
    """Blank means no maximum."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    return clean_int(value, low=1, high=CAPACITY_MAX, what="the max capacity")


def clean_travel_type(value: Any) -> tuple[str | None, str | None]:
    """``round_trip``/``one_way``/``both``, or the template's words (Round Trip …)."""
    text = "_".join(str(value or "").strip().lower().replace("-", " ").split())
    if text in TRAVEL_TYPES:
        return text, None
    return None, f"the travel type must be Round Trip, One Way or Both (not '{value or ''}')"


def clean_yes_no(value: Any, *, what: str) -> tuple[bool | None, str | None]:
    if isinstance(value, bool):
        return value, None
    text = str(value or "").strip().lower()
    if text in _YES:
        return True, None
    if text in _NO:
        return False, None
    return None, f"{what} must be Yes or No (not '{value or ''}')"


def clean_color(value: Any) -> tuple[str, str | None]:
    color = str(value or "").strip().lower()
    if not _COLOR.match(color):
        return color, "the color must be #rrggbb (for example #3b82f6)"
    return color, None


def clean_icon(value: Any) -> tuple[str, str | None]:
    icon = str(value or "").strip().lower()
    if icon not in ICONS:
        return icon, f"the icon must be one of: {', '.join(ICONS)}"
    return icon, None


def clean_endings(values: Any) -> tuple[list[str], str | None]:
    chosen = list(values or [])
    unknown = [v for v in chosen if v not in ENDINGS]
    if unknown:
        return [], f"passes can end only by {', '.join(ENDINGS)} (not '{unknown[0]}')"
    return [e for e in ENDINGS if e in chosen], None


def clean_visibility_mode(value: Any) -> tuple[str, str | None]:
    mode = str(value or "all")
    if mode not in VISIBILITY:
        return "all", "visibility must be all, show_for or hide_for"
    return mode, None


def restriction_shape(value: Any) -> tuple[dict[str, Any] | None, str | None]:
    """Off (None) or ``{"who", "room", "teacher"}`` with what ``who`` needs: a room choice for
    the "teachers in room" options, a teacher (an email here) for Certain Teacher."""
    if value is None or value == {} or value == "off":
        return None, None
    if not isinstance(value, dict):
        return None, "a restriction is off (null) or {who, room, teacher}"
    who = value.get("who")
    if who not in WHO:
        return None, f"choose who approves: {', '.join(WHO)}"
    room = value.get("room") or None
    teacher = str(value.get("teacher") or "").strip().lower() or None
    if who in IN_ROOM:
        if room not in WHICH_ROOM:
            return None, f"{WHO[who]} needs a room: This Room, Origin Room or Both"
    else:
        room = None
    if who == CERTAIN_TEACHER:
        if not teacher:
            return None, "Certain Teacher needs the teacher's email"
    else:
        teacher = None
    return {"who": who, "room": room, "teacher": teacher}, None


def needs_teachers_in_room(restriction: dict[str, Any] | None) -> bool:
    """Whether a restriction sends passes to this room's own teachers (so the room needs at
    least one): "any/all teachers in room" for This Room or Both."""
    return (
        restriction is not None
        and restriction.get("who") in IN_ROOM
        and restriction.get("room") in (THIS, BOTH)
    )
