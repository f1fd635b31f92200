"""The rooms half of the upload dialogue: the admin says the file is their rooms ("import
rooms"), or its name says rooms and its columns are the rooms template's, and the same
conversation takes it as a rooms file: checked with a dry run (errors by sheet, row and
column, nothing written), shown as a preview, imported on Confirm, dropped on Cancel.

Who may send one is decided as for accounts (the schools where the person is an active admin,
checked again on Confirm). The checked bytes wait in the conversation's state until Confirm,
which imports them again: the import is all or nothing and re-checks every rule against the
school's rooms as they are then.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime

from bots import reports, rooms_seam, texts
from bots import state as st
from bots.dialogue import (
    PendingRooms,
    cancel_rooms,
    expect_rooms,
    finish_rooms,
    held_rooms,
    hold_rooms,
    refuse_rooms,
    start_rooms_confirm,
)
from bots.replies import ROOMS_CANCEL, ROOMS_CONFIRM, Attachment, Button, FileMeta, Outcome
from bots.upload_steps import PREVIEW_TTL, Person, UploadSteps, minutes
from hub.errors import HubError
from hub.memory import give_back
from hub.models import School, utcnow
from hub.roster import normalize_email

ROOMS_STATES = frozenset({st.AWAITING_ROOMS, st.ROOMS_PREVIEW, st.ROOMS_APPLYING})


def names_rooms(filename: str) -> bool:
    """The file's name says it holds rooms ("rooms.xlsx", "Lincoln Rooms 2025.csv")."""
    return "room" in filename.rsplit(".", 1)[0].lower()


