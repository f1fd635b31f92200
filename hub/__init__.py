"""rosterhub core.

A provider plugin needs only ``from hub import hookimpl`` plus the provider vocabulary in
:mod:`hub.provider`, :mod:`hub.roster` and :mod:`hub.errors`, optionally the REST client base in
:mod:`hub.http` (with :mod:`hub.scrub`), the text and spreadsheet rules in :mod:`hub.text`,
:mod:`hub.cells` and :mod:`hub.passwords`, and for its tests the kit in :mod:`hub.testing`
(``docs/plugins.md`` is the guide). That list is the provider contract the ``providers``
import contract enforces (``docs/architecture.md``); everything else in this package is the
hub's own.
"""

from __future__ import annotations

import pluggy

__version__ = "0.1.0"

PROJECT = "rosterhub"
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = ["PROJECT", "__version__", "hookimpl"]
