"""rosterhub core.

A provider plugin needs only ``from hub import hookimpl`` plus the provider vocabulary in
:mod:`hub.provider` and :mod:`hub.roster`; everything else in this package is the hub's own.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

PROJECT = "rosterhub"
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "__version__", "hookimpl"]
