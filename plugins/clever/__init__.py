"""The Clever provider plugin: a district's people from the Clever Data API v3.x.

Registered through the ``rosterhub`` entry-point group like any third-party provider.
"""

from __future__ import annotations

from hub import hookimpl
from hub.provider import Provider
from plugins.clever.provider import CleverProvider

__all__ = ["CleverProvider", "rosterhub_register_providers"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [CleverProvider]
