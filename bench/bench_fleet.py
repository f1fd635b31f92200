"""The nightly fleet: 200 integrations scheduled at 23:00, consumed by 2 ``rosterhub worker``
processes on Redis + PostgreSQL. The figure is the wall time from the scheduler's tick to the
last run's end; the floor is the ideal for two workers, (sum of the single-run times) / 2, each
single run timed alone (``runs.submit(..., here=True)`` on the same database, one after
another). Needs ``ROSTERHUB_TEST_POSTGRES_URL`` and ``ROSTERHUB_TEST_REDIS_URL``; without them
the figure is left out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet

if TYPE_CHECKING:
    from bench.figure import Figure
    from hub.context import Hub

INTEGRATIONS = 200
WORKERS = 2
TARGET = 1.3
REPO = Path(__file__).resolve().parent.parent
_KEY = Fernet.generate_key().decode()


def figures(*, users: int) -> list[Figure]:
    from bench.figure import Figure

    postgres = os.environ.get("ROSTERHUB_TEST_POSTGRES_URL")
    redis = os.environ.get("ROSTERHUB_TEST_REDIS_URL")
    if not postgres or not redis:
        print("fleet: no PostgreSQL/Redis (ROSTERHUB_TEST_*_URL); left out", file=sys.stderr)
        return []
    people = max(50, users // INTEGRATIONS)
    database = _fresh_database(postgres)
    queue_name = f"rosterhub_bench_{uuid.uuid4().hex[:8]}"
    hub = _hub(database, redis, queue_name)
    try:
        ids = _fleet(hub, people)
        single = _single_runs(hub, ids)
        _reset(hub)
        wall = _nightly(hub, database, redis, queue_name, len(ids))
    finally:
        hub.engine.dispose()
        _drop_database(postgres, database)
    return [
        Figure(
            f"nightly fleet: {INTEGRATIONS} integrations ({people:,} people each) at 23:00, "
            f"{WORKERS} workers, Redis + PostgreSQL",
            wall,
            f"(sum of the {INTEGRATIONS} single-run times) / {WORKERS}",
            single / WORKERS,
            TARGET,
        )
    ]


def _hub(database: str, redis: str, queue_name: str) -> Hub:
    from bench.district import DistrictPlugin
    from hub.config import get_settings
    from hub.context import open_hub
    from hub.plugins import make_plugin_manager

    settings = get_settings(
        database_url=database, secret_key=_KEY, broker_url=redis, queue_name=queue_name
    )
    return open_hub(settings, pm=make_plugin_manager(extra=[DistrictPlugin()]))


def _fleet(hub: Hub, people: int) -> list[str]:
    from hub.integrations import create_integration
    from hub.schools import create_school

    ids = []
    for number in range(INTEGRATIONS):
        school = create_school(hub, name=f"Fleet School {number}", actor="bench")
        ids.append(
            create_integration(
                hub,
                school_id=school.id,
                provider="district",
                settings={"people": str(people), "seed": str(number), "preload": "true"},
                secrets={},
                actor="bench",
            ).id
        )
    return ids


def _single_runs(hub: Hub, ids: list[str]) -> float:
    """Each integration's run alone, one after another: the sum of their times."""
    from hub import runs

    total = 0.0
    for integration in ids:
        start = time.perf_counter()
        run = runs.submit(hub, runs.RunRequest(integration, actor="bench"), here=True).run
        total += time.perf_counter() - start
        if run.status != "succeeded":
            msg = f"fleet single run ended {run.status}: {run.error}"
            raise RuntimeError(msg)
    return total


def _reset(hub: Hub) -> None:
    """Back to integrations that never ran (connected two days ago): what a first night
    looks like, with last night's 23:00 owed to each."""
    from sqlalchemy import text, update

    from hub.models import Integration, utcnow

    with hub.engine.begin() as conn:
        conn.execute(update(Integration).values(created_at=utcnow() - timedelta(days=2)))
        conn.execute(text("DELETE FROM runissue"))
        conn.execute(text("DELETE FROM run"))
        conn.execute(text("DELETE FROM membership"))
        conn.execute(text("DELETE FROM auditevent"))
        conn.execute(text("DELETE FROM account"))


