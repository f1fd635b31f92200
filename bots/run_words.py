"""A finished run in plain words, for a school admin (the chat window)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bots.reports import run_counts
from hub.run_status import FAILED, HELD, SUCCEEDED


def run_result(run: Mapping[str, Any]) -> str:
    status = run.get("status")
    counts = run_counts(run.get("counts") or {})
    if status == SUCCEEDED:
        return f"Your accounts are synced: {counts}."
    if status == HELD:
        return (
            "The sync stopped before changing anything, because it looked unsafe: "
            f"{run.get('error') or 'it would deactivate many accounts'}. Support will check "
            "it with you before it is applied."
        )
    if status == FAILED:
        return (
            f"The sync did not work: {run.get('error') or 'an unknown error'}. Nothing was "
            "changed; support has been told."
        )
    return f"The sync ended as {status}: {counts}."
