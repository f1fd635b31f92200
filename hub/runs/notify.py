"""Telling whoever listens that a run ended: the ``rosterhub_run_finished`` hook.

Called by :mod:`hub.runs.ending` and :mod:`hub.runs.approval` once a run's end state is
committed, in the process that ended it (a worker, the CLI, the scheduler's reaper), so every
trigger is announced the same way. The hub itself knows no listener: the Slack app's notifier
(:mod:`bots.notify`) and any other plugin register through the ``rosterhub`` entry points.
A listener's failure is logged; the run's end is already recorded and stays as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from sqlmodel import col, select

from hub.context import Hub
from hub.models import Integration, IntegrationLink, School
from hub.runs.queries import get_run, run_out
from hub.schema import RunOutcome, SchoolOut

log = logging.getLogger(__name__)


def announce(hub: Hub, run_ids: Iterable[str]) -> None:
    """Call ``rosterhub_run_finished`` for each run that just ended; never raises."""
    hook = hub.pm.hook.rosterhub_run_finished
    if not hook.get_hookimpls():
        return  # nobody listens: do not even read the runs
    for run_id in run_ids:
        try:
            outcome = run_outcome(hub, run_id)
            if outcome is not None:
                hook(outcome=outcome, settings=hub.settings)
        except Exception:  # noqa: BLE001 - a listener must not undo or hide a run's end
            log.exception("run %s: a rosterhub_run_finished listener failed", run_id)


def run_outcome(hub: Hub, run_id: str) -> RunOutcome | None:
    """The run as it ended, with its provider and the schools its integration feeds (None
    when the integration is gone)."""
    run = get_run(hub, run_id)
    with hub.session() as session:
        integration = session.get(Integration, run.integration_id)
        if integration is None:
            return None
        fed = select(IntegrationLink.school_id).where(
            IntegrationLink.integration_id == integration.id
        )
        found = list(
            session.exec(
                select(School)
                .where((col(School.id) == integration.school_id) | col(School.id).in_(fed))
                .order_by(School.name)
            )
        )
    if not found:
        return None
    return RunOutcome(
        run=run_out(hub, run),
        provider=integration.provider,
        schools=[SchoolOut.from_row(school) for school in found],
    )
