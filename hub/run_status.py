"""The statuses a run can have and what a run counts, defined once for the engine, the worker,
the CLI, the API and chat (a run's ``status`` in every JSON document is one of
:data:`STATUSES`, its ``counts`` have exactly the keys :data:`COUNT_KEYS`).

``queued -> running -> succeeded | failed | held | dry_run``; a ``held`` run waits for
approval and ends ``succeeded`` (or ``failed``) when approved, or ``superseded`` when a newer
view of its integration exists first: a later run applied or was held, or the data or
settings its plan was computed against changed. A superseded run's plan is never applied.
"""

from __future__ import annotations

QUEUED = "queued"
RUNNING = "running"
SUCCEEDED = "succeeded"
FAILED = "failed"
HELD = "held"
DRY_RUN = "dry_run"
SUPERSEDED = "superseded"

ACTIVE = (QUEUED, RUNNING)
"""A run in one of these holds its integration's slot: at most one per integration."""
ENDED = (SUCCEEDED, FAILED, HELD, DRY_RUN, SUPERSEDED)
"""Nothing more happens to a run in one of these by itself (a held run waits for a person)."""
STATUSES = (*ACTIVE, *ENDED)
SUPERSEDING = (SUCCEEDED, HELD, SUPERSEDED)
"""A run that ended in one of these after a held run makes that held run's plan out of date:
it applied changes, or it holds a newer plan (``superseded`` counts: it was held later)."""

COUNT_KEYS = ("created", "updated", "deactivated", "reactivated", "unchanged", "skipped")
"""What a run counts, per person; every run's ``counts`` has exactly these keys."""
