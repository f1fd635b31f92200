"""The upload dialogue as a pure state machine: what a message means in the current state,
and how each step changes the stored :class:`bots.state.State`.

Nothing here reads the database or a file; :mod:`bots.conversation` loads the state, asks
these functions what to do, and stores what they changed (:func:`bots.state.change` may run
a transition more than once, so each is a pure function of the state it is given).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Literal, TypedDict

from bots import state as st
from bots.replies import (
    BULK_NO,
    BULK_YES,
    CANCEL,
    CONFIRM,
    ROOMS_CANCEL,
    ROOMS_CONFIRM,
    USE_PROVIDER,
    USE_SPREADSHEET,
)

# A confirm that crashed half-way may be retried after this long.
APPLYING_STALE = timedelta(minutes=10)

YES = frozenset(
    {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "please", "correct", "right"}
)
NO = frozenset({"no", "n", "nope", "nah", "not really"})
HELP_WORDS = frozenset({"help", "what can you do"})
TEMPLATE_WORDS = frozenset({"template", "send template", "send the template"})
CONFIRM_WORDS = frozenset({"confirm", "apply", "yes"})
CANCEL_WORDS = frozenset({"cancel", "no", "stop"})
START_WORDS = frozenset({"upload", "bulk upload", "start", "hi", "hello"})
_WORD = re.compile(r"[^a-z ]+")
# "import rooms", "upload our rooms", "I'd like to add the rooms file", "here are our rooms".
_ROOMS = re.compile(
    r"^(ok |okay |hi |hello )?(please )?"
    r"(i want to |i d like to |i would like to |can i |could i |let me |we want to |we d like to "
    r"|i need to |we need to )?"
    r"(import|upload|send|add|load|bulk upload|bulk add|set up)( in)?( my| our| the| some| all)?"
    r"( school s| schools)? rooms?( file| spreadsheet| list| sheet| import)?( please| now| too)*$"
    r"|^(here are|here is|here s|these are|this is|attached are|i m sending|i am sending)"
    r"( my| our| the)?( school s)? rooms?( file| spreadsheet| list| sheet)?( please)?$"
    r"|^rooms?( file| spreadsheet| import| upload)?( please)?$"
)
_ROOMS_TEMPLATE = re.compile(
    r"^(please )?(send |send me |can i have |can i get |could i have |i need |give me )?"
    r"(the |a )?rooms? (import )?template( please)?$|^(the )?template for( the)? rooms( please)?$"
)
ROOMS = "rooms"
"""What ``data["expect"]`` holds while a school is chosen for a rooms file."""
WAITING = frozenset({st.PREVIEW, st.APPLYING, st.ROOMS_PREVIEW, st.ROOMS_APPLYING})
"""States in which something waits for Confirm (or is being applied)."""


class PendingFile(TypedDict):
    """A file shared before its school was chosen: where it is and where replies go."""

    id: str | None
    thread: str | None


class PendingRooms(TypedDict):
    """A checked rooms file waiting for Confirm: applying it imports the same bytes again."""

    token: str  # the Confirm and Cancel buttons carry it
    school_id: str
    filename: str
    content: str  # base64
    at: str  # ISO-8601, when it was checked


class Step(Enum):
    """What a typed message asks for, before any school or file is looked at."""

    HELP = "help"
    TEMPLATE = "template"
    PICK_SCHOOL = "pick_school"  # the words are a school's name (or not: ask again)
    CHOICE = "choice"  # the same as pressing a button
    REMIND_PREVIEW = "remind_preview"
    REMIND_FILE = "remind_file"
    ROOMS = "rooms"  # the next file is a rooms file
    ROOMS_TEMPLATE = "rooms_template"
    REMIND_ROOMS_PREVIEW = "remind_rooms_preview"
    REMIND_ROOMS_FILE = "remind_rooms_file"
    BEGIN = "begin"


@dataclass(frozen=True, slots=True)
class Intent:
    step: Step
    choice: str = ""
    value: str = ""


ConfirmVerdict = Literal["go", "busy", "stale"]


def words(text: str) -> str:
    """Lower-case letters and single spaces: how typed words are compared."""
    return " ".join(_WORD.sub(" ", text.lower()).split())


def wants_rooms(said: str) -> bool:
    """The admin says the file they send is (or will be) a rooms file."""
    return bool(_ROOMS.match(said))


def wants_rooms_template(said: str) -> bool:
    return bool(_ROOMS_TEMPLATE.match(said))


def held_rooms(current: st.State) -> PendingRooms | None:
    held: PendingRooms | None = current.data.get("rooms")
    return held


def interpret(current: st.State, said: str) -> Intent:
    """What ``said`` (already :func:`words`) means in ``current``."""
    if said in HELP_WORDS:
        return Intent(Step.HELP)
    if wants_rooms_template(said):
        return Intent(Step.ROOMS_TEMPLATE)
    if said in TEMPLATE_WORDS:
        return Intent(Step.TEMPLATE)
    state = current.state
    if wants_rooms(said):
        if state in (st.PREVIEW, st.APPLYING):
            return Intent(Step.REMIND_PREVIEW)
        if state in (st.ROOMS_PREVIEW, st.ROOMS_APPLYING):
            return Intent(Step.REMIND_ROOMS_PREVIEW)
        return Intent(Step.ROOMS)
    held = held_rooms(current)
    if state == st.ROOMS_PREVIEW and held:
        if said in CONFIRM_WORDS:
            return Intent(Step.CHOICE, ROOMS_CONFIRM, held["token"])
        if said in CANCEL_WORDS:
            return Intent(Step.CHOICE, ROOMS_CANCEL, held["token"])
        return Intent(Step.REMIND_ROOMS_PREVIEW)
    if state == st.AWAITING_ROOMS and said not in START_WORDS:
        return Intent(Step.REMIND_ROOMS_FILE)
    if state == st.CHOOSING_SCHOOL:
        return Intent(Step.PICK_SCHOOL)
    if state == st.ASKED_BULK and (said in YES or said in NO):
        return Intent(Step.CHOICE, BULK_YES if said in YES else BULK_NO)
    if state == st.ASKED_PROVIDER and (said in YES or said in NO):
        return Intent(Step.CHOICE, USE_SPREADSHEET if said in YES else USE_PROVIDER)
    if state == st.PREVIEW and current.upload_id:
        if said in CONFIRM_WORDS:
            return Intent(Step.CHOICE, CONFIRM, current.upload_id)
        if said in CANCEL_WORDS:
            return Intent(Step.CHOICE, CANCEL, current.upload_id)
        return Intent(Step.REMIND_PREVIEW)
    if state == st.AWAITING_FILE and said not in START_WORDS:
        return Intent(Step.REMIND_FILE)
    return Intent(Step.BEGIN)


# -- transitions (each given to bots.state.change) ---------------------------------------------


def ask_school(s: st.State, pending: PendingFile | None, *, rooms: bool = False) -> None:
    """Ask which school; a rooms file asked for (or awaited) stays expected meanwhile."""
    if rooms or s.state == st.AWAITING_ROOMS:
        s.data["expect"] = ROOMS
    s.state = st.CHOOSING_SCHOOL
    if pending is not None:
        s.data["pending_file"] = dict(pending)


def choose_school(s: st.State, school_id: str) -> PendingFile | None:
    """Take the school; a file waiting for it comes back to be processed. Nothing changes
    while an upload waits for Confirm."""
    if s.state in WAITING:
        return None
    s.school_id = school_id
    pending: PendingFile | None = s.data.pop("pending_file", None)
    if s.data.pop("expect", None) == ROOMS:
        s.state = st.AWAITING_ROOMS
    else:
        s.state = st.AWAITING_FILE if pending else st.ASKED_BULK
    return pending


def expect_rooms(s: st.State) -> bool:
    """The next file is a rooms file. Nothing changes while something waits for Confirm."""
    if s.state in WAITING:
        return False
    s.data.pop("expect", None)
    s.state = st.AWAITING_ROOMS
    return True


def hold_rooms(s: st.State, held: PendingRooms) -> str | None:
    """Make a checked rooms file the waiting preview; returns an accounts preview it
    replaced, which the caller discards."""
    previous = s.upload_id if s.state == st.PREVIEW else None
    s.state = st.ROOMS_PREVIEW
    s.upload_id = None
    s.school_id = held["school_id"]
    s.data["rooms"] = dict(held)
    s.data["filename"] = held["filename"]
    return previous


def refuse_rooms(s: st.State, school_id: str) -> str | None:
    """A rooms file with problems: nothing waits now and the next file is taken as rooms
    again; returns an accounts preview it replaced, which the caller discards."""
    previous = s.upload_id if s.state == st.PREVIEW else None
    s.state = st.AWAITING_ROOMS
    s.upload_id = None
    s.school_id = school_id
    s.data.pop("rooms", None)
    return previous


def start_rooms_confirm(s: st.State, token: str) -> ConfirmVerdict:
    """Claim the waiting rooms file for importing, once (a second click finds it busy)."""
    held = held_rooms(s)
    if held is None or held.get("token") != token:
        return "stale"
    return _claim(s, waiting=st.ROOMS_PREVIEW, applying=st.ROOMS_APPLYING)


def finish_rooms(s: st.State, token: str, *, again: bool) -> None:
    """Confirm is over: applied (the school is chosen again next time), or not (``again``:
    the next file is taken as rooms)."""
    held = held_rooms(s)
    if held is not None and held.get("token") != token:
        s.state = st.ROOMS_PREVIEW  # a newer rooms file came meanwhile: it waits for Confirm
        return
    s.data.pop("rooms", None)
    s.state = st.AWAITING_ROOMS if again else st.START
    if not again:
        s.school_id = None


def cancel_rooms(s: st.State, token: str) -> bool:
    held = held_rooms(s)
    if s.state == st.ROOMS_PREVIEW and held is not None and held.get("token") == token:
        s.data.pop("rooms")
        s.state = st.AWAITING_ROOMS
        s.school_id = None  # an admin of several schools picks again for the next file
        return True
    return False


def start_confirm(s: st.State, upload_id: str) -> ConfirmVerdict:
    """Claim the waiting preview for applying, once (a second click finds it busy)."""
    if s.upload_id != upload_id:
        return "stale"
    return _claim(s, waiting=st.PREVIEW, applying=st.APPLYING)


def _claim(s: st.State, *, waiting: str, applying: str) -> ConfirmVerdict:
    """``waiting`` -> ``applying`` once; a second click while it applies finds it busy, and
    an apply that stopped answering long ago may be claimed again."""
    if s.state == waiting:
        s.state = applying
        s.stamp("applying_at")
        return "go"
    if s.state == applying:
        age = s.age("applying_at")
        if age is not None and age < APPLYING_STALE:
            return "busy"
        s.stamp("applying_at")
        return "go"
    return "stale"


def cancel_preview(s: st.State, upload_id: str) -> bool:
    if s.state == st.PREVIEW and s.upload_id == upload_id:
        s.state = st.AWAITING_FILE
        s.upload_id = None
        s.school_id = None  # an admin of several schools picks again for the next file
        return True
    return False


def replace_preview(
    s: st.State, upload_id: str | None, school_id: str, filename: str, thread: str | None
) -> str | None:
    """Make ``upload_id`` the waiting preview (or none); returns a preview it replaced, which
    the caller discards."""
    waiting = s.state in (st.PREVIEW, st.APPLYING) and s.upload_id != upload_id
    previous = s.upload_id if waiting and s.state == st.PREVIEW else None
    s.data.pop("rooms", None)  # an accounts file replaces a waiting rooms file too
    s.state = st.PREVIEW if upload_id else st.AWAITING_FILE
    s.upload_id = upload_id
    s.school_id = school_id
    s.data["filename"] = filename
    s.data["thread"] = thread
    return previous


def move(
    s: st.State, state: str, *, clear_upload: bool = False, forget_school: bool = False
) -> str | None:
    """Move the dialogue on; returns a waiting preview that leaving abandons (the caller
    discards it). ``forget_school``: the upload is over, so an admin of several schools
    picks the school again next time."""
    abandoned = s.upload_id if s.state == st.PREVIEW and state != st.PREVIEW else None
    if state not in (st.ROOMS_PREVIEW, st.ROOMS_APPLYING):
        s.data.pop("rooms", None)
    s.state = state
    if clear_upload or abandoned:
        s.upload_id = None
    if forget_school:
        s.school_id = None
    return abandoned
