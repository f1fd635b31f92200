"""The school-admin upload conversation, independent of any chat service.

A chat surface (the Slack app here; a web chat window could be another) tells this module who
is talking (a user id and the email the chat service vouches for), what they said, which button
they pressed or which file they shared, and gets back :class:`~bots.replies.Outcome` data to
render. State lives in the database (:mod:`bots.state`), so a restart loses nothing.

The order of checks on a file is the point: the sender must be an active admin *before* the
file is even described, and its size and type must pass *before* it is read. What they upload
may touch only the schools where they are an active admin (checked again on Confirm), and an
admin of several schools always picks the school for each upload.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy import select
from sqlmodel import col

from bots import reports
from bots import state as st
from bots.replies import (
    BULK_NO,
    BULK_YES,
    CANCEL,
    CHOOSE_SCHOOL,
    CONFIRM,
    USE_PROVIDER,
    USE_SPREADSHEET,
    Attachment,
    Button,
    FileMeta,
    Outcome,
)
from hub import audit, limits, uploads
from hub.actors import Actor
from hub.context import Hub
from hub.errors import HubError
from hub.memory import give_back
from hub.models import ACTIVE, Account, Membership, School, Upload
from hub.roster import ADMIN, normalize_email

log = logging.getLogger(__name__)

PREVIEW_TTL = uploads.PREVIEW_TTL  # confirm_upload enforces it; the dialogue words it
ACCEPTED_TYPES = ("xlsx", "xls", "ods", "csv")
# A confirm that crashed half-way may be retried after this long.
APPLYING_STALE = timedelta(minutes=10)
TEMPLATE_NAME = "rosterhub-accounts-template.xlsx"

NOT_ADMIN = (
    "Sorry, I can only help school admins, and I couldn't find an active admin account in "
    "rosterhub for the email address on your Slack profile. If that seems wrong, please ask "
    "your support contact."
)
NOT_ADMIN_FILE = (
    "Sorry, I can only accept account spreadsheets from school admins, and I couldn't find an "
    "active admin account for the email address on your Slack profile. I haven't opened your "
    "file. If that seems wrong, please ask your support contact."
)
ASK_BULK = "Are you looking to bulk upload accounts?"
ASK_PROVIDER = "You don't want to use Clever, ClassLink or Google instead?"
SEND_FILE = (
    "Here is the accounts template. Fill in the Student, Teacher and Admin sheets (one person "
    "per row; leave Password blank to have one generated) and send the file back here. "
    ".xlsx, .xls, .ods and .csv are all fine, and you can send a spreadsheet at any time."
)
HELP = (
    "I take account spreadsheets for your school. Say *upload* to start, *template* for the "
    "accounts template, or just send the filled-in spreadsheet here (.xlsx, .xls, .ods or "
    ".csv). I check it and show you what would change before anything is applied."
)

_YES = {"yes", "y", "yeah", "yep", "yup", "sure", "ok", "okay", "please", "correct", "right"}
_NO = {"no", "n", "nope", "nah", "not really"}
_WORD = re.compile(r"[^a-z ]+")


class FileSource(Protocol):
    """How a chat surface describes and reads a shared file."""

    def describe(self, file_id: str) -> FileMeta: ...

    def fetch(self, meta: FileMeta) -> bytes: ...


@dataclass(frozen=True, slots=True)
class Person:
    """Who is talking: the chat user id and the email the chat service vouches for."""

    user: str
    email: str | None


def admin_schools(hub: Hub, email: str | None) -> list[School]:
    """Schools where ``email`` is an active admin, by name."""
    email = normalize_email(email)
    if not email:
        return []
    query = (
        select(School)
        .join(Membership, col(Membership.school_id) == col(School.id))
        .join(Account, col(Account.id) == col(Membership.account_id))
        .where(
            col(Account.email) == email,
            col(Membership.status) == ACTIVE,
            col(Membership.roles).like(f"%{ADMIN}%"),
        )
        .order_by(col(School.name))
    )
    with hub.session() as session:
        return list(session.scalars(query))


def check_file(meta: FileMeta) -> str | None:
    """Why a shared file will not be read, or None. Decided from its description alone."""
    extension = meta.name.rsplit(".", 1)[-1].lower() if "." in meta.name else ""
    if extension not in ACCEPTED_TYPES and meta.filetype.lower() not in ACCEPTED_TYPES:
        return (
            f"`{meta.name}` doesn't look like a spreadsheet. Please send an .xlsx, .xls, .ods "
            "or .csv file."
        )
    if meta.size <= 0:
        return f"`{meta.name}` is empty."
    if meta.size > limits.MAX_FILE_BYTES:
        mb = limits.MAX_FILE_BYTES // limits.MB
        return (
            f"`{meta.name}` is larger than {mb} MB; that is more than an accounts file should be."
        )
    return None


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _words(text: str) -> str:
    return " ".join(_WORD.sub(" ", text.lower()).split())


class UploadConversation:
    """The dialogue: ask, send the template, take a file, preview, confirm or cancel."""

    def __init__(self, hub: Hub, *, surface: str = "slack") -> None:
        self.hub = hub
        self.surface = surface

    def actor(self, person: Person) -> str:
        return f"{self.surface}:{person.user}"

    def uploader(self, person: Person, schools: list[School]) -> Actor:
        """The person as the upload service sees them: only the schools they administer now."""
        return Actor.at(self.actor(person), (school.id for school in schools))

    # -- entry points ---------------------------------------------------------------------

    def on_text(self, *, channel: str, person: Person, text: str, files: FileSource) -> Outcome:
        schools = admin_schools(self.hub, person.email)
        if not schools:
            return Outcome().say(NOT_ADMIN)
        current = st.load(self.hub, channel=channel, user=person.user)
        words = _words(text)
        if words in {"help", "what can you do"}:
            return Outcome().say(HELP)
        if words in {"template", "send template", "send the template"}:
            return self._send_template(channel, person)
        state = current.state
        if state == st.CHOOSING_SCHOOL:
            for school in schools:
                if _words(school.name) == words:
                    return self.on_choice(
                        channel=channel,
                        person=person,
                        choice=CHOOSE_SCHOOL,
                        value=school.id,
                        files=files,
                    )
            return self._ask_school(channel, person, schools, pending=None)
        if state == st.ASKED_BULK and (words in _YES or words in _NO):
            choice = BULK_YES if words in _YES else BULK_NO
            return self.on_choice(
                channel=channel, person=person, choice=choice, value="", files=files
            )
        if state == st.ASKED_PROVIDER and (words in _YES or words in _NO):
            choice = USE_SPREADSHEET if words in _YES else USE_PROVIDER
            return self.on_choice(
                channel=channel, person=person, choice=choice, value="", files=files
            )
        if state == st.PREVIEW and current.upload_id:
            if words in {"confirm", "apply", "yes"}:
                return self.on_choice(
                    channel=channel,
                    person=person,
                    choice=CONFIRM,
                    value=current.upload_id,
                    files=files,
                )
            if words in {"cancel", "no", "stop"}:
                return self.on_choice(
                    channel=channel,
                    person=person,
                    choice=CANCEL,
                    value=current.upload_id,
                    files=files,
                )
            return Outcome().say("Your upload is waiting: press *Confirm* to apply it or *Cancel*.")
        if state == st.AWAITING_FILE and words not in {
            "upload",
            "bulk upload",
            "start",
            "hi",
            "hello",
        }:
            return Outcome().say(
                "I'm ready for the spreadsheet: send it here whenever it's filled in. "
                "Say *template* if you need the template again."
            )
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
        schools = admin_schools(self.hub, person.email)
        if not schools:
            self._record(person, "chat.upload.refused", file_id)
            return outcome.say(NOT_ADMIN_FILE, about_file=True)
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
        schools = admin_schools(self.hub, person.email)
        if not schools:
            return Outcome(clicked_note="Not available").say(NOT_ADMIN)
        if choice == BULK_YES:
            self._set(channel, person, st.ASKED_PROVIDER)
            return Outcome(clicked_note="Yes").say(
                ASK_PROVIDER,
                buttons=(
                    Button("Correct, a spreadsheet", USE_SPREADSHEET, style="primary"),
                    Button("Tell me about those", USE_PROVIDER),
                ),
            )
        if choice == BULK_NO:
            self._set(channel, person, st.START)
            return Outcome(clicked_note="No").say(
                "No problem. If you need to add accounts later, say *upload* or just send the "
                "spreadsheet here."
            )
        if choice == USE_PROVIDER:
            self._set(channel, person, st.START)
            return Outcome(clicked_note="Tell me about those").say(
                "If your school's people are already in Clever, ClassLink or Google Workspace, "
                "your district IT can connect it once and accounts stay in step every night. Ask "
                "your support contact to set it up. You can still send a spreadsheet here at any "
                "time."
            )
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
        return Outcome().say("Sorry, I didn't understand that.")

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
        pending: dict[str, str | None] | None,
    ) -> Outcome:
        def mutate(s: st.State) -> None:
            s.state = st.CHOOSING_SCHOOL
            if pending is not None:
                s.data["pending_file"] = pending

        st.change(self.hub, channel=channel, user=person.user, mutate=mutate)
        names = ", ".join(school.name for school in schools)
        return Outcome().say(
            f"You're an admin at several schools ({names}). Which school is this for?",
            buttons=tuple(Button(school.name, CHOOSE_SCHOOL, school.id) for school in schools),
        )

    def _choose_school(
        self, channel: str, person: Person, schools: list[School], school_id: str, files: FileSource
    ) -> Outcome:
        school = next((s for s in schools if s.id == school_id), None)
        if school is None:
            return Outcome(clicked_note="Not available").say(
                "You're not an active admin at that school, so I can't take files for it."
            )

        def mutate(s: st.State) -> dict[str, str | None] | None:
            if s.state in (st.PREVIEW, st.APPLYING):
                return None
            s.school_id = school.id
            pending: dict[str, str | None] | None = s.data.pop("pending_file", None)
            s.state = st.AWAITING_FILE if pending else st.ASKED_BULK
            return pending

        current = st.load(self.hub, channel=channel, user=person.user)
        if current.state in (st.PREVIEW, st.APPLYING):
            return Outcome(clicked_note=school.name).say(
                "Please confirm or cancel the upload that is waiting first."
            )
        pending = st.change(self.hub, channel=channel, user=person.user, mutate=mutate)
        if pending and pending.get("id"):
            outcome = Outcome(clicked_note=school.name, thread=pending.get("thread"))
            return self._process(
                channel, person, schools, school, str(pending["id"]), files, outcome
            )
        return Outcome(clicked_note=school.name).say(
            f"OK, {school.name}. {ASK_BULK}",
            buttons=(Button("Yes", BULK_YES, style="primary"), Button("No", BULK_NO)),
        )

    def _send_template(self, channel: str, person: Person) -> Outcome:
        self._set(channel, person, st.AWAITING_FILE)
        return Outcome().say(
            SEND_FILE,
            attachment=Attachment(
                TEMPLATE_NAME, uploads.upload_format(self.hub).template(), "Accounts template"
            ),
        )

    def _process(
        self,
        channel: str,
        person: Person,
        schools: list[School],
        school: School,
        file_id: str,
        files: FileSource,
        outcome: Outcome,
    ) -> Outcome:
        try:
            meta = files.describe(file_id)
        except HubError as exc:
            return outcome.say(f"I couldn't look at that file: {exc}", about_file=True)
        outcome.thread = outcome.thread or meta.thread
        problem = check_file(meta)
        if problem:
            return outcome.say(problem, about_file=True)
        try:
            content = files.fetch(meta)
        except HubError as exc:
            return outcome.say(f"I couldn't download `{meta.name}`: {exc}", about_file=True)
        if len(content) > limits.MAX_FILE_BYTES:
            return outcome.say(
                check_file(FileMeta(meta.id, meta.name, len(content))) or "", about_file=True
            )
        try:
            result = uploads.preview_upload(
                self.hub,
                school_id=school.id,
                filename=meta.name,
                content=content,
                actor=self.uploader(person, schools),
            )
        except HubError as exc:
            return outcome.say(f"I couldn't read `{meta.name}`: {exc}", about_file=True)
        finally:
            give_back()  # a large file's rows are gone; so is the memory that held them
        errors = list(result.result.get("errors") or [])
        self._record(
            person,
            "chat.upload.preview",
            result.upload_id,
            school_id=school.id,
            filename=meta.name,
            status="rejected" if errors else "pending",
            counts=result.result.get("counts") or {},
            errors=len(errors),
        )
        if errors:
            self._replace_preview(channel, person, None, school, meta.name, outcome.thread)
            return outcome.say(
                reports.rejected_text(meta.name, result.result),
                attachment=Attachment(
                    f"{meta.name.rsplit('.', 1)[0]}-problems.csv",
                    reports.problems_csv(errors),
                    f"All {len(errors)} problems in {meta.name}",
                ),
                about_file=True,
            )

        self._replace_preview(channel, person, result.upload_id, school, meta.name, outcome.thread)
        return outcome.say(
            reports.preview_text(
                meta.name, school.name, result.result, ttl_minutes=_minutes(PREVIEW_TTL)
            ),
            buttons=(
                Button("Confirm", CONFIRM, result.upload_id, style="primary"),
                Button("Cancel", CANCEL, result.upload_id, style="danger"),
            ),
            about_file=True,
        )

    def _confirm(
        self, channel: str, person: Person, schools: list[School], upload_id: str
    ) -> Outcome:
        def mutate(s: st.State) -> str:
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

        verdict = st.change(self.hub, channel=channel, user=person.user, mutate=mutate)
        if verdict == "busy":
            return Outcome(clicked_note="Applying…").say("I'm already applying that upload.")
        if verdict == "stale":
            return self._not_pending(person, upload_id)
        upload = self._own(person, upload_id)
        outcome = Outcome(clicked_note="Confirmed")
        if upload is None:
            self._set(channel, person, st.AWAITING_FILE, clear_upload=True)
            return outcome.say("I can't find that upload any more; please send the file again.")
        school = next((s for s in schools if s.id == upload.school_id), None)
        if school is None:
            self._set(channel, person, st.START, clear_upload=True)
            self._discard(upload_id, person)
            return outcome.say(
                "You're no longer an active admin at that school, so I discarded the upload."
            )
        try:
            applied = uploads.confirm_upload(
                self.hub, upload_id=upload_id, actor=self.uploader(person, schools)
            )
        except HubError as exc:
            self._set(channel, person, st.AWAITING_FILE, clear_upload=True)
            if self._status(person, upload_id) == uploads.EXPIRED:
                self._record(person, "chat.upload.expired", upload_id, school_id=school.id)
                outcome.clicked_note = "Expired"
                return outcome.say(
                    f"That preview of `{upload.filename}` is more than {_minutes(PREVIEW_TTL)} "
                    "minutes old, so I discarded it (the school's accounts may have changed "
                    "since). Please send the spreadsheet again."
                )
            outcome.clicked_note = "Not applied"
            return outcome.say(f"I couldn't apply `{upload.filename}`: {exc}")
        finally:
            give_back()
        self._set(channel, person, st.START, clear_upload=True, forget_school=True)
        result = applied.result
        if result.get("status") != "applied":
            outcome.clicked_note = "Not applied"
            return outcome.say(reports.rejected_text(upload.filename, result))
        self._record(
            person,
            "chat.upload.confirm",
            upload_id,
            school_id=school.id,
            counts=result.get("counts") or {},
            passwords_sent=bool(applied.credentials_csv),
        )
        outcome.say(reports.applied_text(upload.filename, school.name, result), about_file=True)
        if applied.credentials_csv:
            outcome.say(
                "Here are the passwords generated for the new accounts. Only you can see this "
                "file; hand them out and then delete it.",
                attachment=Attachment(
                    f"rosterhub-passwords-{upload_id}.csv",
                    applied.credentials_csv,
                    f"New passwords ({school.name})",
                ),
                private=True,
            )
        who = normalize_email(person.email) or person.user
        outcome.say(
            reports.support_notice(who, upload.filename, school.name, upload_id, result),
            to_support=True,
        )
        return outcome

    def _own(self, person: Person, upload_id: str) -> Upload | None:
        """The upload, if this person made it: a button carrying someone else's upload id
        learns nothing about it."""
        with self.hub.session() as session:
            upload = session.get(Upload, upload_id)
        return upload if upload is not None and upload.actor == self.actor(person) else None

    def _status(self, person: Person, upload_id: str) -> str | None:
        upload = self._own(person, upload_id)
        return upload.status if upload is not None else None

    def _not_pending(self, person: Person, upload_id: str) -> Outcome:
        status = self._status(person, upload_id)
        if status == uploads.APPLIED:
            return Outcome(clicked_note="Already applied").say(
                "That upload was already applied; nothing more to do."
            )
        if status in (uploads.CANCELLED, uploads.EXPIRED):
            return Outcome(clicked_note=status.capitalize()).say(
                "That preview is no longer waiting; please send the spreadsheet again."
            )
        return Outcome(clicked_note="No longer waiting").say(
            "That upload is no longer waiting for confirmation."
        )

    def _cancel(self, channel: str, person: Person, upload_id: str) -> Outcome:
        def mutate(s: st.State) -> bool:
            if s.state == st.PREVIEW and s.upload_id == upload_id:
                s.state = st.AWAITING_FILE
                s.upload_id = None
                s.school_id = None  # an admin of several schools picks again for the next file
                return True
            return False

        if not st.change(self.hub, channel=channel, user=person.user, mutate=mutate):
            return self._not_pending(person, upload_id)
        self._discard(upload_id, person)
        self._record(person, "chat.upload.cancel", upload_id)
        return Outcome(clicked_note="Cancelled").say(
            "Cancelled: nothing was changed. Send a corrected spreadsheet whenever you're ready."
        )

    # -- helpers --------------------------------------------------------------------------

    def _replace_preview(
        self,
        channel: str,
        person: Person,
        upload_id: str | None,
        school: School,
        filename: str,
        thread: str | None,
    ) -> None:
        """Make ``upload_id`` the waiting preview (or none); a preview it replaces is discarded."""

        def mutate(s: st.State) -> str | None:
            waiting = s.state in (st.PREVIEW, st.APPLYING) and s.upload_id != upload_id
            previous = s.upload_id if waiting and s.state == st.PREVIEW else None
            s.state = st.PREVIEW if upload_id else st.AWAITING_FILE
            s.upload_id = upload_id
            s.school_id = school.id
            s.data["filename"] = filename
            s.data["thread"] = thread
            return previous

        previous = st.change(self.hub, channel=channel, user=person.user, mutate=mutate)
        if previous:
            self._discard(previous, person)

    def _school(self, current: st.State, schools: list[School]) -> School | None:
        if len(schools) == 1:
            return schools[0]
        return next((s for s in schools if s.id == current.school_id), None)

    def _discard(self, upload_id: str, person: Person) -> None:
        try:
            uploads.cancel_upload(self.hub, upload_id=upload_id, actor=self.actor(person))
        except HubError as exc:
            log.warning("could not discard upload %s: %s", upload_id, exc)

    def _set(
        self,
        channel: str,
        person: Person,
        state: str,
        *,
        clear_upload: bool = False,
        forget_school: bool = False,
    ) -> None:
        """Move the dialogue on; leaving a waiting preview discards it. ``forget_school``: the
        upload is over, so an admin of several schools picks the school again next time."""

        def mutate(s: st.State) -> str | None:
            abandoned = s.upload_id if s.state == st.PREVIEW and state != st.PREVIEW else None
            s.state = state
            if clear_upload or abandoned:
                s.upload_id = None
            if forget_school:
                s.school_id = None
            return abandoned

        abandoned = st.change(self.hub, channel=channel, user=person.user, mutate=mutate)
        if abandoned:
            self._discard(abandoned, person)

    def _record(self, person: Person, action: str, target: str | None, **detail: object) -> None:
        with self.hub.transaction() as session:
            audit.record(session, actor=self.actor(person), action=action, target=target, **detail)
