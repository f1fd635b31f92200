"""The school-admin upload conversation, independent of any chat service.

A chat surface (the Slack app here; a web chat window could be another) tells this module who
is talking (a user id and the email the chat service vouches for), what they said, which button
they pressed or which file they shared, and gets back :class:`~bots.replies.Outcome` data to
render. State lives in the database (:mod:`bots.state`), so a restart loses nothing.

The order of checks on a file is the point: the sender must be an active admin *before* the
file is even described, and its size and type must pass *before* it is read. What they upload
may touch only the schools where they are an active admin (checked again on Confirm), and an
admin of several schools always picks the school for each upload.

The pieces: the words (:mod:`bots.texts`), which files are read (:mod:`bots.file_policy`),
the state machine (:mod:`bots.dialogue`), the upload service (:mod:`bots.upload_seam`), and
for a rooms file the rooms steps (:mod:`bots.rooms_steps`) and the rooms import
(:mod:`bots.rooms_seam`).
"""

from __future__ import annotations

import logging

from bots import state as st
from bots import texts, upload_seam
from bots.dialogue import (
    APPLYING_STALE,
    ROOMS,
    WAITING,
    PendingFile,
    Step,
    choose_school,
    interpret,
    words,
)
from bots.dialogue import ask_school as ask_school_step
from bots.file_policy import ACCEPTED_TYPES, FileSource, check_file
from bots.replies import (
    BULK_NO,
    BULK_YES,
    CANCEL,
    CHOOSE_SCHOOL,
    CONFIRM,
    ROOMS_CANCEL,
    ROOMS_CONFIRM,
    USE_PROVIDER,
    USE_SPREADSHEET,
    Attachment,
    Button,
    Outcome,
)
from bots.rooms_steps import RoomsSteps
from bots.texts import ASK_BULK, HELP, NOT_ADMIN, NOT_ADMIN_FILE
from bots.upload_steps import Person
from hub.chat.queries import admin_schools
from hub.models import School

log = logging.getLogger(__name__)

PREVIEW_TTL = upload_seam.PREVIEW_TTL
TEMPLATE_NAME = "rosterhub-accounts-template.xlsx"

__all__ = [
    "ACCEPTED_TYPES",
    "APPLYING_STALE",
    "ASK_BULK",
    "HELP",
    "NOT_ADMIN",
    "NOT_ADMIN_FILE",
    "FileSource",
    "Person",
    "UploadConversation",
    "admin_schools",
    "check_file",
]


