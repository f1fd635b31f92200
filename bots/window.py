"""The upload assistant in the console's chat window: the same dialogue as Slack's direct
messages (:class:`bots.conversation.UploadConversation`), its answers stored as the window's
lines, plus what the window adds: "Sync my accounts now", Confirm applied in the background
with progress, and generated passwords as a one-time "Download passwords" link.

Registered on the hub by :func:`install` (``rosterhub serve`` does it for every service it
starts); the window's routes never import this module.
"""

from __future__ import annotations

import logging
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bots import state as st
from bots import texts, upload_seam
from bots.conversation import Person, UploadConversation
from bots.replies import BULK_YES, CANCEL, CONFIRM, USE_PROVIDER, FileMeta, Outcome
from bots.run_words import run_result
from hub import resync_requests, runs
from hub.chat import store, window
from hub.chat.queries import admin_schools, upload_by
from hub.context import Hub
from hub.errors import HubError
from hub.integrations import list_integrations
from hub.models import ChatConversation, School, utcnow
from hub.run_status import ACTIVE

log = logging.getLogger(__name__)

SURFACE = "web"
SYNC_NOW = "sync_now"
SYNC_LABEL = "Sync my accounts now"
PASSWORDS_LABEL = "Download passwords"
_SYNC_WORDS = re.compile(
    r"^(please )?(can you |could you )?(re ?sync|sync)( my| our| the)?( accounts| roster| school)?"
    r"( now| today| please)*$"
)
STOPPED_AFTER = timedelta(minutes=3)
"""A window's apply whose progress line has not moved for this long, with its upload still
pending, stopped with its process (the write itself takes seconds, not minutes)."""
PROVIDER_POINTER = (
    "To connect one, open *Integrations* in the menu on the left: it has Connect Clever, "
    "Connect ClassLink and Set up Google Workspace."
)


@dataclass
class _Upload:
    """The file an admin just sent, for the dialogue's FileSource (already in memory)."""

    name: str
    content: bytes
    id: str = field(default_factory=lambda: secrets.token_hex(8))

    def describe(self, file_id: str) -> FileMeta:
        del file_id
        return FileMeta(self.id, self.name, len(self.content))

    def fetch(self, meta: FileMeta) -> bytes:
        del meta
        return self.content


class _NoFiles:
    def describe(self, file_id: str) -> FileMeta:
        msg = f"no file {file_id} here"
        raise HubError(msg)

    def fetch(self, meta: FileMeta) -> bytes:
        raise HubError(meta.id)


class _OneSchool(UploadConversation):
    """The dialogue for one console conversation: only that school, even for a person who
    administers several."""

    not_admin = texts.NOT_ADMIN_HERE
    not_admin_file = texts.NOT_ADMIN_FILE_HERE

    def __init__(self, hub: Hub, school_id: str) -> None:
        super().__init__(hub, surface=SURFACE)
        self.school_id = school_id

    def schools_of(self, person: Person) -> list[School]:
        return [s for s in admin_schools(self.hub, person.email) if s.id == self.school_id]


def wants_sync(text: str) -> bool:
    """Free text that clearly asks for a sync ("sync my accounts now", "resync please")."""
    said = " ".join(re.sub(r"[^a-z ]+", " ", text.lower()).split())
    return bool(_SYNC_WORDS.match(said))


