"""The upload figures, measured the way a user runs them: ``rosterhub import`` as a whole
process (interpreter start-up, imports, the confined parse child, validation, the database).

- **dry run**: ``rosterhub import FILE --school S --dry-run --json`` on a valid template-shaped
  .xlsx (92% Student, 7% Teacher, 1% Admin; blank, numeric and text passwords; some rows with
  Additional Schools), against the floor ``python -c "import pandas;
  pandas.read_excel(FILE, sheet_name=None, engine='calamine', dtype=str)"`` in the same venv,
  also a whole process. The two alternate; each is the median of 3. Target: at most 2x.
- **apply**: the upload service's apply (``hub.uploads.process_upload``: what the API's
  background thread, chat's confirm and ``rosterhub import`` run) of N new people into a fresh
  SQLite database, against the floor of the work no apply can skip, measured in the same run: the
  argon2id hashes of exactly those passwords (same parameters, one thread per core, as argon2
  releases the GIL) plus one raw DB-API bulk insert of the account and membership rows.
  The apply files have the hub generate most passwords (blank cells) and carry a chosen one on
  1 row in 50. Target: at most 1.2x.
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPEAT = 3
DRY_RUN_TARGET = 2.0
APPLY_TARGET = 1.2
SCHOOL = "Bench North"
OTHER_SCHOOLS = ("Bench South", "Bench East")
PYTHON = Path(sys.executable)
ROSTERHUB = PYTHON.parent / "rosterhub"
FLOOR_CODE = (
    "import sys, pandas; "
    "pandas.read_excel(sys.argv[1], sheet_name=None, engine='calamine', dtype=str)"
)


def role_sheet(i: int) -> str:
    slot = (i * 7919) % 100
    return "Student" if slot < 92 else "Teacher" if slot < 99 else "Admin"


def workbook(users: int, *, chosen_every: int = 3, tag: str = "dry") -> Path:
    """A template-shaped workbook of ``users`` new people (cached; same rows every run).
    Passwords: with ``chosen_every`` 3, a third blank, a third numeric cells, a third text;
    otherwise blank except one row in ``chosen_every`` (text)."""
    import xlsxwriter

    path = Path(tempfile.gettempdir()) / f"rosterhub-bench-upload-{tag}-{users}.xlsx"
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    book = xlsxwriter.Workbook(str(partial), {"constant_memory": True})
    text = book.add_format({"num_format": 49})
    columns = ("Email", "First Name", "Last Name", "Password", "Additional Schools")
    sheets = {}
    for name in ("Student", "Teacher", "Admin"):
        sheet = book.add_worksheet(name)
        sheet.set_column(0, len(columns) - 1, 22, text)
        sheet.write_row(0, 0, columns)
        sheets[name] = [sheet, 1]
    for i in range(users):
        sheet, row = sheets[role_sheet(i)]
        sheet.write_string(row, 0, f"person.{i:07d}@district.example.org")
        sheet.write_string(row, 1, f"First{i % 997}")
        sheet.write_string(row, 2, f"Last{i % 1009}")
        kind = i % chosen_every
        if chosen_every == 3 and kind == 1:
            sheet.write_number(row, 3, 40_000_000 + i)  # a numeric cell: a warning, accepted
        elif kind == chosen_every - 1:
            sheet.write_string(row, 3, f"pass-{i:07d}-word")
        if i % 20 == 0:
            sheet.write_string(row, 4, OTHER_SCHOOLS[i % 40 // 20])
        sheets[role_sheet(i)][1] = row + 1
    book.close()
    partial.replace(path)
    return path


def seeded_database(directory: Path) -> str:
    """A fresh SQLite database with the bench schools, made by the CLI as a user would."""
    path = directory / "bench.db"
    path.unlink(missing_ok=True)
    url = f"sqlite:///{path}"
    for name in (SCHOOL, *OTHER_SCHOOLS):
        run([str(ROSTERHUB), "school", "add", name, "--json"], url)
    return url


def run(argv: list[str], url: str | None = None) -> float:
    env = dict(os.environ)
    if url:
        env["ROSTERHUB_DATABASE_URL"] = url
    start = time.perf_counter()
    done = subprocess.run(argv, env=env, capture_output=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        msg = f"{' '.join(argv[:3])} failed ({done.returncode}): {done.stdout[-400:]!r} {done.stderr[-400:]!r}"
        raise RuntimeError(msg)
    return seconds


def dry_run_figure(users: int, directory: Path) -> Any:
    from bench.figure import Figure

    path = workbook(users)
    url = seeded_database(directory)
    command = [str(ROSTERHUB), "import", str(path), "--school", SCHOOL, "--dry-run", "--json"]
    floor_command = [str(PYTHON), "-c", FLOOR_CODE, str(path)]
    figures, floors = [], []
    for _ in range(REPEAT):  # alternating, so a busy moment costs both sides alike
        floors.append(run(floor_command))
        figures.append(run(command, url))
    return Figure(
        f"dry run of {users:,}-row .xlsx (CLI, whole process)",
        statistics.median(figures),
        "python -c pandas.read_excel(calamine, dtype=str), whole process",
        statistics.median(floors),
        DRY_RUN_TARGET,
    )


def apply_floor(users: int, path: Path, directory: Path) -> float:
    """Hash the same passwords the apply hashes, on every core, and bulk-insert the rows."""
    from hub.passwords import generate_password, hash_generated_password, hash_password
    from plugins.csv.validate import validate_file

    persons = validate_file(path).persons()
    db = directory / "floor.db"
    db.unlink(missing_ok=True)
    conn = sqlite3.connect(db)
    conn.execute(
        "CREATE TABLE account (id INTEGER PRIMARY KEY, email TEXT UNIQUE, first_name TEXT,"
        " last_name TEXT, password_hash TEXT, created_at TEXT, updated_at TEXT)"
    )
    conn.execute(
        "CREATE TABLE membership (id INTEGER PRIMARY KEY, account_id INT, school_id TEXT,"
        " roles TEXT, status TEXT, source TEXT, created_at TEXT, updated_at TEXT)"
    )
    conn.commit()
    start = time.perf_counter()

    def work(person: Any) -> str:
        if person.password:
            return hash_password(person.password)
        return hash_generated_password(generate_password())

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        hashes = list(pool.map(work, persons))
    stamp = "2026-01-01 00:00:00.000000"
    conn.executemany(
        "INSERT INTO account VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (n, p.email, p.first_name, p.last_name, h, stamp, stamp)
            for n, (p, h) in enumerate(zip(persons, hashes, strict=True), 1)
        ],
    )
    conn.executemany(
        "INSERT INTO membership (account_id, school_id, roles, status, source, created_at,"
        " updated_at) VALUES (?, 'sch', ?, 'active', 'csv', ?, ?)",
        [(n, p.role, stamp, stamp) for n, p in enumerate(persons, 1)],
    )
    conn.commit()
    seconds = time.perf_counter() - start
    conn.close()
    return seconds


def apply_once(path: Path, directory: Path) -> float:
    """The upload service's apply (validate, plan, hash on every core, one transaction), as
    the API's background thread and the CLI run it, into a fresh SQLite database."""
    from hub import uploads
    from hub.context import open_hub
    from hub.schools import create_school
    from tests.conftest import make_settings

    for leftover in directory.glob("apply-*.db*"):
        leftover.unlink()
    db = directory / f"apply-{time.monotonic_ns()}.db"  # a new URL: a new, migrated database
    hub = open_hub(make_settings(f"sqlite:///{db}"))
    school = create_school(hub, name=SCHOOL, actor="bench")
    for name in OTHER_SCHOOLS:
        create_school(hub, name=name, actor="bench")
    content = path.read_bytes()
    start = time.perf_counter()
    outcome = uploads.process_upload(
        hub, school_id=school.id, filename=path.name, content=content, dry_run=False, actor="bench"
    )
    seconds = time.perf_counter() - start
    hub.engine.dispose()
    if outcome.result["status"] != "applied":
        msg = f"the bench upload was not applied: {outcome.result['errors'][:3]}"
        raise RuntimeError(msg)
    return seconds


def apply_figure(users: int, directory: Path, *, repeat: int) -> Any:
    from bench.figure import Figure

    path = workbook(users, chosen_every=50, tag="apply")
    figures, floors = [], []
    for _ in range(repeat):  # alternating
        floors.append(apply_floor(users, path, directory))
        figures.append(apply_once(path, directory))
    return Figure(
        f"apply {users:,} new rows (upload service)",
        statistics.median(figures),
        "argon2id of the same passwords on every core + bulk insert",
        statistics.median(floors),
        APPLY_TARGET,
    )


def figures(*, users: int) -> list[Any]:
    with tempfile.TemporaryDirectory(prefix="rosterhub-bench-uploads-") as tmp:
        directory = Path(tmp)
        out = [dry_run_figure(users, directory)]
        out.append(apply_figure(5_000, directory, repeat=REPEAT))
        # Minutes of argon2 each way on two cores: one alternating pair.
        out.append(apply_figure(users, directory, repeat=1))
    return out
