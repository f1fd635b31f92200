"""What arrives at ``POST /slack/events``, checked before bolt sees it.

Bolt parses a request's body while building its request object, before it checks the
signature, and a malformed timestamp header or body raises there (a 500 for anyone who can
reach the URL); a bad signature is logged with the whole body. So the router checks here, in
order: the signature over the raw bytes (401), then that the body is the JSON object bolt and
the listeners expect (400), and only then hands it on. Also here: the request's identity, so a
replay or a retry is recognised (:mod:`bots.replays`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.request.internals import parse_body

MAX_AGE_SECONDS = 5 * 60
_TIMESTAMP = re.compile(r"[0-9]{1,12}")
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")

# The parts of a payload that bolt itself reads without checking their types (to route it
# to a listener), and that the listeners rely on. A signed payload with something else there
# is malformed: answered 400, not a crash. Other fields of the wrong type are the listeners'
# to ignore (:mod:`bots.payload`).
_OBJECTS = ("event", "container", "message", "view")
_OBJECTS_OR_IDS = ("user", "channel", "team", "enterprise")
_STRINGS = ("type", "command", "callback_id", "trigger_id", "event_id", "response_url")
_OBJECT_LISTS = ("actions", "authorizations")
_EVENT_OBJECTS = ("message", "previous_message")
_EVENT_OBJECTS_OR_IDS = ("file", "user", "channel")
_EVENT_STRINGS = ("type", "subtype", "channel_type", "ts", "thread_ts", "text", "bot_id")
_EVENT_OBJECT_LISTS = ("files", "blocks")
_ACTION_STRINGS = ("type", "block_id", "value", "action_ts")
# Payloads that change nothing and must always be answered (Slack's set-up checks).
_UNDEDUPLICATED = frozenset({"url_verification", "ssl_check"})


class BadPayload(ValueError):
    """A correctly signed body that is not what Slack sends (answered 400)."""


@dataclass(frozen=True, slots=True)
class Identity:
    """Who a request is, for deduplication: ``kind`` for the log, ``key`` (a SHA-256) to store."""

    kind: str
    key: str


def refusal(
    secret: str, headers: Mapping[str, str], body: bytes, *, now: float | None = None
) -> str | None:
    """None for a genuine request (``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``, stamped
    within five minutes); otherwise why it is refused, in words safe to log."""
    timestamp = headers.get("x-slack-request-timestamp")
    signature = headers.get("x-slack-signature")
    if not timestamp or not signature:
        return "no signature headers"
    if not _TIMESTAMP.fullmatch(timestamp):
        return "a malformed timestamp header"
    age = (time.time() if now is None else now) - int(timestamp)
    if abs(age) > MAX_AGE_SECONDS:
        return f"a timestamp {int(age)} s away from now"
    if not _SIGNATURE.fullmatch(signature):
        return "a malformed signature header"
    base = b"v0:" + timestamp.encode("ascii") + b":" + body
    expected = "v0=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        return "a signature that does not match"
    return None


def summary(headers: Mapping[str, str], body: bytes) -> str:
    """A bounded description of a refused request for the log: sizes and types, no content."""
    content_type = (headers.get("content-type") or "none")[:60]
    timestamp = (headers.get("x-slack-request-timestamp") or "none")[:20]
    return f"{len(body)}-byte {content_type} body, timestamp header {timestamp!r}"


def parse(body: bytes, content_type: str | None) -> tuple[str, dict[str, Any]]:
    """The body as text and as the payload bolt will make of it; :class:`BadPayload` when it
    is not a Slack payload (not UTF-8, not JSON, not an object, parts of the wrong type)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        msg = "the body is not UTF-8"
        raise BadPayload(msg) from None
    media_type = (content_type or "").split(";")[0].strip().lower() or None
    try:
        payload = parse_body(text, media_type)  # exactly what bolt will do with it
    except (json.JSONDecodeError, ValueError):
        msg = "the body (or its payload field) is not valid JSON"
        raise BadPayload(msg) from None
    if not isinstance(payload, dict):
        msg = "the payload is not a JSON object"
        raise BadPayload(msg)
    _check_shape(payload)
    return text, payload


def _check_shape(payload: dict[str, Any]) -> None:
    _check_parts(payload, _OBJECTS, _OBJECTS_OR_IDS, _STRINGS, _OBJECT_LISTS, where="")
    event = payload.get("event")
    if event is not None:
        _check_parts(
            event,
            _EVENT_OBJECTS,
            _EVENT_OBJECTS_OR_IDS,
            _EVENT_STRINGS,
            _EVENT_OBJECT_LISTS,
            where="event.",
        )
    message = payload.get("message")
    if message is not None:
        _check_parts(message, (), (), ("ts", "thread_ts"), ("blocks",), where="message.")
    for action in payload.get("actions") or []:
        _check_parts(action, (), (), _ACTION_STRINGS, (), where="actions[].")
        if payload.get("type") == "block_actions" and not isinstance(action.get("action_id"), str):
            msg = "an action has no action_id"
            raise BadPayload(msg)
    if payload.get("type") == "block_actions" and not payload.get("actions"):
        msg = "a block_actions payload has no actions"
        raise BadPayload(msg)
    url = payload.get("response_url")
    if url is not None and not url.startswith(("https://", "http://")):
        msg = "'response_url' is not an http(s) URL"
        raise BadPayload(msg)


def _check_parts(
    part: dict[str, Any],
    objects: tuple[str, ...],
    objects_or_ids: tuple[str, ...],
    strings: tuple[str, ...],
    lists: tuple[str, ...],
    *,
    where: str,
) -> None:
    """Each named key, when present, holds its kind of value (null counts as present)."""
    expected: list[tuple[tuple[str, ...], type | tuple[type, ...], str]] = [
        (objects, dict, "an object"),
        (objects_or_ids, (dict, str), "an object or an id"),
        (strings, str, "a string"),
    ]
    for keys, kind, words in expected:
        for key in keys:
            if key in part and not isinstance(part[key], kind):
                msg = f"'{where}{key}' is not {words}"
                raise BadPayload(msg)
    for key in lists:
        if key in part and not (
            isinstance(part[key], list) and all(isinstance(item, dict) for item in part[key])
        ):
            msg = f"'{where}{key}' is not a list of objects"
            raise BadPayload(msg)


def identity(payload: dict[str, Any], *, signature: str) -> Identity | None:
    """Slack's own identity for the request: ``event_id`` for events (a retry carries the same
    one), ``trigger_id`` for slash commands and interactivity (unique per invocation), an
    action's ``action_ts`` failing that. Anything else that is signed is identified by its
    signature, which no two different requests share. None for Slack's set-up checks."""
    kind = str(payload.get("type") or "")
    if kind in _UNDEDUPLICATED or payload.get("ssl_check"):
        return None
    event_id = payload.get("event_id")
    if isinstance(event_id, str) and event_id:
        return _identity("event", event_id)
    trigger = payload.get("trigger_id")
    if isinstance(trigger, str) and trigger:
        return _identity("trigger", trigger)
    actions = payload.get("actions")
    if isinstance(actions, list) and actions:
        stamp = actions[0].get("action_ts")
        user = payload.get("user")
        user_id = user.get("id") if isinstance(user, dict) else user
        if isinstance(stamp, str) and stamp:
            return _identity("action", f"{user_id}:{stamp}")
    return _identity("signature", signature)


def _identity(kind: str, value: str) -> Identity:
    return Identity(kind, hashlib.sha256(f"{kind}:{value}".encode()).hexdigest())
