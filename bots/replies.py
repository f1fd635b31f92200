"""What the bot says, as plain data.

The upload conversation answers with :class:`Reply` objects rather than Slack payloads, so the
same logic can drive another chat surface (a web chat window, a test) that renders buttons and
files its own way.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Choices a person can make; chat surfaces turn them into buttons and hand them back.
BULK_YES = "bulk_yes"
BULK_NO = "bulk_no"
USE_SPREADSHEET = "use_spreadsheet"
USE_PROVIDER = "use_provider"
CHOOSE_SCHOOL = "school"
CONFIRM = "confirm"
CANCEL = "cancel"
ROOMS_CONFIRM = "rooms_confirm"  # the buttons read "Confirm" and "Cancel" too
ROOMS_CANCEL = "rooms_cancel"
CHOICES = frozenset(
    {
        BULK_YES,
        BULK_NO,
        USE_SPREADSHEET,
        USE_PROVIDER,
        CHOOSE_SCHOOL,
        CONFIRM,
        CANCEL,
        ROOMS_CONFIRM,
        ROOMS_CANCEL,
    }
)


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    choice: str
    value: str = ""
    style: str | None = None  # "primary" or "danger": a hint, surfaces may ignore it


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    title: str

    def __repr__(self) -> str:  # never put file contents (passwords) into logs
        return f"Attachment({self.filename!r}, {len(self.content)} bytes)"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message. ``private`` attachments go to the person alone (generated passwords);
    ``to_support`` messages go to the support channel instead of the conversation;
    ``about_file`` replies belong next to the file they answer (a thread, where there is one)."""

    text: str
    buttons: tuple[Button, ...] = ()
    attachment: Attachment | None = None
    private: bool = False
    to_support: bool = False
    about_file: bool = False


@dataclass(frozen=True, slots=True)
class FileMeta:
    """What a chat surface knows about a shared file before reading it."""

    id: str
    name: str
    size: int
    filetype: str = ""
    thread: str | None = None  # where replies about it go (a message id), if known


@dataclass
class Outcome:
    """Replies plus what the surface should do with the message a button sat on."""

    replies: list[Reply] = field(default_factory=list)
    clicked_note: str | None = None  # replaces the buttons of the clicked message
    thread: str | None = None  # where ``about_file`` replies go, when the file's message is known

    def say(
        self,
        text: str,
        *,
        buttons: tuple[Button, ...] = (),
        attachment: Attachment | None = None,
        private: bool = False,
        to_support: bool = False,
        about_file: bool = False,
    ) -> Outcome:
        self.replies.append(Reply(text, buttons, attachment, private, to_support, about_file))
        return self
