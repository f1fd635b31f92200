"""The file half of the upload dialogue: read a shared file, preview it, confirm or cancel.

:class:`bots.conversation.UploadConversation` builds on these steps; they hold the checks whose
order matters (type and size before reading; the uploader's schools again on Confirm).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from bots import reports, texts, upload_seam
from bots import state as st
from bots.dialogue import cancel_preview, move, replace_preview, start_confirm
from bots.file_policy import FileSource, check_content, check_file
from bots.replies import CANCEL, CONFIRM, Attachment, Button, FileMeta, Outcome
from hub import audit
from hub.actors import Actor
from hub.chat.queries import upload_by
from hub.context import Hub
from hub.errors import HubError
from hub.memory import give_back
from hub.models import School, Upload
from hub.roster import normalize_email

log = logging.getLogger(__name__)

PREVIEW_TTL = upload_seam.PREVIEW_TTL


@dataclass(frozen=True, slots=True)
class Person:
    """Who is talking: the chat user id and the email the chat service vouches for."""

    user: str
    email: str | None


def minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


class UploadSteps:
    """Preview, confirm and cancel, for one chat surface (``surface`` names its actors)."""

    not_admin = texts.NOT_ADMIN
    not_admin_file = texts.NOT_ADMIN_FILE
    progress: upload_seam.Progress | None = None  # told (done, total) while Confirm applies

    def __init__(self, hub: Hub, *, surface: str = "slack") -> None:
        self.hub = hub
        self.surface = surface

    def actor(self, person: Person) -> str:
        return f"{self.surface}:{person.user}"

    def uploader(self, person: Person, schools: list[School]) -> Actor:
        """The person as the upload service sees them: only the schools they administer now."""
        return Actor.at(self.actor(person), (school.id for school in schools))

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
        problem = check_content(meta, content)
        if problem is not None:
            return outcome.say(problem, about_file=True)
        return self._preview_file(channel, person, schools, school, meta, content, outcome)

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
        """A file that passed every check before reading, previewed as an accounts upload."""
        try:
            result = upload_seam.preview(
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
            return self._rejected(outcome, meta.name, result.result)

        self._replace_preview(channel, person, result.upload_id, school, meta.name, outcome.thread)
        return outcome.say(
            reports.preview_text(
                meta.name, school.name, result.result, ttl_minutes=minutes(PREVIEW_TTL)
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
        verdict = st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: start_confirm(s, upload_id),
        )
        if verdict == "busy":
            return Outcome(clicked_note="Applying…").say(texts.ALREADY_APPLYING)
        if verdict == "stale":
            return self._not_pending(person, upload_id)
        upload = self._own(person, upload_id)
        outcome = Outcome(clicked_note="Confirmed")
        if upload is None:
            self._set(channel, person, st.AWAITING_FILE, clear_upload=True)
            return outcome.say(texts.UPLOAD_GONE)
        school = next((s for s in schools if s.id == upload.school_id), None)
        if school is None:
            self._set(channel, person, st.START, clear_upload=True)
            self._discard(upload_id, person)
            return outcome.say(texts.NO_LONGER_ADMIN)
        try:
            applied = upload_seam.confirm(
                self.hub,
                upload_id=upload_id,
                actor=self.uploader(person, schools),
                progress=self.progress,
            )
        except HubError as exc:
            self._set(channel, person, st.AWAITING_FILE, clear_upload=True)
            if self._status(person, upload_id) == upload_seam.EXPIRED:
                self._record(person, "chat.upload.expired", upload_id, school_id=school.id)
                outcome.clicked_note = "Expired"
                return outcome.say(texts.expired(upload.filename, minutes(PREVIEW_TTL)))
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
                texts.PASSWORDS_PRIVATE,
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
        return upload_by(self.hub, upload_id, self.actor(person))

    def _status(self, person: Person, upload_id: str) -> str | None:
        upload = self._own(person, upload_id)
        return upload.status if upload is not None else None

    def _not_pending(self, person: Person, upload_id: str) -> Outcome:
        status = self._status(person, upload_id)
        if status == upload_seam.APPLIED:
            return Outcome(clicked_note="Already applied").say(texts.ALREADY_APPLIED)
        if status in (upload_seam.CANCELLED, upload_seam.EXPIRED):
            return Outcome(clicked_note=status.capitalize()).say(texts.PREVIEW_GONE)
        return Outcome(clicked_note="No longer waiting").say(texts.NOT_WAITING)

    def _cancel(self, channel: str, person: Person, upload_id: str) -> Outcome:
        cancelled = st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: cancel_preview(s, upload_id),
        )
        if not cancelled:
            return self._not_pending(person, upload_id)
        self._discard(upload_id, person)
        self._record(person, "chat.upload.cancel", upload_id)
        return Outcome(clicked_note="Cancelled").say(texts.CANCELLED)

    # -- helpers --------------------------------------------------------------------------

    def _rejected(self, outcome: Outcome, filename: str, result: dict[str, Any]) -> Outcome:
        """A file's problems by sheet, row and column, and all of them as a CSV."""
        errors = list(result.get("errors") or [])
        return outcome.say(
            reports.rejected_text(filename, result),
            attachment=Attachment(
                f"{filename.rsplit('.', 1)[0]}-problems.csv",
                reports.problems_csv(errors),
                f"All {len(errors)} problems in {filename}",
            ),
            about_file=True,
        )

    def _replace_preview(
        self,
        channel: str,
        person: Person,
        upload_id: str | None,
        school: School,
        filename: str,
        thread: str | None,
    ) -> None:
        previous = st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: replace_preview(s, upload_id, school.id, filename, thread),
        )
        if previous:
            self._discard(previous, person)

    def _discard(self, upload_id: str, person: Person) -> None:
        try:
            upload_seam.cancel(self.hub, upload_id=upload_id, actor=self.actor(person))
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
        abandoned = st.change(
            self.hub,
            channel=channel,
            user=person.user,
            mutate=lambda s: move(s, state, clear_upload=clear_upload, forget_school=forget_school),
        )
        if abandoned:
            self._discard(abandoned, person)

    def _record(self, person: Person, action: str, target: str | None, **detail: object) -> None:
        with self.hub.transaction() as session:
            audit.record(session, actor=self.actor(person), action=action, target=target, **detail)
