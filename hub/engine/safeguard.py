"""The safeguard: whether a plan looks like a provider that suddenly lost people.

A held plan is kept, not applied, until someone approves it (:mod:`hub.runs.approval`).
"""

from __future__ import annotations

from hub.engine.plan import Plan

MIN_HELD_DEACTIVATIONS = 5
"""The percentage safeguard holds a run only when it would deactivate more than this many."""


def hold_reason(plan: Plan, *, max_deactivate_percent: float) -> str | None:
    """Why the safeguard holds this plan, or None. Both rules protect against a provider that
    suddenly returns far fewer people than before (a bad filter, a half-broken export)."""
    active = plan.active_before
    if plan.full and plan.records == 0 and active > 0:
        return (
            f"held by the safeguard: the provider returned no users but {active} accounts "
            "are active; approve the run to deactivate them"
        )
    count = plan.counts["deactivated"]
    if active and count > MIN_HELD_DEACTIVATIONS and count * 100 > max_deactivate_percent * active:
        percent = count * 100 / active
        return (
            f"held by the safeguard: would deactivate {count} of {active} active accounts "
            f"({percent:.0f}%, more than max_deactivate_percent {max_deactivate_percent:g}%); "
            "approve the run to apply it"
        )
    return None
