"""Reading fields of a Slack payload without trusting their types.

The router rejects payloads whose structure bolt depends on is wrong
(:mod:`bots.slack_requests`); a single field of the wrong type (a number where Slack sends an
id, an object where it sends text) is treated by the listeners as absent, so it changes
nothing instead of crashing a listener thread halfway through.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond import Respond

from bots.slack_files import SLACK_FAILURES

log = logging.getLogger(__name__)


def text(part: Any, key: str) -> str | None:
    """``part[key]`` when it is a non-empty string; None otherwise."""
    value = part.get(key) if isinstance(part, dict) else None
    return value if isinstance(value, str) and value else None


def obj(part: Any, key: str) -> dict[str, Any]:
    """``part[key]`` when it is an object; an empty one otherwise."""
    value = part.get(key) if isinstance(part, dict) else None
    return value if isinstance(value, dict) else {}


def id_of(part: Any, key: str) -> str | None:
    """An id Slack sends either plainly (``"user": "U1"``) or as an object (``{"id": "U1"}``)."""
    value = part.get(key) if isinstance(part, dict) else None
    if isinstance(value, dict):
        return text(value, "id")
    return value if isinstance(value, str) and value else None


def respond_quietly(respond: Respond, **kwargs: Any) -> None:
    """Answer through the request's ``response_url``; a payload without a usable one (or
    Slack refusing it) is logged, not raised, since the request was acknowledged already."""
    try:
        respond(**kwargs)
    except (ValueError, *SLACK_FAILURES) as exc:
        log.warning("could not answer through response_url: %s", type(exc).__name__)
