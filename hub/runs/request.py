"""Asking for a run: :class:`RunRequest` and the one place a run row is created.

Every trigger (the CLI, the HTTP API, chat, the nightly schedule) builds a :class:`RunRequest`
and hands it to :func:`hub.runs.submission.submit`; :func:`request_run` is the step inside it that
records the request. The database, not a lock, decides whether a request makes a new run:
the run's unique ``active_slot`` allows one queued-or-running run per integration, and
``(integration_id, scheduled_for)`` is unique, so one occurrence of the schedule is one run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select

from hub import audit
from hub.context import Hub
from hub.errors import HubError, UsageError
from hub.integrations import get_integration
from hub.models import Run
from hub.run_status import QUEUED

TRIGGERS = ("manual", "schedule", "chat", "api", "undo")
"""Who asked: the CLI (``manual``), the nightly schedule, chat, or the HTTP API; ``undo`` is a
run that puts back what an earlier run changed (:mod:`hub.undo`), whoever asked for it."""


@dataclass(frozen=True, slots=True)
class RunRequest:
    """One run of one integration, as someone asked for it.

    Every option has a default, so a new one (say, a district integration's run limited to some
    of its schools) is a new field that the existing callers never have to pass."""

    integration_id: str
    trigger: str = "manual"
    actor: str | None = None
    """Who asked (``cli:ada``, ``slack:U123``, a token's actor); None: the trigger itself."""
    dry_run: bool = False
    """Plan and record the counts and issues; apply nothing."""
    full: bool = False
    """Read the whole roster even when the provider has a change feed."""
    force: bool = False
    """Apply even when a safeguard would hold the run."""
    scheduled_for: datetime | None = None
    """The schedule's occurrence this run is for (the schedule only): one run per occurrence,
    and a queue outage never loses it (it stays queued and is sent again)."""
    undoes: str | None = None
    """The run this one undoes (trigger ``undo``): its plan comes from what that run changed,
    not from the provider."""

    def __post_init__(self) -> None:
        if self.trigger not in TRIGGERS:
            msg = f"unknown trigger '{self.trigger}' (one of: {', '.join(TRIGGERS)})"
            raise UsageError(msg)

    @property
    def who(self) -> str:
        """The actor named in the audit log."""
        return self.actor or self.trigger


def request_run(hub: Hub, request: RunRequest) -> tuple[Run, bool]:
    """Record a queued run, or return the integration's run that is already queued or running
    (or this occurrence's run); ``created`` is then False. Two requests racing on two machines
    still leave one run."""
    integration = get_integration(hub, request.integration_id)
    if not integration.enabled:
        msg = f"integration '{integration.id}' is disabled; enable it before syncing"
        raise UsageError(msg)
    for _attempt in range(3):
        run = Run(
            integration_id=integration.id,
            status=QUEUED,
            trigger=request.trigger,
            dry_run=request.dry_run,
            full=request.full,
            force=request.force,
            actor=request.actor,
            active_slot=integration.id,
            scheduled_for=request.scheduled_for,
            undoes=request.undoes,
        )
        try:
            with hub.transaction() as session:
                session.add(run)
                audit.record(
                    session,
                    actor=request.who,
                    action="run.request",
                    target=run.id,
                    integration_id=integration.id,
                    trigger=request.trigger,
                    dry_run=request.dry_run,
                    full=request.full,
                    force=request.force,
                    **({"undoes": request.undoes} if request.undoes else {}),
                )
            return run, True
        except IntegrityError:
            existing = _existing_run(hub, integration.id, request.scheduled_for)
            if existing is not None:
                return existing, False
            # the active run ended between our insert and our look; try again
    msg = f"could not queue a run for integration '{integration.id}'; try again"
    raise HubError(msg)


def _existing_run(hub: Hub, integration_id: str, scheduled_for: datetime | None) -> Run | None:
    with hub.session() as session:
        active = session.scalars(select(Run).where(col(Run.active_slot) == integration_id)).first()
        if active is not None or scheduled_for is None:
            return active
        return session.scalars(
            select(Run).where(
                col(Run.integration_id) == integration_id,
                col(Run.scheduled_for) == scheduled_for,
            )
        ).first()


def request_scheduled(hub: Hub, requests: list[RunRequest]) -> list[Run]:
    """Record many scheduled runs in ONE transaction (one commit for a whole night's fleet,
    not one per integration). All of them go in one batch; when that meets an occurrence
    another scheduler already requested, or an integration with a run in hand, each goes in
    a savepoint of its own and those are skipped without undoing the others. Returns the runs
    created, to be queued once this has committed."""
    with hub.transaction() as session:
        made = [_scheduled_run(request) for request in requests]
        try:
            with session.begin_nested():
                session.add_all(made)
                session.flush()
        except IntegrityError:
            made = []
            for request in requests:
                run = _scheduled_run(request)
                try:
                    with session.begin_nested():
                        session.add(run)
                        session.flush()
                except IntegrityError:
                    continue  # requested already, or a run of it is queued or running
                made.append(run)
        for run in made:
            audit.record(
                session,
                actor=run.actor or run.trigger,
                action="run.request",
                target=run.id,
                integration_id=run.integration_id,
                trigger=run.trigger,
                dry_run=False,
                full=False,
                force=False,
            )
        session.flush()
        for run in made:
            session.expunge(run)
    return made


def _scheduled_run(request: RunRequest) -> Run:
    return Run(
        integration_id=request.integration_id,
        status=QUEUED,
        trigger=request.trigger,
        actor=request.actor,
        active_slot=request.integration_id,
        scheduled_for=request.scheduled_for,
    )
