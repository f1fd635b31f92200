"""rosterhub core.

A provider plugin needs only ``from hub import hookimpl`` plus the provider vocabulary in
:mod:`hub.provider`, :mod:`hub.roster` and :mod:`hub.errors`, optionally the REST client base in
:mod:`hub.http`, and for its tests the kit in :mod:`hub.testing` (``docs/plugins.md`` is the
guide); everything else in this package is the hub's own.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

PROJECT = "rosterhub"
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "__version__", "hookimpl"]
