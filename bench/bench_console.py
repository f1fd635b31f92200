"""Web console figures: its pages under the same bounded loopback load as the HTTP API, and
the size of a large preview's stored plan.

The server is the real app (``create_app``) on uvicorn; the load comes from a second process
(:mod:`bench.bench_api`'s driver) as a signed-in district IT browser (its session cookie).
Pages, on a school of 5,000 synced accounts:

- Home (the checklist: integrations, latest runs, accounts per role);
- Accounts, page 1 of 100, and a search that matches a tenth of the school;
- a run's page (counts and issues).

The floor is a bare route of the same framework returning a constant, on the same server under
the same load (as for the API). The Accounts page is also timed alone (one client, one request
at a time): its median must stay under 100 ms. The stored plan of a 100,000-person preview is
measured against a 5 MB budget (only the newest preview of an integration keeps its plan).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.fernet import Fernet

from bench.bench_api import (
    CONCURRENCY,
    FLOOR,
    QUICK_REQUESTS,
    Load,
    console_cookie,
    load_from_another_process,
    served_with_floor,
    synced_school,
)
from bench.figure import Figure

ACCOUNTS = 5000
PLAN_PEOPLE = 100_000
PLAN_BUDGET_MB = 5.0
PAGE_BUDGET = 0.100
TARGET = 4.0
LABELS = {
    "home": "GET /console (Home)",
    "accounts": f"GET /console/accounts ({ACCOUNTS:,} accounts, page 1)",
    "search": "GET /console/accounts?q= (search)",
    "run": "GET /console/runs/{id}",
}


@contextmanager
def _served(database_url: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    """The app with a school of 5,000 accounts; yields (base url, cookie, paths by key)."""

    from hub.staff import add_staff

    hub, school, run = synced_school(database_url, people=ACCOUNTS)
    try:
        staff, password = add_staff(
            hub, email="bench@district.example.org", role="district_it", actor="bench"
        )
        with served_with_floor(hub) as url:
            cookie = console_cookie(url, staff.email, password)
            paths = {
                "home": f"/console?school={school.id}",
                "accounts": f"/console/accounts?school={school.id}",
                "search": f"/console/accounts?school={school.id}&q=Hopper",
                "run": f"/console/runs/{run.id}",
            }
            yield url, cookie, paths
    finally:
        hub.engine.dispose()


def _alone(url: str, cookie: str, *, requests: int = 40) -> float:
    """The median of ``requests`` sequential requests (one client, nothing else loading it)."""
    import httpx

    times = []
    with httpx.Client(headers={"Cookie": cookie}) as client:
        for _ in range(5):
            client.get(url)
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, response.status_code
    return statistics.median(times)


def measure(database_url: str, *, requests: int) -> tuple[dict[str, Load], float]:
    with _served(database_url) as (base, cookie, paths):
        driver = f"cookie:{cookie}"
        loads = {
            "floor": load_from_another_process(f"{base}/bare/floor", driver, requests=requests)
        }
        for key, path in paths.items():
            loads[key] = load_from_another_process(f"{base}{path}", driver, requests=requests)
        alone = _alone(f"{base}{paths['accounts']}", cookie)
    for name, load in loads.items():
        if load.errors:
            msg = f"{name}: {load.errors} of {load.requests} requests failed"
            raise RuntimeError(msg)
    return loads, alone


def plan_megabytes(people: int = PLAN_PEOPLE) -> float:
    """The stored (compressed) plan of a first preview of ``people`` people."""
    from bench.district import DistrictPlugin
    from hub import runs
    from hub.config import get_settings
    from hub.context import open_hub
    from hub.integrations import create_integration
    from hub.plugins import make_plugin_manager
    from hub.schools import create_school

    with tempfile.TemporaryDirectory() as tmp:
        settings = get_settings(
            database_url=f"sqlite:///{Path(tmp) / 'plan.db'}",
            secret_key=Fernet.generate_key().decode(),
        )
        hub = open_hub(settings, pm=make_plugin_manager(extra=[DistrictPlugin()]))
        try:
            school = create_school(hub, name="Plan High", actor="bench")
            integration = create_integration(
                hub,
                school_id=school.id,
                provider="district",
                settings={"people": str(people)},
                secrets={},
                actor="bench",
            )
            run = runs.submit(
                hub,
                runs.RunRequest(integration_id=integration.id, dry_run=True, actor="bench"),
                here=True,
            ).run
            assert run.status == "dry_run" and run.plan is not None
            return len(run.plan) / 1_000_000
        finally:
            hub.engine.dispose()


_LAST: dict[str, Load] = {}


def figures(*, users: int, postgres: str | None = None) -> list[Figure]:
    """Each page's p99 against the bare-route floor; the Accounts page alone; the plan size
    (``users`` people, the benchmark's scale)."""
    del postgres
    with tempfile.TemporaryDirectory() as tmp:
        loads, alone = measure(f"sqlite:///{Path(tmp) / 'console.db'}", requests=QUICK_REQUESTS)
    _LAST.clear()
    _LAST.update(loads)
    found = [
        Figure(
            name=f"console p99 {label}, {CONCURRENCY} clients, SQLite",
            seconds=loads[key].p99,
            floor_name=FLOOR,
            floor_seconds=loads["floor"].p99,
            target_ratio=TARGET,
        )
        for key, label in LABELS.items()
    ]
    found.append(
        Figure(
            name=f"console Accounts page of a {ACCOUNTS:,}-account school, median, one client",
            seconds=alone,
            floor_name="100 ms budget",
            floor_seconds=PAGE_BUDGET,
            target_ratio=1.0,
        )
    )
    found.append(
        Figure(
            name=f"stored plan of a {users:,}-person preview",
            seconds=plan_megabytes(users),
            floor_name="size budget",
            floor_seconds=PLAN_BUDGET_MB * users / PLAN_PEOPLE,
            target_ratio=1.0,
            unit="MB",
        )
    )
    return found


def report() -> str:
    if not _LAST:
        return ""
    lines = [
        "### Web console load",
        "",
        f"{QUICK_REQUESTS:,} requests per page from a second process, {CONCURRENCY} concurrent "
        "keep-alive clients signed in as district IT, loopback, SQLite.",
        "",
        "| page | req/s | p50 | p99 |",
        "|---|---:|---:|---:|",
    ]
    for key, label in [("floor", "bare route (floor)"), *LABELS.items()]:
        load = _LAST[key]
        lines.append(
            f"| {label} | {load.rps:,.0f} | {load.p50 * 1000:.1f} ms | {load.p99 * 1000:.1f} ms |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    for figure in figures(users=PLAN_PEOPLE):
        print(
            f"{figure.name}: {figure.seconds:.4f} {figure.unit} (floor {figure.floor_seconds:.4f}, ratio {figure.ratio:.2f}, target {figure.target_ratio})"
        )
    print(report())
