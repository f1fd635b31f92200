"""Sync engine figures, each against a floor measured in the same run on the same data.

The floor is one executemany INSERT of the very rows a full sync writes (accounts and their
memberships, ids given, one transaction) into an empty SQLite database: no engine can write
those rows faster, and an unchanged resync should cost no more than writing them once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import text, update

from bench.district import DistrictPlugin, district, preloaded
from bench.figure import Figure, best_of
from hub import runs
from hub.config import get_settings
from hub.context import Hub, open_hub
from hub.engine.mapping import Mapped, RoleMapper
from hub.models import ACTIVE, Integration, School, utcnow
from hub.plugins import make_plugin_manager

REPEAT = 3
BIG_USERS = 500_000
RSS_BUDGET_MB = 1536.0
FLOOR = "executemany INSERT of the same account + membership rows, one transaction"
CHANGES: dict[str, Any] = {"changed": 0.01, "removed": 0.005, "added": 0.005}
_KEY = Fernet.generate_key().decode()


def _open(path: Path) -> Hub:
    settings = get_settings(database_url=f"sqlite:///{path}", secret_key=_KEY)
    return open_hub(settings, pm=make_plugin_manager(extra=[DistrictPlugin()], entry_points=False))


def _connect(hub: Hub, *, users: int, preload: bool = True) -> tuple[str, str]:
    """A school and an integration with the synthetic district; returns their ids."""
    with hub.transaction() as session:
        school = School(name="Bench High")
        session.add(school)
        session.flush()
        integration = Integration(
            school_id=school.id,
            provider="district",
            settings={"people": users, "preload": preload},
        )
        session.add(integration)
    return school.id, integration.id


def _set_roster(hub: Hub, integration_id: str, **settings: Any) -> None:
    table = Integration.__table__  # type: ignore[attr-defined]
    with hub.engine.begin() as conn:
        conn.execute(update(table).where(table.c.id == integration_id).values(settings=settings))


def _sync(hub: Hub, integration_id: str, **expect: int) -> None:
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration_id, actor="bench"), here=True
    ).run
    if run.status != "succeeded":
        msg = f"bench sync ended {run.status}: {run.error}"
        raise RuntimeError(msg)
    for key, value in expect.items():
        if run.counts[key] != value:
            msg = f"bench sync counted {key}={run.counts[key]}, expected {value}"
            raise RuntimeError(msg)


def _checkpoint(hub: Hub) -> None:
    with hub.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    hub.engine.dispose()


@contextmanager
def _workdir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="rosterhub-bench-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def _floor_rows(
    users: int, school_id: str, integration_id: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    mapper = RoleMapper()
    now = utcnow()
    accounts: list[dict[str, Any]] = []
    memberships: list[dict[str, Any]] = []
    for n, record in enumerate(preloaded(users), start=1):
        mapped = mapper.map(record)
        assert isinstance(mapped, Mapped)
        accounts.append(
            {
                "id": n,
                "email": mapped.email,
                "first_name": mapped.first_name,
                "last_name": mapped.last_name,
                "password_hash": None,
                "created_at": now,
                "updated_at": now,
            }
        )
        memberships.append(
            {
                "account_id": n,
                "school_id": school_id,
                "roles": mapped.roles,
                "status": ACTIVE,
                "integration_id": integration_id,
                "source": "district",
                "external_id": mapped.external_id,
                "record_hash": mapped.hash,
                "created_at": now,
                "updated_at": now,
            }
        )
    return accounts, memberships


def _insert_sql(table: str, row: dict[str, Any]) -> str:
    return f"INSERT INTO {table} ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})"


def _tuples(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """Rows as the DB-API takes them (datetimes as SQLite stores them)."""
    return [
        tuple(
            v.strftime("%Y-%m-%d %H:%M:%S.%f") if isinstance(v, datetime) else v
            for v in row.values()
        )
        for row in rows
    ]


def floor_seconds(work: Path, users: int) -> float:
    """Best of REPEAT: the bare bulk insert of the rows a full sync writes."""
    state: dict[str, Any] = {}
    counter = iter(range(1_000_000))

    def setup() -> None:
        if "hub" in state:
            state["hub"].engine.dispose()
        hub = _open(work / f"floor{next(counter)}.db")
        school_id, integration_id = _connect(hub, users=users)
        if "rows" not in state:
            state["rows"] = _floor_rows(users, school_id, integration_id)
        else:  # same rows, this database's school and integration
            for row in state["rows"][1]:
                row["school_id"], row["integration_id"] = school_id, integration_id
        state["tuples"] = tuple(_tuples(rows) for rows in state["rows"])
        state["hub"] = hub

    def insert_rows() -> None:
        # Straight to the DB-API: one cursor.executemany per table over ready-made tuples, no
        # SQLAlchemy type processing — the least any engine could do to write these rows.
        accounts, memberships = state["tuples"]
        raw = state["hub"].engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.executemany(_insert_sql("account", state["rows"][0][0]), accounts)
            cursor.executemany(_insert_sql("membership", state["rows"][1][0]), memberships)
            raw.commit()
        finally:
            raw.close()

    seconds = best_of(REPEAT, insert_rows, setup=setup)
    state["hub"].engine.dispose()
    return seconds


def sync_seconds(work: Path, users: int) -> tuple[float, float, float]:
    """Best of REPEAT for: a full sync into an empty database, an unchanged resync, and a
    resync with 1% changed, 0.5% removed and 0.5% added."""
    preloaded(users)
    preloaded(users, **CHANGES)
    state: dict[str, Any] = {}
    counter = iter(range(1_000_000))

    def fresh() -> None:
        if "hub" in state:
            state["hub"].engine.dispose()
        hub = _open(work / f"sync{next(counter)}.db")
        state["hub"] = hub
        state["integration"] = _connect(hub, users=users)[1]

    def full() -> None:
        _sync(state["hub"], state["integration"], created=users)

    full_s = best_of(REPEAT, full, setup=fresh)
    hub, integration_id = state["hub"], state["integration"]
    unchanged_s = best_of(REPEAT, lambda: _sync(hub, integration_id, unchanged=users))

    _checkpoint(hub)
    baseline = work / "baseline.db"
    shutil.copyfile(work / f"sync{REPEAT - 1}.db", baseline)

    def restore() -> None:
        if "changed_hub" in state:
            state["changed_hub"].engine.dispose()
        path = work / f"changed{next(counter)}.db"
        shutil.copyfile(baseline, path)
        changed_hub = _open(path)
        _set_roster(changed_hub, integration_id, people=users, preload=True, **CHANGES)
        state["changed_hub"] = changed_hub

    expect = {
        "updated": round(users * CHANGES["changed"]),
        "deactivated": round(users * CHANGES["removed"]),
        "created": round(users * CHANGES["added"]),
    }
    changed_s = best_of(
        REPEAT, lambda: _sync(state["changed_hub"], integration_id, **expect), setup=restore
    )
    state["changed_hub"].engine.dispose()
    return full_s, unchanged_s, changed_s


# Linux records the high-water RSS of the address space a process replaces at exec into the
# new program's ru_maxrss, and subprocess spawns with vfork: a child started straight from this
# (large) process would report our own size. A tiny launcher starts the child and reports its
# getrusage figure, so what is measured is the sync, plus at most the launcher's few MB.
_LAUNCHER = """
import os, sys
pid = os.posix_spawn(sys.executable, [sys.executable, *sys.argv[1:]], os.environ)
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))
"""


def peak_rss_mb(users: int) -> float:
    """Peak resident memory (getrusage of the child) of a process doing a full sync of
    ``users`` people, the roster generated as it streams (as a provider's pages arrive)."""
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [
            sys.executable,
            "-S",
            "-c",
            _LAUNCHER,
            "-m",
            "bench.bench_sync",
            "--rss-child",
            str(users),
        ],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    counts_line, usage_line = done.stdout.strip().splitlines()[-2:]
    max_rss_kib, exit_code = (int(part) for part in usage_line.split())
    if exit_code != 0:
        msg = f"the {users}-user sync child failed (exit {exit_code})"
        raise RuntimeError(msg)
    counts = json.loads(counts_line)
    if counts.get("created") != users:
        msg = f"the {users}-user sync child created {counts.get('created')} accounts"
        raise RuntimeError(msg)
    return max_rss_kib / 1024.0  # Linux reports KiB


def _rss_child(users: int) -> None:
    with _workdir() as work:
        hub = _open(work / "big.db")
        integration_id = _connect(hub, users=users, preload=False)[1]
        run = runs.submit(
            hub, runs.RunRequest(integration_id=integration_id, actor="bench"), here=True
        ).run
        hub.engine.dispose()
        print(json.dumps(run.counts))


def figures(*, users: int, big: bool = False) -> list[Figure]:
    with _workdir() as work:
        floor = floor_seconds(work, users)
        full_s, unchanged_s, changed_s = sync_seconds(work, users)
    n = f"{users:,}"
    result = [
        Figure(f"full sync of {n} users into an empty SQLite DB", full_s, FLOOR, floor, 3.0),
        Figure(f"unchanged resync of {n} users", unchanged_s, FLOOR, floor, 1.0),
        Figure(
            f"resync of {n} users, 1% changed, 0.5% removed, 0.5% added",
            changed_s,
            FLOOR,
            floor,
            1.2,
        ),
    ]
    if big:
        rss = peak_rss_mb(BIG_USERS)
        result.append(
            Figure(
                f"peak RSS of a full sync of {BIG_USERS:,} users (child process)",
                rss,
                "memory budget",
                RSS_BUDGET_MB,
                1.0,
                unit="MB",
            )
        )
    return result


def _main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rss-child", type=int, required=True)
    _rss_child(parser.parse_args().rss_child)


if __name__ == "__main__":
    _main()


__all__ = ["district", "figures"]
