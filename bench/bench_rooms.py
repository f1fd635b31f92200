"""The rooms import figure: ``rosterhub rooms import FILE --school S --dry-run`` of a 2,000-room
.xlsx, the whole process as a person runs it (start-up, the plugin host, the database, the
confined parse, every rule), against the read floor: a whole process running
``pandas.read_excel(FILE, engine="calamine", dtype=str, sheet_name=None)`` of the same file.
Target: at most 2x the floor.

The workbook is the rooms template filled with 2,000 rooms in four folders (deterministic) and
the database holds one school; both live in a temporary directory for the run.

The project's modules are byte-compiled first, as installing the package does (pip compiles
what it installs, so pandas on the floor's side is compiled too); a source checkout run under
``PYTHONDONTWRITEBYTECODE`` would otherwise compile every module of the command on each start.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOMS = 2_000
REPEAT = 5
TARGET = 2.0


_runs: list[tuple[float, float, float, float]] = []
"""Each interleaved run: (ours wall, ours CPU, floor wall, floor CPU), for :func:`report`."""


def _timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock seconds of the whole process, and the CPU seconds it (and its children, the
    confined parse among them) used."""
    import resource
    import time

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        msg = f"{command[:3]} failed ({done.returncode}): {done.stderr.decode()[-500:]}"
        raise RuntimeError(msg)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return seconds, cpu


def figures(*, users: int) -> list[Any]:
    del users  # a school's rooms, not a district's people
    from bench.figure import Figure
    from hub.rooms.template import template_bytes

    root = Path(__file__).resolve().parent.parent
    for package in ("hub", "plugins", "bots"):
        compileall.compile_dir(root / package, quiet=1)
    work = Path(tempfile.mkdtemp(prefix="rosterhub-bench-rooms-"))
    path = work / f"rooms-{ROOMS}.xlsx"
    rows = tuple(
        (f"Room {n:04d}", f"{n:04d}", "", f"Floor {n % 4}", "5", "Round Trip", "", "Yes")
        for n in range(ROOMS)
    )
    path.write_bytes(template_bytes(rows))
    env = {**os.environ, "ROSTERHUB_DATABASE_URL": f"sqlite:///{work / 'hub.db'}"}
    env.pop("ROSTERHUB_BROKER_URL", None)
    rosterhub = str(Path(sys.executable).with_name("rosterhub"))
    _timed([rosterhub, "school", "add", "Bench High", "--json"], env)
    floor_command = [
        sys.executable,
        "-c",
        "import sys, pandas; pandas.read_excel(sys.argv[1], engine='calamine', dtype=str, "
        "sheet_name=None)",
        str(path),
    ]
    ours = [
        rosterhub,
        "rooms",
        "import",
        str(path),
        "--school",
        "Bench High",
        "--dry-run",
        "--json",
    ]
    _runs.clear()
    for _ in range(REPEAT):  # interleaved, so both see the same machine
        floor_wall, floor_cpu = _timed(floor_command, env)
        ours_wall, ours_cpu = _timed(ours, env)
        _runs.append((ours_wall, ours_cpu, floor_wall, floor_cpu))
    seconds = min(run[0] for run in _runs)
    floor = min(run[2] for run in _runs)
    return [
        Figure(
            f"rooms import --dry-run, {ROOMS:,} rooms (whole process)",
            seconds,
            "whole-process pandas.read_excel(engine='calamine')",
            floor,
            TARGET,
        )
    ]


def report() -> str:
    """Every interleaved run, wall clock and CPU (the CPU ratio is the one a busy machine
    disturbs least)."""
    if not _runs:
        return ""
    lines = [
        f"### Rooms import, {ROOMS:,} rooms: each run (whole processes, interleaved)",
        "",
        "| run | rooms import --dry-run | its CPU | floor (pandas.read_excel) | its CPU | "
        "ratio | CPU ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, (wall, cpu, floor_wall, floor_cpu) in enumerate(_runs, start=1):
        lines.append(
            f"| {number} | {wall:.3f} s | {cpu:.3f} s | {floor_wall:.3f} s | {floor_cpu:.3f} s | "
            f"{wall / floor_wall:.2f}x | {cpu / floor_cpu:.2f}x |"
        )
    return "\n".join(lines)
