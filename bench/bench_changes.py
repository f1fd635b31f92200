"""What recording each run's changes costs, and what explain and undo cost, on the synthetic
district (the same data and databases as :mod:`bench.bench_sync`).

- a full sync and a resync with 1% changed, 0.5% removed and 0.5% added, each with its change
  log against the same run with the recording switched off, measured in turn in the same run
  (the recording's whole cost: the before-values of the rows it changes and the rows it
  created, written in the run's own transaction);
- the undo of a full sync (every account it created deactivated, as a new run, its own
  changes recorded in turn) against that full sync;
- explain, the median answer time over look-ups of people present and absent, against its
  budget of 50 ms on a school of that size.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bench.bench_sync import CHANGES, REPEAT, _connect, _open, _set_roster, _sync, _workdir
from bench.district import preloaded
from bench.figure import Figure, best_of
from hub import undo
from hub.actors import Actor
from hub.explain import explain
from hub.runs import ending, list_runs

EXPLAIN_BUDGET = 0.050
LOOKUPS = 201


@contextmanager
def _unrecorded() -> Iterator[None]:
    """Runs apply their plans without the change log (the "before" of the recording)."""
    real = ending.apply_plan

    def apply_plan(conn: Any, plan: Any, **kw: Any) -> None:
        real(conn, plan, **{**kw, "change_set": None})

    ending.apply_plan = apply_plan
    try:
        yield
    finally:
        ending.apply_plan = real


def _timings(work: Path, users: int) -> dict[str, Any]:
    preloaded(users)
    state: dict[str, Any] = {}
    counter = iter(range(1_000_000))

    def fresh() -> None:
        if "hub" in state:
            state["hub"].engine.dispose()
        hub = _open(work / f"changes{next(counter)}.db")
        state["hub"] = hub
        state["school"], state["integration"] = _connect(hub, users=users)

    def full() -> None:
        _sync(state["hub"], state["integration"], created=users)

    def unrecorded() -> None:
        with _unrecorded():
            full()

    def synced() -> None:
        fresh()
        full()

    # Interleaved, so a busy machine weighs on both sides alike.
    bare, recorded = _paired(REPEAT, (unrecorded, full), setup=fresh)
    changes = CHANGES
    preloaded(users, changed=0.01, removed=0.005, added=0.005)

    def resync() -> None:
        _set_roster(state["hub"], state["integration"], people=users, preload=True, **changes)
        _sync(state["hub"], state["integration"], updated=round(users * changes["changed"]))

    def resync_unrecorded() -> None:
        with _unrecorded():
            resync()

    bare_resync, recorded_resync = _paired(REPEAT, (resync_unrecorded, resync), setup=synced)

    def undo_full() -> None:
        done = undo.undo(
            state["hub"], _last_run(state), actor=Actor.everywhere("bench"), force=True, here=True
        ).run
        if done is None or done.status != "succeeded" or done.counts["deactivated"] != users:
            msg = f"bench undo ended {done and done.status}: {done and done.error}"
            raise RuntimeError(msg)

    undone = best_of(REPEAT, undo_full, setup=synced)
    synced_wall = best_of(REPEAT, full, setup=fresh)
    synced()
    emails = [f"{r.email}".lower() for r in random.Random(7).sample(preloaded(users), 150)]
    emails += [f"nobody{n}@nowhere.example" for n in range(LOOKUPS - len(emails))]
    times = []
    for email in emails:
        start = time.perf_counter()
        answer = explain(state["hub"], email=email, school_id=state["school"])
        times.append(time.perf_counter() - start)
        if answer["present"] != (not email.startswith("nobody")):
            msg = f"bench explain of {email} answered present={answer['present']}"
            raise RuntimeError(msg)
    state["hub"].engine.dispose()
    return {
        "bare": bare,
        "recorded": recorded,
        "bare_resync": bare_resync,
        "recorded_resync": recorded_resync,
        "undo": undone,
        "synced_wall": synced_wall,
        "explain": statistics.median(times),
        "explain_max": max(times),
    }


def _paired(
    repeat: int, actions: tuple[Callable[[], object], ...], *, setup: Callable[[], object]
) -> list[float]:
    """The least CPU time of ``repeat`` runs of each action, taken in turn (setup before
    each). CPU time of this process, where SQLite does its work too: two runs that differ by
    a few percent are told apart even on a machine others are busy on, where wall-clock
    timings swing by more than that."""
    best = [float("inf")] * len(actions)
    for _ in range(repeat):
        for n, action in enumerate(actions):
            setup()
            start = time.process_time()
            action()
            best[n] = min(best[n], time.process_time() - start)
    return best


def _last_run(state: dict[str, Any]) -> str:
    return list_runs(state["hub"], integration_id=state["integration"], limit=1)[0].id


def figures(*, users: int, big: bool = False) -> list[Figure]:
    del big
    with _workdir() as work:
        t = _timings(work, users)
    n = f"{users:,}"
    bare = "the same full sync without the change log"
    return [
        Figure(
            f"full sync of {n} users with its change log (CPU time)",
            t["recorded"],
            bare,
            t["bare"],
            1.10,
        ),
        Figure(
            f"resync of {n} users, 1% changed, 0.5% removed, 0.5% added, with its change log "
            "(CPU time)",
            t["recorded_resync"],
            "the same resync without the change log",
            t["bare_resync"],
            1.10,
        ),
        Figure(
            f"undo of a full sync of {n} users (all deactivated, as a run)",
            t["undo"],
            f"the full sync of {n} users it undoes",
            t["synced_wall"],
            2.0,
        ),
        Figure(
            f"explain on a {n}-person school (median of {LOOKUPS}; slowest "
            f"{t['explain_max'] * 1000:.1f} ms)",
            t["explain"],
            "the 50 ms budget",
            EXPLAIN_BUDGET,
            1.0,
        ),
    ]
