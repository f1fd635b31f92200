"""The chat window in a real browser (Debian's Chromium, driven by Playwright): the onboarding
guide's bulk upload from "Bulk add standard accounts" to "Download passwords", by the clip
button and by dropping a file, and a reload that keeps the conversation. Support's side in
the console too. Screenshots as in :mod:`tests.console.test_browser`."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bots import window as assistant
from hub.chat import window
from tests.bots.conftest import HEADER, workbook
from tests.console.test_browser import (
    CHROMIUM,
    Stage,
    browser,
    expect,
    page,
    shot,
    sign_in,
    stage,
)

__all__ = ["browser", "page", "stage"]  # the module's fixtures, shared

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no Chromium at /usr/bin/chromium"),
    pytest.mark.timeout(180),
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def chat_stage(stage: Stage) -> Iterator[Stage]:
    assistant.install(stage.hub)
    yield stage
    window.set_dialogue(stage.hub, None)


def with_errors() -> bytes:
    return workbook(
        {
            "Student": [
                HEADER,
                ["not-an-email", "Kid", "One", ""],
                ["x@ada.example.org", "", "Two", ""],
            ],
            "Teacher": [HEADER],
            "Admin": [HEADER],
        }
    )


def good() -> bytes:
    return workbook(
        {
            "Student": [
                HEADER,
                ["ella.stone@ada.example.org", "Ella", "Stone", ""],
                ["finn.hart@ada.example.org", "Finn", "Hart", ""],
            ],
            "Teacher": [HEADER, ["gail.moss@ada.example.org", "Gail", "Moss", ""]],
            "Admin": [HEADER],
        }
    )


def drop(page: Any, name: str, content: bytes) -> None:
    """Drag a file from the desktop onto the chat window."""
    transfer = page.evaluate_handle(
        """([name, data]) => {
            const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
            const dt = new DataTransfer();
            dt.items.add(new File([bytes], name));
            return dt;
        }""",
        [name, base64.b64encode(content).decode()],
    )
    page.dispatch_event("#chat", "dragover", {"dataTransfer": transfer})
    page.dispatch_event("#chat", "drop", {"dataTransfer": transfer})


def test_bulk_upload_through_the_chat_window(chat_stage: Stage, page: Any) -> None:
    stage = chat_stage
    sign_in(stage, page, *stage.console.admin_a)
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("button", name="Add").click()
    page.get_by_role("link", name="Bulk add standard accounts").click()
    chat = page.get_by_role("region", name="Chat")
    expect(chat).to_be_visible()
    expect(chat.get_by_text("Are you looking to bulk upload accounts?")).to_be_visible()
    expect(chat.get_by_role("button", name="Sync my accounts now")).to_be_visible()
    shot(stage, page, "console-chat-start")
    chat.get_by_role("button", name="Yes").click()
    chat.get_by_role("button", name="Correct, I do not want to use those integrations").click()
    expect(chat.get_by_role("link", name="Accounts template")).to_be_visible()

    chat.get_by_label("Attach a file").set_input_files(
        files=[{"name": "roster.xlsx", "mimeType": XLSX, "buffer": with_errors()}]
    )
    expect(chat.get_by_text("Student, row 2, Email", exact=False)).to_be_visible()
    expect(chat.get_by_text("Student, row 3, First Name", exact=False)).to_be_visible()
    expect(chat.get_by_role("link", name="All 2 problems in roster.xlsx")).to_be_visible()
    shot(stage, page, "console-chat-errors")

    drop(page, "roster-fixed.xlsx", good())
    expect(chat.get_by_text("3 new, 0 updated, 0 unchanged", exact=False)).to_be_visible()
    shot(stage, page, "console-chat-preview")
    chat.get_by_role("button", name="Confirm").click()
    expect(chat.get_by_role("progressbar", name="Progress").first).to_be_visible()
    passwords = chat.get_by_role("link", name="Download passwords")
    expect(passwords).to_be_visible(timeout=30_000)
    expect(chat.get_by_text("are not notified", exact=False)).to_be_visible()
    shot(stage, page, "console-chat-applied")
    with page.expect_download() as downloading:
        passwords.click()
    content = Path(downloading.value.path()).read_text(encoding="utf-8-sig")
    assert "ella.stone@ada.example.org" in content and "gail.moss@ada.example.org" in content
    expect(passwords).to_have_count(0)
    expect(chat.get_by_text("Passwords downloaded", exact=False)).to_be_visible()

    page.reload()
    chat = page.get_by_role("region", name="Chat")
    expect(chat).to_be_visible()  # it stays open across pages
    expect(chat.get_by_text("Are you looking to bulk upload accounts?").first).to_be_visible()
    expect(chat.get_by_text("3 new, 0 updated, 0 unchanged", exact=False).first).to_be_visible()
    expect(chat.get_by_role("link", name="Download passwords")).to_have_count(0)
    expect(chat.get_by_role("button", name="Confirm")).to_have_count(0)  # answered
    page.get_by_role("link", name="Home").click()
    expect(
        page.get_by_role("region", name="Chat").get_by_text("Finished with", exact=False)
    ).to_be_visible()


def test_support_answers_and_the_window_hears_it_without_a_reload(
    chat_stage: Stage, page: Any, browser: Any
) -> None:
    stage = chat_stage
    sign_in(stage, page, *stage.console.admin_b)
    page.get_by_role("button", name="Chat with support").click()
    chat = page.get_by_role("region", name="Chat")
    chat.get_by_label("Message").fill("Can somebody check our teachers <b>list</b>?")
    chat.get_by_label("Message").press("Enter")
    expect(chat.get_by_text("Can somebody check our teachers <b>list</b>?")).to_be_visible()

    support = browser.new_context(viewport={"width": 1280, "height": 860}).new_page()
    sign_in(stage, support, *stage.console.support)
    support.get_by_role("link", name="Conversations").click()
    shot(stage, support, "console-conversations")
    support.get_by_role("link", name=re.compile("Pat")).first.click()
    support.get_by_label("Reply").fill("Hello Pat, I'm looking at it now.")
    support.get_by_role("button", name="Send reply").click()
    shot(stage, support, "console-conversation")
    support.context.close()

    expect(chat.get_by_text("Hello Pat, I'm looking at it now.")).to_be_visible(timeout=10_000)
    expect(chat.get_by_text("Help (support)")).to_be_visible()
    shot(stage, page, "console-chat-support-reply")
