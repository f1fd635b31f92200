"""School admins upload account spreadsheets in a direct message; everyone else is refused
without the file ever being read."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import select

from hub.accounts import add_manual_account, list_accounts
from hub.context import Hub
from hub.models import AuditEvent, Upload, utcnow
from hub.server import build_app
from plugins.csv.template import template_bytes
from tests.bots.conftest import (
    ADMIN,
    ADMIN_DM,
    HEADER,
    STRANGER,
    SUPPORT,
    TOKEN,
    District,
    Slack,
    workbook,
)
from tests.bots.fake_slack import BOT_USER, FakeFile, FakeSlack

STRANGER_DM = f"D{STRANGER}"


def good_file(file_id: str = "FGOOD") -> FakeFile:
    content = workbook(
        {
            "Student": [
                HEADER,
                ["ada@lincoln.example.org", "Ada", "Lovelace", ""],
                ["alan@lincoln.example.org", "Alan", "Turing", ""],
            ],
            "Teacher": [HEADER, ["grace@lincoln.example.org", "Grace", "Hopper", ""]],
        }
    )
    return FakeFile(file_id, "accounts.xlsx", content, ADMIN, ADMIN_DM, "xlsx")


def bad_file(file_id: str = "FBAD") -> FakeFile:
    content = workbook(
        {
            "Student": [
                HEADER,
                ["ada@lincoln.example.org", "Ada", "Lovelace", ""],
                ["not-an-email", "Alan", "Turing", ""],
            ],
            "Teacher": [HEADER, ["grace@lincoln.example.org", "", "Hopper", ""]],
        }
    )
    return FakeFile(file_id, "accounts.xlsx", content, ADMIN, ADMIN_DM, "xlsx")


def _dm_texts(slack: Slack, channel: str = ADMIN_DM) -> list[str]:
    return [p["text"] for p in slack.fake.posted(channel)]


def _wait_text(slack: Slack, needle: str, channel: str = ADMIN_DM) -> dict[str, Any]:
    return slack.fake.wait_posted(
        lambda p: p.get("channel") == channel and needle in (p.get("text") or ""),
        f"a message saying {needle!r}",
    )


def _downloads(slack: Slack) -> list[str]:
    return [c.params["file"] for c in slack.fake.of("download")]


def _student_emails(slack: Slack, district: District) -> list[str]:
    return [
        a["email"]
        for a in list_accounts(slack.hub, school_id=district.lincoln)
        if "admin" not in a["roles"]
    ]


# -- refusals -------------------------------------------------------------------------------


def test_a_stranger_is_refused_and_the_file_is_never_read(slack: Slack, district: District) -> None:
    file = FakeFile("FSTRANGE", "accounts.xlsx", b"PK\x03\x04 x", STRANGER, STRANGER_DM, "xlsx")
    slack.share(STRANGER, STRANGER_DM, file)
    refusal = _wait_text(slack, "only accept account spreadsheets from school admins", STRANGER_DM)
    assert "haven't opened your file" in refusal["text"]
    slack.fake.wait_for(lambda: len(slack.fake.of("users.info")) >= 2, what="both events")
    assert _downloads(slack) == []
    assert slack.fake.of("files.info") == []
    assert len(_dm_texts(slack, STRANGER_DM)) == 1, "one refusal for the two events"


def test_a_stranger_talking_is_refused_politely(slack: Slack, district: District) -> None:
    slack.say(STRANGER, STRANGER_DM, "hi, can I upload accounts?")
    _wait_text(slack, "I can only help school admins", STRANGER_DM)


def test_an_inactive_or_non_admin_account_is_not_an_admin(slack: Slack, district: District) -> None:
    slack.fake.add_user("UTEACH", "teach@lincoln.example.org")
    add_manual_account(
        slack.hub,
        school_id=district.lincoln,
        email="teach@lincoln.example.org",
        first_name="T",
        last_name="Eacher",
        roles=["teacher"],
        actor="test",
    )
    file = FakeFile("FTEACH", "accounts.csv", b"Email,First Name\n", "UTEACH", "DUTEACH", "csv")
    slack.share("UTEACH", "DUTEACH", file)
    _wait_text(slack, "only accept account spreadsheets", "DUTEACH")
    assert _downloads(slack) == []


def test_the_bots_own_files_and_channel_files_are_ignored(slack: Slack, district: District) -> None:
    own = FakeFile("FOWN", "template.xlsx", template_bytes(), BOT_USER, ADMIN_DM, "xlsx")
    slack.fake.add_file(own)
    slack.event(
        {"type": "file_shared", "channel_id": ADMIN_DM, "file_id": "FOWN", "user_id": BOT_USER}
    )
    public = FakeFile("FPUB", "accounts.xlsx", good_file().content, ADMIN, "CGENERAL", "xlsx")
    slack.fake.add_file(public)
    slack.event(
        {"type": "file_shared", "channel_id": "CGENERAL", "file_id": "FPUB", "user_id": ADMIN}
    )
    slack.say(ADMIN, ADMIN_DM, "help")  # something that does get an answer, to wait on
    _wait_text(slack, "I take account spreadsheets")
    assert slack.fake.of("files.info") == []
    assert _downloads(slack) == []


def test_wrong_type_or_too_big_is_refused_before_download(slack: Slack, district: District) -> None:
    slack.share(
        ADMIN, ADMIN_DM, FakeFile("FPDF", "roster.pdf", b"%PDF-1.4", ADMIN, ADMIN_DM, "pdf")
    )
    _wait_text(slack, "doesn't look like a spreadsheet")
    huge = FakeFile("FHUGE", "big.xlsx", b"PK", ADMIN, ADMIN_DM, "xlsx", size=25 * 1024 * 1024)
    slack.share(ADMIN, ADMIN_DM, huge)
    _wait_text(slack, "larger than 20 MB")
    assert _downloads(slack) == []


# -- the conversation ------------------------------------------------------------------------


def test_admin_conversation_yes_correct_sends_the_template(
    slack: Slack, district: District
) -> None:
    slack.say(ADMIN, ADMIN_DM, "hello")
    _wait_text(slack, "Are you looking to bulk upload accounts?")
    slack.press(ADMIN, ADMIN_DM, "Yes")
    _wait_text(slack, "You don't want to use Clever, ClassLink or Google instead?")
    slack.press(ADMIN, ADMIN_DM, "Correct, I do not want to use those integrations")
    _wait_text(slack, "Here is the accounts template")
    shared = slack.fake.wait_for(lambda: slack.fake.shared_files(ADMIN_DM), what="the template")
    assert shared[0]["filename"] == "rosterhub-accounts-template.xlsx"
    assert shared[0]["content"] == template_bytes()
    # the pressed buttons were replaced by what was chosen
    updates = [c.params for c in slack.fake.of("chat.update")]
    assert any("Yes" in str(u["blocks"]) for u in updates)
    assert all(b["type"] != "actions" for u in updates for b in u["blocks"])


def test_typed_answers_work_too(slack: Slack, district: District) -> None:
    slack.say(ADMIN, ADMIN_DM, "upload")
    _wait_text(slack, "Are you looking to bulk upload accounts?")
    slack.say(ADMIN, ADMIN_DM, "yes")
    _wait_text(slack, "You don't want to use Clever")
    slack.say(ADMIN, ADMIN_DM, "correct")
    slack.fake.wait_for(lambda: slack.fake.shared_files(ADMIN_DM), what="the template")


def test_a_bad_file_gets_errors_with_sheet_row_and_column(slack: Slack, district: District) -> None:
    ts = slack.share(ADMIN, ADMIN_DM, bad_file())
    answer = _wait_text(slack, "I couldn't accept `accounts.xlsx`")
    assert answer["thread_ts"] == ts
    assert "Student, row 3, Email" in answer["text"]
    assert "Teacher, row 2, First Name" in answer["text"]
    problems = slack.fake.wait_for(lambda: slack.fake.shared_files(ADMIN_DM), what="the CSV")
    rows = list(csv.reader(io.StringIO(problems[0]["content"].decode("utf-8-sig"))))
    assert rows[0] == ["Sheet", "Row", "Column", "Message"]
    assert ["Student", "3", "Email"] == rows[1][:3] or ["Student", "3", "Email"] == rows[2][:3]
    assert problems[0]["thread_ts"] == ts
    assert _downloads(slack) == ["FBAD"], "downloaded once although two events arrived"
    assert [c.method for c in slack.fake.calls if c.method in ("files.info", "download")][:2] == [
        "files.info",
        "download",
    ]
    assert _student_emails(slack, district) == []


def test_many_errors_show_twenty_and_a_count(slack: Slack, district: District) -> None:
    rows = [HEADER] + [[f"bad{i}", "A", "B", ""] for i in range(30)]
    file = FakeFile("FMANY", "many.xlsx", workbook({"Student": rows}), ADMIN, ADMIN_DM, "xlsx")
    slack.share(ADMIN, ADMIN_DM, file)
    answer = _wait_text(slack, "it has 30 problems")
    assert answer["text"].count("• Student, row") == 20
    assert "…and 10 more." in answer["text"]
    shared = slack.fake.wait_for(lambda: slack.fake.shared_files(ADMIN_DM), what="the CSV")
    assert len(shared[0]["content"].decode("utf-8-sig").strip().splitlines()) == 31


def test_good_file_preview_confirm_sends_passwords_privately(
    slack: Slack, district: District
) -> None:
    slack.share(ADMIN, ADMIN_DM, good_file())
    preview = _wait_text(slack, "looks good")
    assert "3 new, 0 updated" in preview["text"]
    assert _student_emails(slack, district) == [], "nothing applied before Confirm"
    slack.press(ADMIN, ADMIN_DM, "Confirm")
    _wait_text(slack, "Done: `accounts.xlsx` is applied to *Lincoln High*")
    notice = slack.fake.wait_posted(lambda p: p.get("channel") == SUPPORT, "the support notice")
    assert "principal@lincoln.example.org uploaded `accounts.xlsx`" in notice["text"]
    private = slack.fake.wait_for(
        lambda: [f for f in slack.fake.shared_files(ADMIN_DM) if "passwords" in f["filename"]],
        what="the passwords file",
    )
    assert slack.fake.of("conversations.open")[-1].params["users"] == ADMIN
    rows = list(csv.DictReader(io.StringIO(private[0]["content"].decode("utf-8-sig"))))
    assert sorted(r["email"] for r in rows) == [
        "ada@lincoln.example.org",
        "alan@lincoln.example.org",
        "grace@lincoln.example.org",
    ]
    assert sorted(_student_emails(slack, district)) == sorted(r["email"] for r in rows)
    # no password and no token in anything the bot said, anywhere
    said = slack.fake.texts()
    for row in rows:
        assert all(row["password"] not in text for text in said)
    assert all(TOKEN not in text for text in said)
    assert all(
        f["channel"] == ADMIN_DM for f in slack.fake.shared_files() if "passwords" in f["filename"]
    )
    with slack.hub.session() as session:
        actions = [e.action for e in session.exec(select(AuditEvent))]
    assert "chat.upload.preview" in actions and "chat.upload.confirm" in actions


def test_confirm_twice_applies_once(slack: Slack, district: District) -> None:
    slack.share(ADMIN, ADMIN_DM, good_file())
    message, _ = slack.find_button_message("Confirm", channel=ADMIN_DM)
    snapshot = {k: message[k] for k in ("ts", "text", "blocks")}
    button = next(
        e
        for b in snapshot["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["text"]["text"] == "Confirm"
    )
    for _ in range(2):  # the same button, clicked twice in quick succession
        slack.click(
            ADMIN, ADMIN_DM, action_id=button["action_id"], value=button["value"], message=snapshot
        )
    _wait_text(slack, "Done: `accounts.xlsx`")
    slack.fake.wait_for(
        lambda: any("already apply" in t or "already applied" in t for t in _dm_texts(slack)),
        what="the second click's answer",
    )
    # and once more, well after it was applied
    slack.click(
        ADMIN, ADMIN_DM, action_id=button["action_id"], value=button["value"], message=snapshot
    )
    _wait_text(slack, "That upload was already applied")
    passwords = [f for f in slack.fake.shared_files(ADMIN_DM) if "passwords" in f["filename"]]
    assert len(passwords) == 1
    assert len(slack.fake.posted(SUPPORT)) == 1
    assert len(_student_emails(slack, district)) == 3


def test_cancel_discards(slack: Slack, district: District) -> None:
    slack.share(ADMIN, ADMIN_DM, good_file())
    slack.press(ADMIN, ADMIN_DM, "Cancel")
    _wait_text(slack, "Cancelled: nothing was changed")
    with slack.hub.session() as session:
        (upload,) = session.exec(select(Upload))
    assert upload.status == "cancelled"
    assert upload.content is None
    assert _student_emails(slack, district) == []


def test_an_old_preview_must_be_sent_again(slack: Slack, district: District) -> None:
    slack.share(ADMIN, ADMIN_DM, good_file())
    _wait_text(slack, "looks good")
    with slack.hub.transaction() as session:
        session.execute(update(Upload).values(created_at=utcnow() - timedelta(hours=2)))
    slack.press(ADMIN, ADMIN_DM, "Confirm")
    _wait_text(slack, "more than 60 minutes old")
    assert _student_emails(slack, district) == []
    assert not [f for f in slack.fake.shared_files() if "passwords" in f["filename"]]


def test_a_new_file_replaces_the_waiting_preview(slack: Slack, district: District) -> None:
    slack.share(ADMIN, ADMIN_DM, good_file("FONE"))
    _wait_text(slack, "looks good")
    slack.share(ADMIN, ADMIN_DM, good_file("FTWO"))
    slack.fake.wait_for(
        lambda: len([t for t in _dm_texts(slack) if "looks good" in t]) == 2, what="2 previews"
    )
    with slack.hub.session() as session:
        statuses = sorted(u.status for u in session.exec(select(Upload)))
    assert statuses == ["cancelled", "pending"]


def test_restart_mid_conversation_loses_nothing(
    slack_hub: Hub, fake_slack: FakeSlack, district: District
) -> None:
    with TestClient(build_app(slack_hub, scheduler=False)) as http:
        before = Slack(slack_hub, http, fake_slack)
        before.share(ADMIN, ADMIN_DM, good_file())
        before.find_button_message("Confirm", channel=ADMIN_DM)
    # the service stopped; a new process (new app, new bolt App, same database) takes over
    with TestClient(build_app(slack_hub, scheduler=False)) as http:
        after = Slack(slack_hub, http, fake_slack)
        after.press(ADMIN, ADMIN_DM, "Confirm")
        _wait_text(after, "Done: `accounts.xlsx`")
        assert len(_student_emails(after, district)) == 3


def admin_at_jefferson_too(slack: Slack, district: District) -> None:
    """The Lincoln principal becomes an admin of Jefferson as well: two schools to pick from."""
    add_manual_account(
        slack.hub,
        school_id=district.jefferson,
        email="principal@lincoln.example.org",
        first_name="Pat",
        last_name="Principal",
        roles=["admin"],
        actor="test",
    )


def test_an_admin_of_several_schools_is_asked_which(slack: Slack, district: District) -> None:
    admin_at_jefferson_too(slack, district)
    slack.share(ADMIN, ADMIN_DM, good_file())
    question = _wait_text(slack, "Which school is this for?")
    labels = [
        e["text"]["text"]
        for b in question["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
    ]
    assert labels == ["Jefferson Middle", "Lincoln High"]
    assert _downloads(slack) == [], "nothing read before the school is known"
    slack.press(ADMIN, ADMIN_DM, "Jefferson Middle")
    preview = _wait_text(slack, "looks good")
    assert "*Jefferson Middle*" in preview["text"]
    slack.press(ADMIN, ADMIN_DM, "Confirm")
    _wait_text(slack, "is applied to *Jefferson Middle*")
    emails = [a["email"] for a in list_accounts(slack.hub, school_id=district.jefferson)]
    assert "ada@lincoln.example.org" in emails
    assert _student_emails(slack, district) == []
