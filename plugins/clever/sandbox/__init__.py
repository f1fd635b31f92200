"""The Clever sandbox: a generated district (:mod:`.district`) served by the Data API on
loopback (:mod:`.api`). Only tests and ``rosterhub demo`` import it; a sync never does."""

from __future__ import annotations

from plugins.clever.sandbox.api import DEFAULT_LIMIT, MAX_LIMIT, RATE_LIMIT, VERSIONS, CleverSandbox
from plugins.clever.sandbox.district import District

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "RATE_LIMIT", "VERSIONS", "CleverSandbox", "District"]
