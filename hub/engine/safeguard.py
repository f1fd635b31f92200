"""The safeguard: whether a plan looks like a provider that suddenly lost people.

A held plan is kept, not applied, until someone approves it (:mod:`hub.runs.approval`). A
district run is held when any one linked school would trip it, or the district as a whole
would; the reason names the school(s).
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.engine.plan import Plan

MIN_HELD_DEACTIVATIONS = 5
"""The percentage safeguard holds a run only when it would deactivate more than this many."""

_APPROVE_EMPTY = "approve the run to deactivate them"
_APPROVE = "approve the run to apply it"


def hold_reason(
    plan: Plan,
    *,
    max_deactivate_percent: float,
    school_names: Mapping[str, str] | None = None,
) -> str | None:
    """Why the safeguard holds this plan, or None. Both rules protect against a provider that
    suddenly returns far fewer people than before (a bad filter, a half-broken export)."""
    if plan.parts:
        return _district_reason(plan, max_deactivate_percent, school_names or {})
    tripped = _trips(plan, max_deactivate_percent)
    if tripped is None:
        return None
    what, empty = tripped
    return f"held by the safeguard: {what}; {_APPROVE_EMPTY if empty else _APPROVE}"


def _trips(plan: Plan, max_deactivate_percent: float) -> tuple[str, bool] | None:
    """What the plan would do that trips the safeguard (and whether it is 'nobody returned')."""
    active = plan.active_before
    if plan.full and plan.records == 0 and active > 0:
        return f"the provider returned no users but {active} accounts are active", True
    count = plan.counts["deactivated"]
    if active and count > MIN_HELD_DEACTIVATIONS and count * 100 > max_deactivate_percent * active:
        percent = count * 100 / active
        return (
            f"would deactivate {count} of {active} active accounts "
            f"({percent:.0f}%, more than max_deactivate_percent {max_deactivate_percent:g}%)",
            False,
        )
    return None


def _district_reason(
    plan: Plan, max_deactivate_percent: float, names: Mapping[str, str]
) -> str | None:
    found: list[str] = []
    empty = False
    whole = _trips(plan, max_deactivate_percent)
    if whole is not None:
        empty = whole[1]
        found.append(
            whole[0].replace("no users", "no users for any linked school")
            if empty
            else f"the district as a whole {whole[0]}"
        )
    for part in plan.parts:
        tripped = _trips(part, max_deactivate_percent)
        if tripped is None:
            continue
        name = names.get(part.school_id)
        label = f"{name} ({part.school_id})" if name else part.school_id
        found.append(f"school {label}: {tripped[0]}")
        empty = empty or tripped[1]
    if not found:
        return None
    return f"held by the safeguard: {'; '.join(found)}; {_APPROVE_EMPTY if empty else _APPROVE}"