class WindowDialogue:
    """:class:`hub.chat.window.Dialogue` on the upload conversation."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    # -- what the window calls ----------------------------------------------------------

    def begin(self, conversation: ChatConversation) -> None:
        self._answer(
            conversation,
            self._talk(conversation).on_text(
                channel=_channel(conversation),
                person=_person(conversation),
                text="upload",
                files=_NoFiles(),
            ),
        )

    def said(self, conversation: ChatConversation, text: str) -> None:
        if wants_sync(text):
            self._sync(conversation)
            return
        outcome = self._talk(conversation).on_text(
            channel=_channel(conversation),
            person=_person(conversation),
            text=text,
            files=_NoFiles(),
        )
        self._answer(conversation, outcome)

    def chose(self, conversation: ChatConversation, choice: str, value: str) -> str | None:
        if choice == SYNC_NOW:
            self._sync(conversation)
            return SYNC_LABEL
        if choice == CONFIRM:
            return self._confirm_in_background(conversation, value)
        outcome = self._talk(conversation).on_choice(
            channel=_channel(conversation),
            person=_person(conversation),
            choice=choice,
            value=value,
            files=_NoFiles(),
        )
        self._answer(conversation, outcome)
        if choice == USE_PROVIDER:
            self._say(conversation, PROVIDER_POINTER)
        return outcome.clicked_note

    def sent(self, conversation: ChatConversation, filename: str, content: bytes) -> None:
        upload = _Upload(filename, content)
        outcome = self._talk(conversation).on_file(
            channel=_channel(conversation),
            person=_person(conversation),
            file_id=upload.id,
            files=upload,
        )
        self._answer(conversation, outcome)

    def refresh(self, conversation: ChatConversation) -> None:
        """What changed meanwhile: a Confirm whose apply stopped with its process, and a
        resync this conversation asked for (its runs' start and end, told once each)."""
        self._reopen_stopped_apply(conversation)
        if not conversation.resync_request_id:
            return
        try:
            request = resync_requests.get_request(self.hub, conversation.resync_request_id)
        except HubError:
            return
        if request.status == resync_requests.DISMISSED:
            store.set_resync(self.hub, conversation.id, None)
            if store.claim_report(self.hub, conversation.id, f"{request.id}:dismissed"):
                self._say(conversation, "Support closed your resync request without syncing.")
            return
        if request.status == resync_requests.OPEN:
            return
        found = runs.get_runs(self.hub, list(request.run_ids))
        if all(run.status not in ACTIVE for run in found):
            store.set_resync(self.hub, conversation.id, None)  # told after this pass: stop
        for run in found:
            key = f"run-{run.id}"
            if run.status in ACTIVE:
                if store.claim_report(self.hub, conversation.id, f"{run.id}:started"):
                    store.add_line(
                        self.hub,
                        conversation.id,
                        author=store.ASSISTANT,
                        key=key,
                        text="Support approved your resync; your accounts are syncing now…",
                        progress={"done": 0, "total": None},
                    )
                continue
            if store.claim_report(self.hub, conversation.id, f"{run.id}:ended"):
                text = run_result(runs.run_json(self.hub, run))
                store.add_line(
                    self.hub,
                    conversation.id,
                    author=store.ASSISTANT,
                    key=key,
                    text=text,
                    progress={"done": 1, "total": 1},
                )
                window.tell_support(self.hub, conversation, f"Told the admin: {text}")

    # -- steps -------------------------------------------------------------------------

    def _talk(self, conversation: ChatConversation) -> _OneSchool:
        return _OneSchool(self.hub, conversation.school_id)

    def _has_integration(self, school_id: str) -> bool:
        return any(i.enabled for i in list_integrations(self.hub, school_id=school_id))

    def _sync(self, conversation: ChatConversation) -> None:
        if not _person_admin(self.hub, conversation):
            self._say(conversation, texts.NOT_ADMIN_HERE)
            return
        try:
            request = resync_requests.request_resync(
                self.hub,
                school_id=conversation.school_id,
                actor=f"console:{conversation.email}",
                note="Asked in the chat window",
            )
        except HubError as exc:
            self._say(conversation, f"I can't ask for a sync: {exc}.")
            return
        store.set_resync(self.hub, conversation.id, request.id)
        self._say(
            conversation,
            "I've asked support to sync your accounts now. You'll see the progress and the "
            "result here as soon as they approve it.",
        )

    def _reopen_stopped_apply(self, conversation: ChatConversation) -> None:
        """A Confirm whose apply stopped with the process running it (a restart): the apply
        is one transaction, so nothing was written and the upload is still pending. Say so
        and offer Confirm again, once; an apply still moving (here or in another process)
        is left alone."""
        person = _person(conversation)
        channel = _channel(conversation)
        now = st.peek(self.hub, channel=channel, user=person.user)
        if now is None or now[0] != st.APPLYING or not now[1]:
            return
        upload_id = now[1]
        if any(t.name == _apply_thread(upload_id) for t in threading.enumerate()):
            return
        key = _apply_key(upload_id)
        last = store.last_keyed(self.hub, conversation.id, key)
        if last is not None and utcnow() - _aware(last.at) < STOPPED_AFTER:
            return
        upload = upload_by(self.hub, upload_id, f"{SURFACE}:{person.user}")
        if upload is None or upload.status != upload_seam.PENDING:
            return

        def reopen(s: st.State) -> bool:
            if s.state == st.APPLYING and s.upload_id == upload_id:
                s.state = st.PREVIEW
                return True
            return False

        if not st.change(self.hub, channel=channel, user=person.user, mutate=reopen):
            return  # another reader reopened it a moment ago
        name = upload.filename
        store.add_line(
            self.hub,
            conversation.id,
            author=store.ASSISTANT,
            key=key,
            text=f"Applying `{name}` stopped before it finished (the service restarted); nothing was changed.",
            progress=None,
        )
        store.add_line(
            self.hub,
            conversation.id,
            author=store.ASSISTANT,
            text=f"`{name}` is still waiting: press Confirm to apply it again, or Cancel.",
            buttons=[
                store.Choice("Confirm", CONFIRM, upload_id),
                store.Choice("Cancel", CANCEL, upload_id),
            ],
        )
        window.tell_support(
            self.hub, conversation, f"Assistant: applying `{name}` stopped; offered Confirm again."
        )

    def _confirm_in_background(self, conversation: ChatConversation, upload_id: str) -> str:
        upload = upload_by(self.hub, upload_id, f"{SURFACE}:{_person(conversation).user}")
        name = upload.filename if upload is not None else "the upload"
        key = _apply_key(upload_id)
        store.add_line(
            self.hub,
            conversation.id,
            author=store.ASSISTANT,
            key=key,
            text=f"Applying `{name}`…",
            progress={"done": 0, "total": None},
        )

        def apply() -> None:
            talk = self._talk(conversation)
            talk.progress = _Progress(self.hub, conversation.id, key, name)
            try:
                outcome = talk.on_choice(
                    channel=_channel(conversation),
                    person=_person(conversation),
                    choice=CONFIRM,
                    value=upload_id,
                    files=_NoFiles(),
                )
            except Exception:  # the window must hear that it stopped, whatever happened
                log.exception("applying upload %s from the chat window failed", upload_id)
                outcome = Outcome().say(f"I couldn't apply `{name}`; nothing was changed.")
            total = _applied_total(self.hub, upload_id, conversation)
            store.add_line(
                self.hub,
                conversation.id,
                author=store.ASSISTANT,
                key=key,
                text=f"Finished with `{name}`.",
                progress={"done": total, "total": total},
            )
            self._answer(conversation, outcome)
            applied = upload_by(self.hub, upload_id, f"{SURFACE}:{_person(conversation).user}")
            if applied is not None and applied.status == upload_seam.APPLIED:
                self._say(conversation, texts.NOT_NOTIFIED)

        threading.Thread(target=apply, name=_apply_thread(upload_id), daemon=True).start()
        return "Confirmed"

    def _say(self, conversation: ChatConversation, text: str) -> None:
        store.add_line(self.hub, conversation.id, author=store.ASSISTANT, text=text)
        window.tell_support(self.hub, conversation, f"Assistant: {text}")

    def _answer(self, conversation: ChatConversation, outcome: Outcome) -> None:
        """The dialogue's replies as lines; support hears what happened, never a file."""
        for reply in outcome.replies:
            if reply.to_support:
                window.tell_support(self.hub, conversation, reply.text)
                continue
            file_id = None
            if reply.attachment is not None:
                file_id = store.add_file(
                    self.hub,
                    conversation.id,
                    filename=reply.attachment.filename,
                    title=PASSWORDS_LABEL if reply.private else reply.attachment.title,
                    content=reply.attachment.content,
                    once=reply.private,
                )
            buttons = [store.Choice(b.label, b.choice, b.value) for b in reply.buttons]
            if any(b.choice == BULK_YES for b in reply.buttons) and self._has_integration(
                conversation.school_id
            ):
                buttons.append(store.Choice(SYNC_LABEL, SYNC_NOW))
            store.add_line(
                self.hub,
                conversation.id,
                author=store.ASSISTANT,
                text=reply.text,
                buttons=buttons,
                file_id=file_id,
            )
            if reply.private:
                window.tell_support(
                    self.hub,
                    conversation,
                    "Assistant: handed the generated passwords to the admin (one download).",
                )
            else:
                window.tell_support(self.hub, conversation, f"Assistant: {reply.text}")


class _Progress:
    """The service's ``(done, total)`` as progress lines, a few a second at most."""

    EVERY = 0.5

    def __init__(self, hub: Hub, conversation_id: str, key: str, name: str) -> None:
        self.hub = hub
        self.conversation_id = conversation_id
        self.key = key
        self.name = name
        self.last = 0.0
        self.lock = threading.Lock()  # the service reports from its worker threads

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        with self.lock:
            if now - self.last < self.EVERY and done < total:
                return
            self.last = now
        store.add_line(
            self.hub,
            self.conversation_id,
            author=store.ASSISTANT,
            key=self.key,
            text=f"Applying `{self.name}`: {done:,} of {total:,}…",
            progress={"done": done, "total": total},
        )


def _apply_key(upload_id: str) -> str:
    return f"apply-{upload_id}"[:64]


def _apply_thread(upload_id: str) -> str:
    return f"chat-apply:{upload_id}"


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def _channel(conversation: ChatConversation) -> str:
    return f"console:{conversation.id}"


def _person(conversation: ChatConversation) -> Person:
    return Person(f"account-{conversation.account_id}", conversation.email)


def _person_admin(hub: Hub, conversation: ChatConversation) -> bool:
    return any(s.id == conversation.school_id for s in admin_schools(hub, conversation.email))


def _applied_total(hub: Hub, upload_id: str, conversation: ChatConversation) -> int:
    upload = upload_by(hub, upload_id, f"{SURFACE}:{_person(conversation).user}")
    counts = upload.counts if upload is not None else {}
    return sum(int(counts.get(k, 0) or 0) for k in ("created", "updated", "unchanged"))


def install(hub: Hub) -> None:
    """Answer the console's chat window on this hub."""
    window.set_dialogue(hub, WindowDialogue(hub))


def window_surface(hub: Hub) -> None:
    """For :data:`hub.server.SURFACES`: the window's routes are the console's; this only
    puts the assistant behind them."""
    install(hub)
