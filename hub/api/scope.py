"""Look-ups that respect the caller's scope: 404 for unknown ids and for ids in a school the
token may not see (the two are indistinguishable on purpose). The rule is
:mod:`hub.access`'s, shared with the console; its NotVisible answers 404 here."""

from __future__ import annotations

from hub.access import (
    visible_change_set,
    visible_integration,
    visible_run,
    visible_school,
    visible_upload,
)

__all__ = [
    "visible_change_set",
    "visible_integration",
    "visible_run",
    "visible_school",
    "visible_upload",
]