class RoomsSteps(UploadSteps):
    """Rooms files through the upload dialogue's checks (type and size before reading)."""

    def _preview_file(
        self,
        channel: str,
        person: Person,
        schools: list[School],
        school: School,
        meta: FileMeta,
        content: bytes,
        outcome: Outcome,
    ) -> Outcome:
        if not self._takes_rooms(channel, person, meta.name, content):
            return super()._preview_file(channel, person, schools, school, meta, content, outcome)
        try:
            result = rooms_seam.check(
                self.hub,
                school_id=school.id,
                filename=meta.name,
                content=content,
                actor=self.uploader(person, schools),
            )
        except HubError as exc:
            return outcome.say(f"I couldn't read `{meta.name}`: {exc}", about_file=True)
        finally:
            give_back()
        errors = list(result.get("errors") or [])
        self._record(
            person,
            "chat.rooms.preview",
            school.id,
            school_id=school.id,
            filename=meta.name,
            status="rejected" if errors else "pending",
            counts=result.get("counts") or {},
            errors=len(errors),
        )
        if errors:
            replaced = st.change(
                self.hub,
                channel=channel,
                user=person.user,
                mutate=lambda s: refuse_rooms(s, school.id),
            )
            if replaced:
                self._discard(replaced, person)
            return self._rejected(outcome, meta.name, result)
        held = PendingRooms(
            token=secrets.token_hex(8),
            school_id=school.id,
            filename=meta.name,
            content=base64.b64encode(content).decode("ascii"),
            at=utcnow().isoformat(),
        )
        replaced = st.change(
            self.hub, channel=channel, user=person.user, mutate=lambda s: hold_rooms(s, held)
        )
        if replaced:
            self._discard(replaced, person)
        return outcome.say(
            reports.rooms_preview_text(
                meta.name, school.name, result, ttl_minutes=minutes(PREVIEW_TTL)
            ),
            buttons=(
                Button("Confirm", ROOMS_CONFIRM, held["token"], style="primary"),
                Button("Cancel", ROOMS_CANCEL, held["token"], style="danger"),
            ),
            about_file=True,
        )

    def _takes_rooms(self, channel: str, person: Person, filename: str, content: bytes) -> bool:
        current = st.load(self.hub, channel=channel, user=person.user)
        if current.state in ROOMS_STATES:
            return True
        return names_rooms(filename) and rooms_seam.looks_like_rooms(
            self.hub, filename=filename, content=content
        )

    def _expect_rooms(self, channel: str, person: Person, prefix: str) -> Outcome:
        expecting = st.change(self.hub, channel=channel, user=person.user, mutate=expect_rooms)
        if not expecting:
            return Outcome().say(texts.FINISH_WAITING_FIRST)
        return Outcome().say(f"{prefix} {texts.SEND_ROOMS}")

    def _send_rooms_template(self, channel: str, person: Person) -> Outcome:
        st.change(self.hub, channel=channel, user=person.user, mutate=expect_rooms)
        return Outcome().say(
            texts.ROOMS_TEMPLATE_SENT,
            attachment=Attachment(
                rooms_seam.TEMPLATE_NAME, rooms_seam.template(), "Rooms template"
            ),
        )

    def _confirm_rooms(
        self, channel: str, person: Person, schools: list[School], token: str
    ) -> Outcome:
        verdict = st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: start_rooms_confirm(s, token),
        )
        if verdict == "busy":
            return Outcome(clicked_note="Applying…").say(texts.ALREADY_APPLYING)
        if verdict == "stale":
            return Outcome(clicked_note="No longer waiting").say(texts.ROOMS_NOT_WAITING)
        held = held_rooms(st.load(self.hub, channel=channel, user=person.user))
        outcome = Outcome(clicked_note="Confirmed")
        content = _content(held)
        if held is None or content is None:
            self._finish_rooms(channel, person, token, again=True)
            return outcome.say(texts.ROOMS_GONE)
        filename = held["filename"]
        school = next((s for s in schools if s.id == held["school_id"]), None)
        if school is None:
            self._finish_rooms(channel, person, token, again=False)
            return outcome.say(texts.NO_LONGER_ADMIN)
        if utcnow() - datetime.fromisoformat(held["at"]) > PREVIEW_TTL:
            self._finish_rooms(channel, person, token, again=True)
            self._record(person, "chat.rooms.expired", school.id, filename=filename)
            outcome.clicked_note = "Expired"
            return outcome.say(texts.rooms_expired(filename, minutes(PREVIEW_TTL)))
        try:
            result = rooms_seam.apply(
                self.hub,
                school_id=school.id,
                filename=filename,
                content=content,
                actor=self.uploader(person, schools),
            )
        except HubError as exc:
            self._finish_rooms(channel, person, token, again=True)
            outcome.clicked_note = "Not applied"
            return outcome.say(f"I couldn't import `{filename}`: {exc}")
        finally:
            give_back()
        if result.get("status") != rooms_seam.APPLIED:  # the school's rooms changed since
            self._finish_rooms(channel, person, token, again=True)
            outcome.clicked_note = "Not applied"
            return self._rejected(outcome, filename, result)
        self._finish_rooms(channel, person, token, again=False)
        self._record(
            person,
            "chat.rooms.confirm",
            school.id,
            school_id=school.id,
            filename=filename,
            counts=result.get("counts") or {},
        )
        outcome.say(reports.rooms_applied_text(filename, school.name, result), about_file=True)
        who = normalize_email(person.email) or person.user
        return outcome.say(
            reports.rooms_support_notice(who, filename, school.name, result), to_support=True
        )

    def _cancel_rooms(self, channel: str, person: Person, token: str) -> Outcome:
        cancelled = st.change(
            self.hub, channel=channel, user=person.user, mutate=lambda s: cancel_rooms(s, token)
        )
        if not cancelled:
            return Outcome(clicked_note="No longer waiting").say(texts.ROOMS_NOT_WAITING)
        self._record(person, "chat.rooms.cancel", None)
        return Outcome(clicked_note="Cancelled").say(texts.ROOMS_CANCELLED)

    def _finish_rooms(self, channel: str, person: Person, token: str, *, again: bool) -> None:
        st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: finish_rooms(s, token, again=again),
        )


def _content(held: PendingRooms | None) -> bytes | None:
    if held is None:
        return None
    try:
        return base64.b64decode(held["content"], validate=True)
    except (binascii.Error, KeyError, TypeError):
        return None
