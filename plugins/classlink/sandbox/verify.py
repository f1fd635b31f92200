"""The server side of OAuth 1.0a (RFC 5849, HMAC-SHA256, no token): how a OneRoster server
checks a request, so the sandbox refuses exactly what a real Roster Server refuses.

The signature base string is rebuilt from what arrived (method, scheme, Host, raw path, raw
query, the ``oauth_*`` header parameters) with oauthlib's RFC 5849 functions, signed with the
consumer secret, and compared in constant time. Timestamps outside the window and reused
nonces are refused as well.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any, cast

from oauthlib.oauth1.rfc5849 import signature, utils

HMAC_SHA256 = "HMAC-SHA256"
TIMESTAMP_WINDOW = 600  # seconds either side of the server clock


class SignatureRefused(Exception):
    """Why a request is refused; the text goes into the 401 body (never a secret)."""


class NonceBook:
    """Nonces seen within the timestamp window: a replayed request is refused."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, key: str, timestamp: str, nonce: str, *, now: float) -> bool:
        with self._lock:
            for item, at in list(self._seen.items()):
                if at < now - 2 * TIMESTAMP_WINDOW:
                    del self._seen[item]
            entry = (key, timestamp, nonce)
            if entry in self._seen:
                return False
            self._seen[entry] = now
            return True


def verify_request(
    *,
    method: str,
    url: str,
    query: str,
    authorization: str | None,
    secret_for: Callable[[str], str | None],
    nonces: NonceBook,
    now: float | None = None,
) -> str:
    """Check one request; return the consumer key or raise :class:`SignatureRefused`.

    ``url`` is scheme://host[:port]/raw-path (no query); ``query`` the raw query string.
    ``secret_for(key)`` gives the consumer secret, or None for an unknown or revoked key.
    """
    now = time.time() if now is None else now
    if not authorization or not authorization.strip().lower().startswith("oauth "):
        msg = "missing OAuth Authorization header"
        raise SignatureRefused(msg)
    try:
        header = dict(utils.parse_authorization_header(authorization))
    except (ValueError, IndexError):
        msg = "malformed OAuth Authorization header"
        raise SignatureRefused(msg) from None
    params = {k: utils.unescape(v) for k, v in header.items()}
    for required in (
        "oauth_consumer_key",
        "oauth_signature_method",
        "oauth_signature",
        "oauth_timestamp",
        "oauth_nonce",
    ):
        if not params.get(required):
            msg = f"missing {required}"
            raise SignatureRefused(msg)
    if params["oauth_signature_method"] != HMAC_SHA256:
        msg = f"unsupported signature method {params['oauth_signature_method']} (use HMAC-SHA256)"
        raise SignatureRefused(msg)
    if params.get("oauth_version", "1.0") != "1.0":
        msg = "unsupported oauth_version"
        raise SignatureRefused(msg)
    key = params["oauth_consumer_key"]
    secret = secret_for(key)
    if secret is None:
        msg = "unknown or revoked consumer key"
        raise SignatureRefused(msg)
    try:
        stamp = int(params["oauth_timestamp"])
    except ValueError:
        msg = "oauth_timestamp is not a number"
        raise SignatureRefused(msg) from None
    if abs(now - stamp) > TIMESTAMP_WINDOW:
        msg = "oauth_timestamp is outside the allowed window (check the client clock)"
        raise SignatureRefused(msg)
    try:
        collected = signature.collect_parameters(
            uri_query=query, headers={"Authorization": authorization}
        )
    except ValueError:
        msg = "the query string cannot be decoded"
        raise SignatureRefused(msg) from None
    base = signature.signature_base_string(
        cast(Any, method.upper()),
        signature.base_string_uri(url),
        signature.normalize_parameters(cast(Any, collected)),  # a list keeps repeated keys
    )
    credentials = SimpleNamespace(client_secret=secret, resource_owner_secret=None)
    expected = signature.sign_hmac_sha256_with_client(base, credentials)
    if not hmac.compare_digest(expected.encode(), params["oauth_signature"].encode()):
        msg = "invalid signature"
        raise SignatureRefused(msg)
    if not nonces.first_use(key, params["oauth_timestamp"], params["oauth_nonce"], now=now):
        msg = "oauth_nonce has already been used"
        raise SignatureRefused(msg)
    return key
