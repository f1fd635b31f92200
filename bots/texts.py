"""What the upload dialogue says, in one place (every chat surface shows the same words)."""

from __future__ import annotations

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
    ".csv). I check it and show you what would change before anything is applied. For your "
    "rooms, say *import rooms* and send the rooms spreadsheet, or *rooms template* for its "
    "template."
)
SAID_NO = (
    "No problem. If you need to add accounts later, say *upload* or just send the spreadsheet here."
)
USE_PROVIDER_ANSWER = (
    "If your school's people are already in Clever, ClassLink or Google Workspace, "
    "your district IT can connect it once and accounts stay in step every night. Ask "
    "your support contact to set it up. You can still send a spreadsheet here at any "
    "time."
)
WAITING_PREVIEW = "Your upload is waiting: press *Confirm* to apply it or *Cancel*."
READY_FOR_FILE = (
    "I'm ready for the spreadsheet: send it here whenever it's filled in. "
    "Say *template* if you need the template again."
)
NOT_UNDERSTOOD = "Sorry, I didn't understand that."
NOT_AT_SCHOOL = "You're not an active admin at that school, so I can't take files for it."
FINISH_WAITING_FIRST = "Please confirm or cancel the upload that is waiting first."
ALREADY_APPLYING = "I'm already applying that upload."
UPLOAD_GONE = "I can't find that upload any more; please send the file again."
NO_LONGER_ADMIN = "You're no longer an active admin at that school, so I discarded the upload."
PASSWORDS_PRIVATE = (
    "Here are the passwords generated for the new accounts. Only you can see this "
    "file; hand them out and then delete it."
)
ALREADY_APPLIED = "That upload was already applied; nothing more to do."
PREVIEW_GONE = "That preview is no longer waiting; please send the spreadsheet again."
NOT_WAITING = "That upload is no longer waiting for confirmation."
CANCELLED = "Cancelled: nothing was changed. Send a corrected spreadsheet whenever you're ready."

# Rooms files (the same dialogue, when the admin says the file is their rooms).
SEND_ROOMS = (
    "Send the rooms spreadsheet here (.xlsx, .xls, .ods or .csv): one room per row "
    "with Room Name, Room Number and Teachers in Room. Say *rooms template* if you need the "
    "template."
)
ROOMS_TEMPLATE_SENT = (
    "Here is the rooms template. Fill in one room per row on the Rooms sheet: Room Name, Room "
    "Number and Teachers in Room (emails separated by ;), and if you like Folder, Time Limit, "
    "Travel Type, Max Capacity and Counts Toward Pass Limits. Then send it back here."
)
READY_FOR_ROOMS = (
    "I'm ready for the rooms spreadsheet: send it here whenever it's filled in. Say *rooms "
    "template* if you need the template."
)
WAITING_ROOMS = "Your rooms import is waiting: press *Confirm* to import the rooms or *Cancel*."
ROOMS_CANCELLED = (
    "Cancelled: no room was changed. Send a corrected rooms spreadsheet whenever you're ready."
)
ROOMS_NOT_WAITING = "That rooms import is no longer waiting for confirmation."
ROOMS_GONE = "I can't find that rooms file any more; please send it again."


def rooms_expired(filename: str, minutes: int) -> str:
    return (
        f"That preview of `{filename}` is more than {minutes} minutes old, so I discarded it "
        "(the school's rooms may have changed since). Please send the rooms spreadsheet again."
    )


def several_schools(names: str) -> str:
    return f"You're an admin at several schools ({names}). Which school is this for?"


def expired(filename: str, minutes: int) -> str:
    return (
        f"That preview of `{filename}` is more than {minutes} "
        "minutes old, so I discarded it (the school's accounts may have changed "
        "since). Please send the spreadsheet again."
    )


NOT_NOTIFIED = (
    "Remember: the people in the file are not notified. Share their sign-in details and "
    "how to log in with them yourself."
)
# The onboarding guide's words for "I'll use a spreadsheet instead of an integration".
NOT_THOSE_INTEGRATIONS = "Correct, I do not want to use those integrations"

# The same refusals in the console, where the person signed in with their account.
NOT_ADMIN_HERE = (
    "Sorry, I can only help this school's active admins, and your account is no longer one. "
    "If that seems wrong, please ask your district IT."
)
NOT_ADMIN_FILE_HERE = (
    "Sorry, I can only accept account spreadsheets from this school's active admins, and your "
    "account is no longer one. I haven't opened your file."
)
