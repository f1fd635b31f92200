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
from bots.replies import BULK_NO, BULK_YES, CANCEL, CONFIRM, USE_PROVIDER, USE_SPREADSHEET

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


class PendingFile(TypedDict):
    """A file shared before its school was chosen: where it is and where replies go."""

    id: str | None
    thread: str | None


class Step(Enum):
    """What a typed message asks for, before any school or file is looked at."""

    HELP = "help"
    TEMPLATE = "template"
    PICK_SCHOOL = "pick_school"  # the words are a school's name (or not: ask again)
    CHOICE = "choice"  # the same as pressing a button
    REMIND_PREVIEW = "remind_preview"
    REMIND_FILE = "remind_file"
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


def interpret(current: st.State, said: str) -> Intent:
    """What ``said`` (already :func:`words`) means in ``current``."""
    if said in HELP_WORDS:
        return Intent(Step.HELP)
    if said in TEMPLATE_WORDS:
        return Intent(Step.TEMPLATE)
    state = current.state
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


def ask_school(s: st.State, pending: PendingFile | None) -> None:
    s.state = st.CHOOSING_SCHOOL
    if pending is not None:
        s.data["pending_file"] = dict(pending)


def choose_school(s: st.State, school_id: str) -> PendingFile | None:
    """Take the school; a file waiting for it comes back to be processed. Nothing changes
    while an upload waits for Confirm."""
    if s.state in (st.PREVIEW, st.APPLYING):
        return None
    s.school_id = school_id
    pending: PendingFile | None = s.data.pop("pending_file", None)
    s.state = st.AWAITING_FILE if pending else st.ASKED_BULK
    return pending


def start_confirm(s: st.State, upload_id: str) -> ConfirmVerdict:
    """Claim the waiting preview for applying, once (a second click finds it busy)."""
    if s.upload_id != upload_id:
        return "stale"
    if s.state == st.PREVIEW:
        s.state = st.APPLYING
        s.stamp("applying_at")
        return "go"
    if s.state == st.APPLYING:
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
    s.state = state
    if clear_upload or abandoned:
        s.upload_id = None
    if forget_school:
        s.school_id = None
    return abandoned
