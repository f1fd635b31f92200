"""The scheduler with a fake clock: one run per integration per scheduled time, across DST
changes, with several schedulers at once, and after downtime."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from huey import MemoryHuey
from sqlalchemy import update
from sqlmodel import col, select

from hub import runs
from hub.context import Hub
from hub.integrations import create_integration, update_integration
from hub.models import Integration, Run
from hub.queue import RunQueue
from hub.runs import execute_run
from hub.scheduler import Scheduler, tick
from hub.schools import create_school
from tests.service.helpers import with_fake_provider


@pytest.fixture
def shub(hub: Hub) -> Hub:
    return with_fake_provider(hub)


@pytest.fixture
def queue(shub: Hub) -> Iterator[RunQueue]:
    yield RunQueue(shub, MemoryHuey("sched-test", results=False))


def _integration(hub: Hub, schedule: str, *, created: datetime, name: str = "Elm") -> str:
    school = create_school(hub, name=name, actor="test")
    made = create_integration(
        hub,
        school_id=school.id,
        provider="fake",
        settings={"people": "2", "domain": f"{name.lower()}.example.org", "schedule": schedule},
        secrets={},
        actor="test",
    )
    with hub.transaction() as session:
        session.execute(
            update(Integration).where(col(Integration.id) == made.id).values(created_at=created)
        )
    return made.id


def _scheduled(hub: Hub, integration_id: str) -> list[datetime]:
    with hub.session() as session:
        found = session.exec(
            select(Run.scheduled_for)
            .where(Run.integration_id == integration_id, col(Run.scheduled_for).is_not(None))
            .order_by(col(Run.scheduled_for))
        ).all()
    return [w if w.tzinfo else w.replace(tzinfo=UTC) for w in found if w is not None]


def _drain(hub: Hub, queue: RunQueue) -> None:
    """What a worker does: execute every queued message."""
    while (task := queue.huey.dequeue()) is not None:
        execute_run(hub, task.args[0])


def _run_clock(hub: Hub, queue: RunQueue, start: datetime, end: datetime, step: timedelta) -> None:
    now = start
    while now <= end:
        tick(hub, queue, now=now)
        _drain(hub, queue)
        now += step


def test_spring_forward_runs_once_at_the_next_valid_time(shub: Hub, queue: RunQueue) -> None:
    iid = _integration(shub, "02:30 America/New_York", created=datetime(2024, 3, 1, tzinfo=UTC))
    _run_clock(
        shub,
        queue,
        datetime(2024, 3, 9, 5, tzinfo=UTC),
        datetime(2024, 3, 12, 5, tzinfo=UTC),
        timedelta(minutes=30),
    )
    assert _scheduled(shub, iid) == [
        datetime(2024, 3, 8, 7, 30, tzinfo=UTC),  # missed before the clock started: run once
        datetime(2024, 3, 9, 7, 30, tzinfo=UTC),  # 02:30 EST
        datetime(2024, 3, 10, 7, 0, tzinfo=UTC),  # 02:30 does not exist: 03:00 EDT
        datetime(2024, 3, 11, 6, 30, tzinfo=UTC),  # 02:30 EDT
    ]
    statuses = {r.status for r in runs.list_runs(shub, integration_id=iid)}
    assert statuses == {"succeeded"}


def test_fall_back_runs_once_in_the_repeated_hour(shub: Hub, queue: RunQueue) -> None:
    iid = _integration(shub, "01:30 America/New_York", created=datetime(2024, 10, 1, tzinfo=UTC))
    _run_clock(
        shub,
        queue,
        datetime(2024, 11, 2, 4, tzinfo=UTC),
        datetime(2024, 11, 5, 4, tzinfo=UTC),
        timedelta(minutes=30),
    )
    assert _scheduled(shub, iid) == [
        datetime(2024, 11, 1, 5, 30, tzinfo=UTC),  # missed before the clock started: run once
        datetime(2024, 11, 2, 5, 30, tzinfo=UTC),  # 01:30 EDT
        datetime(2024, 11, 3, 5, 30, tzinfo=UTC),  # first 01:30 (EDT); the EST repeat is skipped
        datetime(2024, 11, 4, 6, 30, tzinfo=UTC),  # 01:30 EST
    ]


def test_after_downtime_only_the_latest_missed_run_happens(shub: Hub, queue: RunQueue) -> None:
    iid = _integration(shub, "23:00 America/New_York", created=datetime(2024, 5, 1, tzinfo=UTC))
    tick(shub, queue, now=datetime(2024, 5, 2, 3, 0, 10, tzinfo=UTC))
    _drain(shub, queue)
    # down from May 2 to the afternoon of May 6
    back = datetime(2024, 5, 6, 18, 0, tzinfo=UTC)
    for seconds in (0, 30, 60):
        tick(shub, queue, now=back + timedelta(seconds=seconds))
        _drain(shub, queue)
    assert _scheduled(shub, iid) == [
        datetime(2024, 5, 2, 3, 0, tzinfo=UTC),
        datetime(2024, 5, 6, 3, 0, tzinfo=UTC),  # last night's only, once
    ]


def test_several_schedulers_make_one_run_per_occurrence(shub: Hub) -> None:
    iid = _integration(shub, "23:00 America/New_York", created=datetime(2024, 5, 1, tzinfo=UTC))
    now = datetime(2024, 5, 3, 3, 0, 5, tzinfo=UTC)
    queues = [
        RunQueue(with_fake_provider(shub), MemoryHuey(f"s{n}", results=False)) for n in range(4)
    ]
    barrier = threading.Barrier(len(queues))
    errors: list[BaseException] = []

    def one(queue: RunQueue) -> None:
        try:
            barrier.wait()
            tick(queue.hub, queue, now=now)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(q,)) for q in queues]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert _scheduled(shub, iid) == [datetime(2024, 5, 3, 3, 0, tzinfo=UTC)]
    assert sum(q.pending() for q in queues) == 1


def test_off_disabled_and_new_integrations_are_not_run(shub: Hub, queue: RunQueue) -> None:
    created = datetime(2024, 5, 1, tzinfo=UTC)
    off = _integration(shub, "off", created=created, name="Off")
    paused = _integration(shub, "23:00 America/New_York", created=created, name="Paused")
    update_integration(shub, paused, enabled=False, actor="test")
    fresh = _integration(
        shub, "23:00 America/New_York", created=datetime(2024, 5, 6, 12, tzinfo=UTC), name="Fresh"
    )
    result = tick(shub, queue, now=datetime(2024, 5, 6, 18, tzinfo=UTC))
    assert result.queued == []
    for iid in (off, paused, fresh):
        assert _scheduled(shub, iid) == []


def test_a_busy_integration_gets_its_scheduled_run_when_free(shub: Hub, queue: RunQueue) -> None:
    iid = _integration(shub, "23:00 America/New_York", created=datetime(2024, 5, 1, tzinfo=UTC))
    manual, _ = runs.request_run(shub, runs.RunRequest(integration_id=iid, trigger="manual"))
    now = datetime(2024, 5, 3, 3, 0, 5, tzinfo=UTC)
    assert tick(shub, queue, now=now).queued == []
    execute_run(shub, manual.id)
    assert len(tick(shub, queue, now=now + timedelta(seconds=30)).queued) == 1
    assert _scheduled(shub, iid) == [datetime(2024, 5, 3, 3, 0, tzinfo=UTC)]


def test_scheduler_thread_uses_the_injected_clock(shub: Hub, queue: RunQueue) -> None:
    iid = _integration(shub, "23:00 America/New_York", created=datetime(2024, 5, 1, tzinfo=UTC))
    clock = iter([datetime(2024, 5, 3, 3, 1, tzinfo=UTC)] * 1000)
    scheduler = Scheduler(shub, queue, every=0.01, clock=lambda: next(clock)).start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while not _scheduled(shub, iid) and datetime.now(UTC) < deadline:
            threading.Event().wait(0.02)
    finally:
        scheduler.stop()
    assert _scheduled(shub, iid) == [datetime(2024, 5, 3, 3, 0, tzinfo=UTC)]
    assert queue.pending() == 1


def test_a_fleet_is_requested_in_one_batch_and_a_busy_integration_is_skipped_alone(
    shub: Hub, queue: RunQueue
) -> None:
    """Due runs go in one transaction; one integration with a run in hand does not stop the
    others (its occurrence is not requested while its run holds the slot)."""
    created = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    ids = [_integration(shub, "23:00 UTC", created=created, name=f"Fleet {n}") for n in range(5)]
    busy = runs.submit(shub, runs.RunRequest(ids[2], actor="test"), queue=queue).run
    night = datetime(2026, 3, 3, 23, 0, 30, tzinfo=UTC)
    result = tick(shub, queue, now=night)
    assert len(result.queued) == 4
    assert [len(_scheduled(shub, i)) for i in ids] == [1, 1, 0, 1, 1]
    assert busy.id not in result.queued
    again = tick(shub, queue, now=night + timedelta(minutes=1))
    assert again.queued == []  # requested once
