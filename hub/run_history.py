"""Run history for people: pages of runs newest first, and each integration's latest run,
read without the stored plans (a preview's plan can be megabytes; a list never needs it)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer
from sqlmodel import Session, col

from hub.context import Hub
from hub.errors import UsageError
from hub.models import Integration, IntegrationLink, Run


def refuse_while_active(session: Session, integration_id: str) -> None:
    """Refuse a change to an integration while one of its runs is queued or running (the run
    would write under the old shape); the caller's transaction holds the check and the change."""
    busy = session.scalars(
        select(col(Run.id)).where(
            col(Run.integration_id) == integration_id, col(Run.active_slot).is_not(None)
        )
    ).first()
    if busy:
        msg = f"integration '{integration_id}' has run '{busy}' queued or running; try again when it ends"
        raise UsageError(msg)


def _light() -> Any:
    return defer(Run.plan)  # type: ignore[arg-type]


def school_part(run: Run, school_id: str) -> dict[str, int]:
    """A run's counts at one school: a district run's part for that school, else its counts."""
    if run.school_counts is not None:
        return dict(run.school_counts.get(school_id) or {})
    return dict(run.counts or {})


def runs_page(
    hub: Hub,
    *,
    school_ids: Iterable[str] | None = None,
    district_runs: bool = False,
    integration_id: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[int, list[Run]]:
    """(how many in all, one page of them) for some schools or one integration; with
    ``district_runs`` the runs of district integrations linked to those schools too."""
    query = select(Run).options(_light())
    counting = select(func.count()).select_from(Run)
    if school_ids is not None:
        wanted = list(school_ids)
        feeding = select(col(Integration.id)).where(col(Integration.school_id).in_(wanted))
        if district_runs:
            linked = select(col(IntegrationLink.integration_id)).where(
                col(IntegrationLink.school_id).in_(wanted)
            )
            feeding = feeding.union(linked)  # type: ignore[assignment]
        query = query.where(col(Run.integration_id).in_(feeding))
        counting = counting.where(col(Run.integration_id).in_(feeding))
    if integration_id is not None:
        query = query.where(col(Run.integration_id) == integration_id)
        counting = counting.where(col(Run.integration_id) == integration_id)
    if status is not None:
        query = query.where(col(Run.status) == status)
        counting = counting.where(col(Run.status) == status)
    query = query.order_by(col(Run.created_at).desc(), col(Run.id).desc()).offset(offset)
    with hub.session() as session:
        total = int(session.execute(counting).scalar_one())
        found = list(session.scalars(query.limit(limit)))
    return total, found


def latest_runs(hub: Hub, integration_ids: Iterable[str]) -> dict[str, Run]:
    """Each integration's newest run (integrations without one are left out)."""
    found: dict[str, Run] = {}
    with hub.session() as session:
        for integration_id in integration_ids:
            run = session.scalars(
                select(Run)
                .options(_light())
                .where(col(Run.integration_id) == integration_id)
                .order_by(col(Run.created_at).desc(), col(Run.id).desc())
                .limit(1)
            ).first()
            if run is not None:
                found[integration_id] = run
    return found