def _nightly(hub: Hub, database: str, redis: str, queue_name: str, count: int) -> float:
    from sqlalchemy import func, select

    from hub.models import Run, utcnow
    from hub.queue import get_queue
    from hub.scheduler import tick

    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROSTERHUB_", "SLACK_"))}
    env.update(
        ROSTERHUB_DATABASE_URL=database,
        ROSTERHUB_SECRET_KEY=_KEY,
        ROSTERHUB_BROKER_URL=redis,
        ROSTERHUB_QUEUE_NAME=queue_name,
        ROSTERHUB_EXTRA_PLUGINS="bench.fleet_plugin",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")])),
    )
    rosterhub = str(Path(sys.executable).with_name("rosterhub"))
    logs = [
        tempfile.NamedTemporaryFile(prefix="rosterhub-fleet-", suffix=".log")
        for _ in range(WORKERS)
    ]
    workers = [
        subprocess.Popen([rosterhub, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=log)
        for log in logs
    ]
    queue = get_queue(hub)
    try:
        _wait_ready(logs, workers)
        start = time.perf_counter()
        result = tick(hub, queue, now=utcnow())
        ticked = time.perf_counter() - start
        if len(result.queued) != count:
            msg = f"the schedule queued {len(result.queued)} of {count} runs"
            raise RuntimeError(msg)
        ended = ("succeeded", "failed", "held")
        query = select(func.count()).select_from(Run).where(Run.status.in_(ended))  # type: ignore[attr-defined]
        while True:
            with hub.engine.connect() as conn:
                done = int(conn.execute(query).scalar_one())
            if done >= count:
                break
            if time.perf_counter() - start > 900:
                msg = f"the fleet did not finish ({done} of {count})"
                raise RuntimeError(msg)
            time.sleep(0.1)
        wall = time.perf_counter() - start
        _explain(hub, wall, ticked)
        with hub.engine.connect() as conn:
            bad = conn.execute(
                select(func.count()).select_from(Run).where(Run.status != "succeeded")  # type: ignore[arg-type]
            ).scalar_one()
        if bad:
            msg = f"{bad} fleet run(s) did not succeed"
            raise RuntimeError(msg)
        return wall
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=30)
        queue.flush()


_details: list[str] = []


def _wait_ready(logs: list[Any], workers: list[subprocess.Popen[bytes]]) -> None:
    """Until every worker says it is consuming the queue (its start-up is not the fleet's)."""
    deadline = time.monotonic() + 120
    while not all("Ctrl-C stops" in Path(log.name).read_text(errors="replace") for log in logs):
        if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
            msg = "the fleet's workers did not start"
            raise RuntimeError(msg)
        time.sleep(0.1)


def _explain(hub: Hub, wall: float, ticked: float) -> None:
    """Where the fleet's time went: inside the runs (claimed to ended) or between them."""
    from sqlalchemy import select

    from hub.models import Run

    with hub.engine.connect() as conn:
        rows = conn.execute(select(Run.created_at, Run.started_at, Run.finished_at)).all()  # type: ignore[call-overload]
    inside = sum((f - s).total_seconds() for _c, s, f in rows if s and f)
    waited = sum((s - c).total_seconds() for c, s, _f in rows if s and c)
    first = min(s for _c, s, _f in rows if s)
    last = max(f for _c, _s, f in rows if f)
    _details[:] = [
        "| fleet wall time | the tick (200 runs requested and queued) | first start to last end "
        "| time inside runs (sum) | inside / workers | queue wait (sum) |\n"
        "|---:|---:|---:|---:|---:|---:|\n"
        f"| {wall:.2f} s | {ticked:.2f} s | {(last - first).total_seconds():.2f} s "
        f"| {inside:.2f} s | {inside / WORKERS:.2f} s | {waited:.1f} s |"
    ]


def report() -> str:
    if not _details:
        return ""
    return "### Nightly fleet: where the time goes\n\n" + "\n".join(_details)


def _fresh_database(url: str) -> str:
    from sqlalchemy import create_engine, text

    from hub.db import normalize_url

    name = f"rosterhub_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return normalize_url(url).rsplit("/", 1)[0] + f"/{name}"


def _drop_database(url: str, database: str) -> None:
    from sqlalchemy import create_engine, text

    from hub.db import normalize_url

    name = database.rsplit("/", 1)[1]
    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    for figure in figures(users=count):
        print(
            f"{figure.name}: {figure.seconds:.3f} s; {figure.floor_name}: "
            f"{figure.floor_seconds:.3f} s; ratio {figure.ratio:.2f}"
        )
    print(report())
