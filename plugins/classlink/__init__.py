"""ClassLink: people from a OneRoster 1.1 REST server (ClassLink Roster Server), every request
signed with OAuth 1.0a HMAC-SHA256. See the ClassLink section of the README for the set-up."""

from __future__ import annotations

from hub import hookimpl
from hub.provider import Provider
from plugins.classlink.provider import OneRosterProvider

__all__ = ["OneRosterProvider", "rosterhub_register_providers"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [OneRosterProvider]
