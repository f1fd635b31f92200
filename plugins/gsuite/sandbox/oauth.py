"""The sandbox's OAuth token endpoint: the JWT-bearer grant of service accounts (signature
checked against the sandbox's own key, domain-wide delegation checked against the scopes it
grants) and authorized-user refresh tokens, answering with Google's OAuth error bodies."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plugins.gsuite.auth import SCOPES
from plugins.gsuite.sandbox.domain import Domain

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_AUDIENCES = (
    "https://oauth2.googleapis.com/token",
    "https://www.googleapis.com/oauth2/v4/token",
    "https://accounts.google.com/o/oauth2/token",
)
SA_EMAIL = "rosterhub-sync@rosterhub-sandbox.iam.gserviceaccount.com"


@cache
def sandbox_key() -> rsa.RSAPrivateKey:
    """One RSA key per process: generating it takes a moment and it only signs test JWTs."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def b64decode(text: str) -> bytes:
    """URL-safe base64 without its padding, as JWTs and page tokens carry it."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Grant:
    """Who an access token speaks for and what it may read."""

    subject: str
    scopes: frozenset[str]
    personal: bool = False
    """Consented by an account outside the domain (a personal Google account)."""


class TokenEndpoint:
    """``POST /token`` of :class:`plugins.gsuite.sandbox.GoogleSandbox` (a mixin: the sandbox
    holds the state declared here)."""

    domain: Domain
    revoked: bool
    delegated_scopes: set[str]
    oauth_client_id: str
    oauth_client_secret: str
    refresh_token: str
    _grants: dict[str, Grant]
    _lock: threading.Lock

    async def _token(self, request: Request) -> Response:
        form = await request.form()
        grant_type = str(form.get("grant_type", ""))
        if grant_type == JWT_BEARER:
            return self._jwt_grant(str(form.get("assertion", "")), str(request.url))
        if grant_type == "refresh_token":
            return self._refresh_grant({k: str(v) for k, v in form.items()})
        return _oauth_error(400, "unsupported_grant_type", "Invalid grant_type: " + grant_type[:40])

    def _jwt_grant(self, assertion: str, token_url: str) -> Response:
        try:
            head_b64, claims_b64, signature_b64 = assertion.split(".")
            header = json.loads(b64decode(head_b64))
            claims = json.loads(b64decode(claims_b64))
            signature = b64decode(signature_b64)
        except ValueError:
            return _oauth_error(
                400, "invalid_grant", "Invalid JWT: Token must be a short-lived token"
            )
        if header.get("alg") != "RS256":
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        try:
            sandbox_key().public_key().verify(
                signature,
                f"{head_b64}.{claims_b64}".encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except InvalidSignature:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        if claims.get("iss") != SA_EMAIL:
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if self.revoked:
            return _oauth_error(400, "invalid_grant", "Invalid JWT Signature.")
        now = time.time()
        # google-auth addresses the assertion to Google's token URL whatever token_uri says.
        if claims.get("aud") not in (*TOKEN_AUDIENCES, token_url.split("?")[0]):
            return _oauth_error(400, "invalid_grant", "Invalid JWT: audience is not the token URL")
        if not (claims.get("iat", 0) - 300 <= now <= claims.get("exp", 0) + 300):
            return _oauth_error(
                400, "invalid_grant", "Invalid JWT: Token must be a short-lived token (60 minutes)"
            )
        scopes = frozenset(str(claims.get("scope", "")).split())
        subject = claims.get("sub")
        if subject:
            try:
                self.domain.user(str(subject))
            except KeyError:
                return _oauth_error(400, "invalid_grant", "Invalid email or User ID")
            if not scopes or not scopes <= self.delegated_scopes:
                return _oauth_error(
                    401,
                    "unauthorized_client",
                    "Client is unauthorized to retrieve access tokens using this method, or "
                    "client not authorized for any of the scopes requested.",
                )
        return self._issue(Grant(subject=str(subject or SA_EMAIL), scopes=scopes))

    def _refresh_grant(self, form: dict[str, str]) -> Response:
        if (
            form.get("client_id") != self.oauth_client_id
            or form.get("client_secret") != self.oauth_client_secret
        ):
            return _oauth_error(401, "invalid_client", "The OAuth client was not found.")
        if form.get("refresh_token") != self.refresh_token or self.revoked:
            return _oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
        granted = frozenset(SCOPES)
        wanted = frozenset(form.get("scope", "").split()) or granted
        if not wanted <= granted:
            return _oauth_error(400, "invalid_scope", "Bad Request")
        return self._issue(Grant(subject=self.domain.admin.email, scopes=wanted))

    def _issue(self, grant: Grant) -> Response:
        token = "ya29." + secrets.token_urlsafe(24)
        with self._lock:
            self._grants[token] = grant
        body = {
            "access_token": token,
            "expires_in": 3599,
            "scope": " ".join(sorted(grant.scopes)),
            "token_type": "Bearer",
        }
        return JSONResponse(body, headers={"Cache-Control": "no-store"})


def _oauth_error(status: int, error: str, description: str) -> Response:
    """An error in the OAuth 2 token endpoint's format."""
    return JSONResponse({"error": error, "error_description": description}, status_code=status)
