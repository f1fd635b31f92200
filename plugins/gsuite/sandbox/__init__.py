"""The Google Workspace sandbox: a generated directory (:mod:`.domain`), the Directory API
(:mod:`.directory`) and the OAuth token endpoint (:mod:`.oauth`) on loopback, assembled in
:mod:`.server`. Only tests and ``rosterhub demo`` import it; a sync never does."""

from __future__ import annotations

from plugins.gsuite.sandbox.directory import google_error
from plugins.gsuite.sandbox.domain import Domain, Group
from plugins.gsuite.sandbox.oauth import SA_EMAIL, Grant, sandbox_key
from plugins.gsuite.sandbox.server import GoogleSandbox

__all__ = ["SA_EMAIL", "Domain", "GoogleSandbox", "Grant", "Group", "google_error", "sandbox_key"]
