"""Block Kit builders: plain data in, Slack message blocks out.

Every message also carries a plain ``text`` (notifications, screen readers), so blocks only add
layout and buttons. Limits that Slack enforces are applied here: 3000 characters per section,
75 per button label, 2000 per button value.
"""

from __future__ import annotations

import re
from typing import Any

from bots.replies import Button, Reply

CHOICE_PREFIX = "conv."
APPROVE_ACTION = "run.approve"
CHOICE_ACTION = re.compile(r"^conv\.([a-z_]+)(?:\.\d+)?$")
_SECTION_LIMIT = 3000

Block = dict[str, Any]


def sections(text: str) -> list[Block]:
    """Text as one or more mrkdwn sections, split on line ends to stay under Slack's limit."""
    blocks: list[Block] = []
    chunk = ""
    for line in text.splitlines() or [""]:
        while len(line) > _SECTION_LIMIT:
            if chunk:
                blocks.append(_section(chunk))
                chunk = ""
            blocks.append(_section(line[:_SECTION_LIMIT]))
            line = line[_SECTION_LIMIT:]
        candidate = f"{chunk}\n{line}" if chunk else line
        if len(candidate) > _SECTION_LIMIT:
            blocks.append(_section(chunk))
            chunk = line
        else:
            chunk = candidate
    if chunk or not blocks:
        blocks.append(_section(chunk or " "))
    return blocks


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(label: str, action_id: str, value: str, style: str | None = None) -> Block:
    element: Block = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:75], "emoji": True},
        "action_id": action_id,
        "value": value[:2000],
    }
    if style in ("primary", "danger"):
        element["style"] = style
    return element


def choice_buttons(buttons: tuple[Button, ...]) -> Block:
    """Buttons of the upload conversation; the choice rides in the action id, so one handler
    serves them all (the index keeps action ids unique within the block)."""
    return {
        "type": "actions",
        "elements": [
            button(b.label, f"{CHOICE_PREFIX}{b.choice}.{i}", b.value or b.choice, b.style)
            for i, b in enumerate(buttons)
        ],
    }


def parse_choice(action_id: str) -> str | None:
    match = CHOICE_ACTION.match(action_id)
    return match.group(1) if match else None


def reply_blocks(reply: Reply) -> list[Block]:
    blocks = sections(reply.text)
    if reply.buttons:
        blocks.append(choice_buttons(reply.buttons))
    return blocks


def answered(text: str, note: str, user: str) -> list[Block]:
    """A message whose buttons were used: the text stays, the buttons become a note."""
    return [
        *sections(text),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{note} (<@{user}>)"}]},
    ]


def held_run(text: str, run_id: str) -> list[Block]:
    """The support-channel message about a held run, with its Approve button."""
    approve = button("Approve", APPROVE_ACTION, run_id, "primary")
    approve["confirm"] = {
        "title": {"type": "plain_text", "text": "Apply this run?"},
        "text": {"type": "mrkdwn", "text": f"`{run_id}` will be applied as planned."},
        "confirm": {"type": "plain_text", "text": "Approve"},
        "deny": {"type": "plain_text", "text": "Not yet"},
    }
    return [*sections(text), {"type": "actions", "elements": [approve]}]


def message_text(blocks: Any) -> str:
    """The text of a message's sections (what a click payload echoes back), for rebuilding it;
    anything that is not a section with text (Slack's or a malformed echo) is skipped."""
    if not isinstance(blocks, list):
        return ""
    parts = [
        b["text"]["text"]
        for b in blocks
        if isinstance(b, dict)
        and b.get("type") == "section"
        and isinstance(b.get("text"), dict)
        and isinstance(b["text"].get("text"), str)
    ]
    return "\n".join(parts)
