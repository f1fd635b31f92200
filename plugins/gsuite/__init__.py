"""Google Workspace provider: people by organisational unit and group from the Admin SDK
Directory API v1 (read-only scopes, service account with domain-wide delegation, an admin's
authorized-user file, or an access token)."""

from __future__ import annotations

from hub import hookimpl
from hub.provider import Provider
from plugins.gsuite.provider import GoogleProvider

__all__ = ["GoogleProvider", "rosterhub_register_providers"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [GoogleProvider]
