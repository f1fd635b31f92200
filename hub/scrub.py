"""Scrubbing: provider text made safe to show, store and log.

Providers put parts of what they were sent into their answers (an error that quotes the
``Authorization`` header, a token endpoint that repeats the form it got, ids chosen by whoever
runs the server). Every such text passes through a :class:`Scrubber` before it reaches an error
message, a run record, an issue, a check answer, a log line or chat. It removes

- every secret of the integration, in the forms it travels in: the value itself, URL- and
  JSON-escaped, base64 (alone and as ``user:secret``), the secret parts of a JSON credentials
  file, and any 16-character piece of them (an answer cut short still holds a prefix);
- anything shaped like a credential whoever's it is: ``Bearer``/``Basic`` values, JWTs, Google
  access and refresh tokens, OAuth 1.0a signatures, PEM private keys, long hex or base64 runs;

and writes control characters as ``\\xNN`` (:func:`hub.text.visible`).
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from pydantic import BaseModel, SecretStr

from hub.text import visible

REDACTED = "[redacted]"
PIECE = 16
"""Any run of this many characters of a secret is removed wherever it appears."""
MIN_SECRET = 6
"""Shorter secret values are matched only whole, and below this not at all (too common)."""
CREDENTIAL_PARTS = ("private_key", "private_key_id", "refresh_token", "client_secret", "token")
"""The secret members of a JSON credentials file (Google service-account / authorized-user)."""

_SHAPES = re.compile(
    r"(?P<scheme>\b(?i:bearer|basic)\s+)(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/=-]{8,}"
    r"|\beyJ[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*){0,2}"  # a JWT (header starts {"…)
    r"|\bya29\.[A-Za-z0-9._-]{8,}"  # Google access token
    r"|\b1//[A-Za-z0-9._-]{16,}"  # Google refresh token
    r"|(?P<signature>\boauth_signature=)\"?[^\",&\s]+\"?"  # OAuth 1.0a
    r"|-----BEGIN[A-Z ]*PRIVATE KEY-----.*?(?:-----END[A-Z ]*PRIVATE KEY-----|\Z)",
    re.DOTALL,
)
_RUN = re.compile(r"[A-Za-z0-9+_=-]{40,}")
"""Candidates for a long hex or base64 run; :func:`_looks_random` decides."""
_HEX = re.compile(r"[0-9a-fA-F]+")


class Scrubber:
    """Removes the secrets it was given (and credential shapes) from text.

    ``related`` are values that travel together with a secret (a client id), for the
    ``base64(id:secret)`` form of HTTP Basic authentication.
    """

    def __init__(self, secrets: Iterable[str] = (), *, related: Iterable[str] = ()) -> None:
        values = _secret_values(secrets)
        forms: set[str] = set()
        for value in values:
            forms.update(_forms(value))
        for user in {r for r in related if r}:
            for value in values:
                forms.add(_b64(f"{user}:{value}"))
        self._whole = sorted((f for f in forms if MIN_SECRET <= len(f) < PIECE), key=len)[::-1]
        self._pieces = {
            form[i : i + PIECE]
            for form in forms
            if len(form) >= PIECE
            for i in range(len(form) - PIECE + 1)
        }

    @classmethod
    def for_settings(cls, settings: BaseModel) -> Scrubber:
        """The scrubber of a provider's parsed settings: ``SecretStr`` fields are the secrets,
        plain text fields the related values."""
        secrets: list[str] = []
        related: list[str] = []
        for name in type(settings).model_fields:
            value = getattr(settings, name, None)
            if isinstance(value, SecretStr):
                secrets.append(value.get_secret_value())
            elif isinstance(value, str):
                related.append(value)
        return cls(secrets, related=related)

    @classmethod
    def for_values(cls, secrets: Mapping[str, Any], settings: Mapping[str, Any]) -> Scrubber:
        """The scrubber of stored secrets and settings (as an integration keeps them)."""
        return cls(
            [str(v) for v in secrets.values() if v],
            related=[str(v) for v in settings.values() if isinstance(v, str)],
        )

    def __call__(self, text: str) -> str:
        """``text`` without secrets or credential shapes, control characters escaped."""
        if not text:
            return text
        text = self._remove_pieces(text)
        for form in self._whole:
            if form in text:
                text = text.replace(form, REDACTED)
        text = _SHAPES.sub(_redact_shape, text)
        text = _RUN.sub(_redact_run, text)
        return visible(text)

    def excerpt(self, text: str, limit: int = 200) -> str:
        """Scrubbed first, then cut to ``limit``: cutting first could split a secret into a
        piece too short to recognise."""
        return self(text)[:limit]

    def optional(self, text: str | None) -> str | None:
        return None if text is None else self(text)

    def _remove_pieces(self, text: str) -> str:
        pieces = self._pieces
        if not pieces or len(text) < PIECE:
            return text
        spans: list[list[int]] = []
        for start in range(len(text) - PIECE + 1):
            if text[start : start + PIECE] in pieces:
                end = start + PIECE
                if spans and start <= spans[-1][1]:
                    spans[-1][1] = end
                else:
                    spans.append([start, end])
        if not spans:
            return text
        parts: list[str] = []
        position = 0
        for start, end in spans:
            parts.append(text[position:start])
            parts.append(REDACTED)
            position = end
        parts.append(text[position:])
        return "".join(parts)


def _secret_values(secrets: Iterable[str]) -> list[str]:
    """The values to hide: each secret, or the secret parts of a JSON credentials file."""
    found: list[str] = []
    for secret in secrets:
        if not secret:
            continue
        # Of a credentials file only the secret parts: the rest (client id, email, project)
        # is what messages name to say which account to fix.
        found.extend(_credential_parts(secret) or [secret])
    return found


def _credential_parts(secret: str) -> list[str]:
    text = secret.strip()
    if not text.startswith("{"):
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    parts: list[str] = []
    client_id = data.get("client_id")
    for key in CREDENTIAL_PARTS:
        value = data.get(key)
        if not isinstance(value, str) or not value:
            continue
        parts.append(value)
        if key == "private_key":
            parts.extend(_pem_lines(value))
        if key == "client_secret" and isinstance(client_id, str) and client_id:
            parts.append(_b64(f"{client_id}:{value}"))
    return parts


def _pem_lines(key: str) -> list[str]:
    """The base64 body of a PEM key, whole and line by line (answers often wrap or escape
    the newlines, so the key as a whole is rarely found verbatim)."""
    lines = [line.strip() for line in key.replace("\\n", "\n").splitlines()]
    body = [line for line in lines if line and not line.startswith("-----")]
    return ["".join(body), *body]


def _forms(value: str) -> set[str]:
    """How a secret looks on the wire and in answers."""
    forms = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    forms.add(_b64(value))
    forms.add(base64.urlsafe_b64encode(value.encode()).decode().rstrip("="))
    return {form for form in forms if form}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _redact_shape(match: re.Match[str]) -> str:
    """Keep the scheme or parameter name (it says what was removed), drop the value."""
    kept = match.group("scheme") or match.group("signature") or ""
    return f"{kept}{REDACTED}"


def _redact_run(match: re.Match[str]) -> str:
    text = match.group()
    return REDACTED if _looks_random(text) else text


def _looks_random(run: str) -> bool:
    """A long hex string, or a base64-like run whose characters keep switching between upper
    case, lower case and digits, as random ones do (words, paths, group names and ids are
    long stretches of one kind)."""
    core = run.rstrip("=")
    if _HEX.fullmatch(core):
        return True
    kinds = [_kind(c) for c in core]
    pairs = [(a, b) for a, b in zip(kinds, kinds[1:], strict=False) if a and b]
    switches = sum(1 for a, b in pairs if a != b)
    return switches * 4 >= len(core)


def _kind(char: str) -> int:
    """1 digit, 2 lower case, 3 upper case, 0 anything else (a separator)."""
    if char.isdigit():
        return 1
    if char.islower():
        return 2
    return 3 if char.isupper() else 0


SHAPES_ONLY = Scrubber()
"""Removes credential shapes only: for text with no integration behind it."""


def scrub(text: str, scrubber: Scrubber | None = None) -> str:
    """Scrub ``text`` with ``scrubber`` (credential shapes only when there is none)."""
    return (scrubber or SHAPES_ONLY)(text)