class UploadConversation(RoomsSteps):
    """The dialogue: ask, send the template, take a file, preview, confirm or cancel; the
    same for a rooms file when the admin says the file is their rooms."""

    def schools_of(self, person: Person) -> list[School]:
        """The schools this person may upload to here (a surface may narrow them)."""
        return admin_schools(self.hub, person.email)

    # -- entry points ---------------------------------------------------------------------

    def on_text(self, *, channel: str, person: Person, text: str, files: FileSource) -> Outcome:
        schools = self.schools_of(person)
        if not schools:
            return Outcome().say(self.not_admin)
        current = st.load(self.hub, channel=channel, user=person.user)
        said = words(text)
        intent = interpret(current, said)
        if intent.step is Step.HELP:
            return Outcome().say(HELP)
        if intent.step is Step.TEMPLATE:
            return self._send_template(channel, person)
        if intent.step is Step.ROOMS_TEMPLATE:
            return self._send_rooms_template(channel, person)
        if intent.step is Step.ROOMS:
            if self._school(current, schools) is None:
                return self._ask_school(channel, person, schools, pending=None, rooms=True)
            return self._expect_rooms(channel, person, "OK, rooms.")
        if intent.step is Step.REMIND_ROOMS_PREVIEW:
            return Outcome().say(texts.WAITING_ROOMS)
        if intent.step is Step.REMIND_ROOMS_FILE:
            return Outcome().say(texts.READY_FOR_ROOMS)
        if intent.step is Step.PICK_SCHOOL:
            for school in schools:
                if words(school.name) == said:
                    return self.on_choice(
                        channel=channel,
                        person=person,
                        choice=CHOOSE_SCHOOL,
                        value=school.id,
                        files=files,
                    )
            return self._ask_school(channel, person, schools, pending=None)
        if intent.step is Step.CHOICE:
            return self.on_choice(
                channel=channel,
                person=person,
                choice=intent.choice,
                value=intent.value,
                files=files,
            )
        if intent.step is Step.REMIND_PREVIEW:
            return Outcome().say(texts.WAITING_PREVIEW)
        if intent.step is Step.REMIND_FILE:
            return Outcome().say(texts.READY_FOR_FILE)
        return self._begin(channel, person, schools)

    def on_file(
        self,
        *,
        channel: str,
        person: Person,
        file_id: str,
        files: FileSource,
        thread: str | None = None,
    ) -> Outcome:
        claimed = st.change(
            self.hub, channel=channel, user=person.user, mutate=lambda s: s.claim_file(file_id)
        )
        if not claimed:
            return Outcome()  # the other event about the same file is handling it
        outcome = Outcome(thread=thread)
        schools = self.schools_of(person)
        if not schools:
            self._record(person, "chat.upload.refused", file_id)
            return outcome.say(self.not_admin_file, about_file=True)
        current = st.load(self.hub, channel=channel, user=person.user)
        school = self._school(current, schools)
        if school is None:
            return self._ask_school(
                channel, person, schools, pending={"id": file_id, "thread": thread}
            )
        return self._process(channel, person, schools, school, file_id, files, outcome)

    def on_choice(
        self, *, channel: str, person: Person, choice: str, value: str, files: FileSource
    ) -> Outcome:
        schools = self.schools_of(person)
        if not schools:
            return Outcome(clicked_note="Not available").say(self.not_admin)
        if choice == BULK_YES:
            self._set(channel, person, st.ASKED_PROVIDER)
            return Outcome(clicked_note="Yes").say(
                texts.ASK_PROVIDER,
                buttons=(
                    Button(texts.NOT_THOSE_INTEGRATIONS, USE_SPREADSHEET, style="primary"),
                    Button("Tell me about those", USE_PROVIDER),
                ),
            )
        if choice == BULK_NO:
            self._set(channel, person, st.START)
            return Outcome(clicked_note="No").say(texts.SAID_NO)
        if choice == USE_PROVIDER:
            self._set(channel, person, st.START)
            return Outcome(clicked_note="Tell me about those").say(texts.USE_PROVIDER_ANSWER)
        if choice == USE_SPREADSHEET:
            outcome = self._send_template(channel, person)
            outcome.clicked_note = "Correct"
            return outcome
        if choice == CHOOSE_SCHOOL:
            return self._choose_school(channel, person, schools, value, files)
        if choice == CONFIRM:
            return self._confirm(channel, person, schools, value)
        if choice == CANCEL:
            return self._cancel(channel, person, value)
        if choice == ROOMS_CONFIRM:
            return self._confirm_rooms(channel, person, schools, value)
        if choice == ROOMS_CANCEL:
            return self._cancel_rooms(channel, person, value)
        return Outcome().say(texts.NOT_UNDERSTOOD)

    # -- steps ----------------------------------------------------------------------------

    def _begin(self, channel: str, person: Person, schools: list[School]) -> Outcome:
        current = st.load(self.hub, channel=channel, user=person.user)
        if self._school(current, schools) is None:
            return self._ask_school(channel, person, schools, pending=None)
        self._set(channel, person, st.ASKED_BULK)
        return Outcome().say(
            f"Hi! {ASK_BULK}",
            buttons=(Button("Yes", BULK_YES, style="primary"), Button("No", BULK_NO)),
        )

    def _ask_school(
        self,
        channel: str,
        person: Person,
        schools: list[School],
        *,
        pending: PendingFile | None,
        rooms: bool = False,
    ) -> Outcome:
        st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: ask_school_step(s, pending, rooms=rooms),
        )
        names = ", ".join(school.name for school in schools)
        return Outcome().say(
            texts.several_schools(names),
            buttons=tuple(Button(school.name, CHOOSE_SCHOOL, school.id) for school in schools),
        )

    def _choose_school(
        self, channel: str, person: Person, schools: list[School], school_id: str, files: FileSource
    ) -> Outcome:
        school = next((s for s in schools if s.id == school_id), None)
        if school is None:
            return Outcome(clicked_note="Not available").say(texts.NOT_AT_SCHOOL)
        current = st.load(self.hub, channel=channel, user=person.user)
        if current.state in WAITING:
            return Outcome(clicked_note=school.name).say(texts.FINISH_WAITING_FIRST)
        rooms = current.data.get("expect") == ROOMS
        pending = st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: choose_school(s, school.id),
        )
        if pending and pending.get("id"):
            outcome = Outcome(clicked_note=school.name, thread=pending.get("thread"))
            return self._process(
                channel, person, schools, school, str(pending["id"]), files, outcome
            )
        if rooms:
            return Outcome(clicked_note=school.name).say(f"OK, {school.name}. {texts.SEND_ROOMS}")
        return Outcome(clicked_note=school.name).say(
            f"OK, {school.name}. {ASK_BULK}",
            buttons=(Button("Yes", BULK_YES, style="primary"), Button("No", BULK_NO)),
        )

    def _send_template(self, channel: str, person: Person) -> Outcome:
        self._set(channel, person, st.AWAITING_FILE)
        return Outcome().say(
            texts.SEND_FILE,
            attachment=Attachment(
                TEMPLATE_NAME, upload_seam.template(self.hub), "Accounts template"
            ),
        )

    # -- helpers --------------------------------------------------------------------------

    def _school(self, current: st.State, schools: list[School]) -> School | None:
        if len(schools) == 1:
            return schools[0]
        return next((s for s in schools if s.id == current.school_id), None)
