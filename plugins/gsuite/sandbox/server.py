"""A loopback Google Workspace: the Directory API v1 paths the client uses, Google's error
bodies, page tokens, a small OAuth token endpoint for service accounts (JWT-bearer grant,
signature checked against the sandbox's own key) and authorized-user refresh tokens, and a
consent page with the authorization-code grant (PKCE) that the console's "Set up Google
Workspace" signs in through (:mod:`.consent`).

The control methods (:meth:`GoogleSandbox.fail_next`, :meth:`loop_pages`, :meth:`revoke`,
:meth:`forbid`, :meth:`deny_delegation`) let tests and demos make it misbehave the way the real
service does; :attr:`GoogleSandbox.domain` is the directory, changeable between runs.
"""

from __future__ import annotations

import hashlib
import threading

from cryptography.hazmat.primitives import serialization
from starlette.applications import Starlette
from starlette.routing import Route

from hub.testing import BaseSandbox
from plugins.gsuite.auth import SCOPES
from plugins.gsuite.sandbox.consent import Code, ConsentRequest, ConsentScreen
from plugins.gsuite.sandbox.directory import ALL_SCOPES, DirectoryApi
from plugins.gsuite.sandbox.domain import Domain
from plugins.gsuite.sandbox.oauth import SA_EMAIL, Grant, TokenEndpoint, sandbox_key


class GoogleSandbox(ConsentScreen, TokenEndpoint, DirectoryApi, BaseSandbox):
    """The sandbox: an ASGI app (:attr:`app`) plus the controls tests use. ``fail_next`` takes
    Google's ``reason`` (``quotaExceeded`` for a quota 403, say) and applies to the Directory
    API; after ``revoke`` every token is refused (401) and the token endpoint issues no more."""

    def __init__(self, *, seed: int = 0) -> None:
        super().__init__()
        self.seed = seed
        self.domain = Domain(seed=seed)
        digest = hashlib.sha256(f"gsuite-sandbox-{seed}".encode()).hexdigest()
        self.token = f"ya29.sandbox-{digest[:32]}"
        self.client_id = str(int(digest[:15], 16))
        self.oauth_client_id = f"{digest[15:27]}.apps.googleusercontent.com"
        self.oauth_client_secret = f"GOCSPX-{digest[27:51]}"
        self.refresh_token = f"1//sandbox-{digest[51:]}"
        self.delegated_scopes: set[str] = set(SCOPES)
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._grants: dict[str, Grant] = {
            self.token: Grant(subject=self.domain.admin.email, scopes=ALL_SCOPES)
        }
        self._forbidden = False
        self._lock = threading.Lock()
        self.consents: list[ConsentRequest] = []
        self._codes: dict[str, Code] = {}
        self._refresh_grants: dict[str, Grant] = {}
        self.app = Starlette(
            routes=[
                Route("/token", self._token, methods=["POST"]),
                Route("/auth", self._consent_page, methods=["GET"]),
                Route("/auth", self._consent_decision, methods=["POST"]),
                Route("/admin/directory/v1/users", self._users),
                Route("/admin/directory/v1/customer/{customer}/orgunits", self._orgunits),
                Route("/admin/directory/v1/groups", self._groups),
                Route("/admin/directory/v1/groups/{group}/members", self._members),
                Route("/admin/directory/v1/customers/{customer}", self._customer),
            ]
        )
        self.app.state.sandbox = self

    # -- controls ---------------------------------------------------------------------------
    def forbid(self) -> None:
        """Tokens stay valid but the Directory refuses them (the admin lost its privileges)."""
        self._forbidden = True

    def deny_delegation(self) -> None:
        """The service account's client id loses its domain-wide delegation."""
        self.delegated_scopes = set()

    def issued(self) -> list[Grant]:
        """Access tokens the token endpoint has issued, oldest first (who, which scopes)."""
        with self._lock:
            return [grant for token, grant in self._grants.items() if token != self.token]

    def settings(self, base_url: str) -> dict[str, str]:
        """Integration settings that reach this sandbox (roles by OU and nested group)."""
        return {
            "api_endpoint": base_url.rstrip("/") + "/",
            "student_ous": "/Students",
            "teacher_ous": "/Staff",
            "admin_ous": "/Staff/Administration",
            "teacher_groups": f"teachers@{self.domain.name}",
            "admin_groups": f"it-admins@{self.domain.name}",
        }

    def service_account_info(self, base_url: str) -> dict[str, str]:
        """A service-account key file whose token_uri is this sandbox."""
        pem = sandbox_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return {
            "type": "service_account",
            "project_id": "rosterhub-sandbox",
            "private_key_id": hashlib.sha256(pem).hexdigest()[:40],
            "private_key": pem.decode(),
            "client_email": SA_EMAIL,
            "client_id": self.client_id,
            "auth_uri": f"{base_url.rstrip('/')}/auth",
            "token_uri": f"{base_url.rstrip('/')}/token",
            "universe_domain": "googleapis.com",
        }

    def oauth_client_settings(self, base_url: str) -> dict[str, str]:
        """The hub settings (``ROSTERHUB_GOOGLE_*``) of an OAuth client this sandbox knows."""
        root = base_url.rstrip("/")
        return {
            "google_client_id": self.oauth_client_id,
            "google_client_secret": self.oauth_client_secret,
            "google_auth_uri": f"{root}/auth",
            "google_token_uri": f"{root}/token",
        }

    def authorized_user_info(self, base_url: str) -> dict[str, str]:
        """An authorized-user file (an admin's refresh token) for this sandbox."""
        return {
            "type": "authorized_user",
            "client_id": self.oauth_client_id,
            "client_secret": self.oauth_client_secret,
            "refresh_token": self.refresh_token,
            "token_uri": f"{base_url.rstrip('/')}/token",
        }
