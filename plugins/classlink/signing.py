"""OAuth 1.0a request signing for OneRoster 1.1 (HMAC-SHA256, consumer key and secret only).

OneRoster 1.1 servers such as ClassLink Roster Server authenticate every REST call by its
signature; there is no token exchange. The signature covers the method, the URL and every
query parameter, so it is computed from the final URL httpx sends (after ``params`` are
encoded), and afresh for every attempt: a retry gets a new nonce and timestamp.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, cast

import httpx
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER, Client

SIGNATURE_METHOD = SIGNATURE_HMAC_SHA256


class OAuth1Signer(httpx.Auth):
    """Adds ``Authorization: OAuth …`` signed with the consumer key and secret."""

    requires_request_body = False

    def __init__(self, client_id: str, client_secret: str) -> None:
        self._client_id = client_id
        self._client_secret = client_secret

    def __repr__(self) -> str:  # never show the secret in a traceback or log
        return f"OAuth1Signer(client_id={self._client_id!r})"

    def header_for(self, method: str, url: str) -> str:
        """The Authorization header value for one request (a new nonce each call)."""
        client = Client(
            self._client_id,
            client_secret=self._client_secret,
            signature_method=SIGNATURE_METHOD,
            signature_type=SIGNATURE_TYPE_AUTH_HEADER,
        )
        _, headers, _ = client.sign(url, http_method=cast(Any, method.upper()))
        return str(headers["Authorization"])

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = self.header_for(request.method, str(request.url))
        yield request
