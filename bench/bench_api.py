"""HTTP API figures: requests per second and p99 latency under a bounded loopback load.

The server is the real app (``create_app``) on uvicorn, as ``rosterhub serve`` runs it; the
load comes from a second process (this module run as a script): ``CONCURRENCY`` clients on
keep-alive connections, each sending its share of a fixed number of requests. Two routes:

- ``GET /api/v1/runs/{id}``: token check, the run and its issues;
- ``GET /api/v1/schools/{id}/accounts``: token check and 1,000 accounts as JSON.

The floor is a bare route of the same framework returning a constant JSON object, on the same
server under the same load: what any request costs before the hub does anything. Figures are
p99 latencies; :func:`tables` also gives requests per second. With
``ROSTERHUB_TEST_POSTGRES_URL`` (or ``--postgres URL``) the figures are taken on PostgreSQL too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from bench.figure import Figure

ACCOUNTS = 1000
CONCURRENCY = 8
REQUESTS = 1000
QUICK_REQUESTS = 400
FLOOR = "bare FastAPI route returning a constant, same server and load"
TARGETS = {"run": 4.0, "accounts": 12.0}


@dataclass(frozen=True)
class Load:
    requests: int
    seconds: float
    p50: float
    p99: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# -- the load generator (runs in its own process) -------------------------------------------


async def _drive(url: str, token: str, requests: int, concurrency: int) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    errors = 0
    # "cookie:NAME=VALUE" drives the web console as a signed-in browser; anything else is a token
    if token.startswith("cookie:"):
        headers = {"Cookie": token.removeprefix("cookie:")}
    else:
        headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(headers=headers, limits=limits, timeout=30) as client:
        for _ in range(min(20, requests)):  # warm the connections and the server's caches
            await client.get(url)
        remaining = requests

        async def worker() -> None:
            nonlocal remaining, errors
            while remaining > 0:
                remaining -= 1
                start = time.perf_counter()
                response = await client.get(url)
                latencies.append(time.perf_counter() - start)
                if response.status_code != 200:
                    errors += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "seconds": elapsed,
        "p50": statistics.median(latencies),
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "errors": errors,
    }


def load_from_another_process(url: str, token: str, *, requests: int) -> Load:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.bench_api",
            "--drive",
            url,
            "--token-env",
            "BENCH_TOKEN",
            "--requests",
            str(requests),
            "--concurrency",
            str(CONCURRENCY),
        ],
        env={**os.environ, "BENCH_TOKEN": token},
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    data = json.loads(out.stdout)
    return Load(
        requests=int(data["requests"]),
        seconds=data["seconds"],
        p50=data["p50"],
        p99=data["p99"],
        errors=int(data["errors"]),
    )


# -- the server side ------------------------------------------------------------------------


@contextmanager
def _postgres(url: str) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    from hub.db import normalize_url

    admin = create_engine(normalize_url(url), isolation_level="AUTOCOMMIT")
    name = f"rosterhub_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield normalize_url(url).rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def synced_school(database_url: str, *, people: int) -> tuple[Any, Any, Any]:
    """(hub, school, run): one school synced from the synthetic district with ``people``
    accounts, what the API and console benchmarks serve."""
    from bench.district import DistrictPlugin
    from hub import runs
    from hub.config import get_settings
    from hub.context import open_hub
    from hub.integrations import create_integration
    from hub.plugins import make_plugin_manager
    from hub.schools import create_school

    settings = get_settings(database_url=database_url, secret_key=Fernet.generate_key().decode())
    hub = open_hub(settings, pm=make_plugin_manager(extra=[DistrictPlugin()]))
    school = create_school(hub, name="Bench High", actor="bench")
    integration = create_integration(
        hub,
        school_id=school.id,
        provider="district",
        settings={"people": str(people)},
        secrets={},
        actor="bench",
    )
    request = runs.RunRequest(integration_id=integration.id, actor="bench")
    run = runs.submit(hub, request, here=True).run
    assert run.status == "succeeded", run.error
    return hub, school, run


@contextmanager
def _served(database_url: str) -> Iterator[tuple[str, str, str, str]]:
    """The app with a school of 1,000 synced accounts; yields (base url, token, run, school)."""

    from hub import tokens

    hub, school, run = synced_school(database_url, people=ACCOUNTS)
    try:
        token = tokens.create_token(hub, role="district_it", actor="bench")[1]
        with served_with_floor(hub) as url:
            yield url, token, run.id, school.id
    finally:
        hub.engine.dispose()


def console_cookie(url: str, email: str, password: str) -> str:
    """Sign in to the console at ``url`` as a person would; the session cookie header."""
    import re

    import httpx

    with httpx.Client(base_url=url) as browser:
        form = browser.get("/console/sign-in").text
        token = re.search(r'name="form_token" value="([^"]+)"', form)
        assert token
        browser.post(
            "/console/sign-in",
            data={"email": email, "password": password, "form_token": token.group(1)},
        )
        cookie = browser.cookies.get("rosterhub_session")
    assert cookie, f"{email} could not sign in"
    return f"rosterhub_session={cookie}"


@contextmanager
def served_with_floor(hub: Any) -> Iterator[str]:
    """The real app on a loopback server, with the floor mounted beside it: a bare route of
    the same framework returning a constant (``/bare/floor``). Yields the base URL."""
    from fastapi import FastAPI

    from hub.api import create_app
    from hub.testing import LoopbackServer

    app = create_app(hub, worker=False, scheduler=False)
    floor = FastAPI()

    @floor.get("/floor")
    def constant() -> dict[str, str]:
        return {"status": "ok"}

    app.mount("/bare", floor)
    server = LoopbackServer(app).start()
    try:
        yield server.url
    finally:
        server.stop()


def measure(database_url: str, *, requests: int) -> dict[str, Load]:
    with _served(database_url) as (base, token, run_id, school_id):
        loads = {
            "floor": load_from_another_process(f"{base}/bare/floor", token, requests=requests),
            "run": load_from_another_process(
                f"{base}/api/v1/runs/{run_id}", token, requests=requests
            ),
            "accounts": load_from_another_process(
                f"{base}/api/v1/schools/{school_id}/accounts", token, requests=requests
            ),
        }
    for name, load in loads.items():
        if load.errors:
            msg = f"{name}: {load.errors} of {load.requests} requests failed"
            raise RuntimeError(msg)
    return loads


def _backends(postgres: str | None) -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        yield "SQLite", f"sqlite:///{Path(tmp) / 'bench.db'}"
    if postgres:
        with _postgres(postgres) as url:
            yield "PostgreSQL", url


def _measure_all(*, requests: int, postgres: str | None) -> dict[str, dict[str, Load]]:
    return {name: measure(url, requests=requests) for name, url in _backends(postgres)}


LABELS = {
    "run": "GET /api/v1/runs/{id}",
    "accounts": f"GET /api/v1/schools/{{id}}/accounts ({ACCOUNTS:,} accounts)",
}


def figures(*, users: int, postgres: str | None = None) -> list[Figure]:
    """p99 latency of each route against the bare-route floor (``users`` is not used: the
    accounts route is measured on a school of 1,000)."""
    del users
    postgres = postgres or os.environ.get("ROSTERHUB_TEST_POSTGRES_URL")
    found: list[Figure] = []
    _LAST.clear()
    _LAST.update(_measure_all(requests=QUICK_REQUESTS, postgres=postgres))
    for backend, loads in _LAST.items():
        for key, label in LABELS.items():
            found.append(
                Figure(
                    name=f"API p99 {label}, {CONCURRENCY} clients, {backend}",
                    seconds=loads[key].p99,
                    floor_name=FLOOR,
                    floor_seconds=loads["floor"].p99,
                    target_ratio=TARGETS[key],
                )
            )
    return found


_LAST: dict[str, dict[str, Load]] = {}


def report() -> str:
    """The requests-per-second table of the measurement :func:`figures` just took."""
    return _render(_LAST, requests=QUICK_REQUESTS) if _LAST else ""


def tables(*, requests: int = REQUESTS, postgres: str | None = None) -> str:
    """Markdown: requests per second, p50 and p99 per route and database."""
    return _render(_measure_all(requests=requests, postgres=postgres), requests=requests)


def _render(measured: dict[str, dict[str, Load]], *, requests: int) -> str:
    lines = [
        "### HTTP API load",
        "",
        f"{requests:,} requests per route from a second process, {CONCURRENCY} concurrent "
        "keep-alive clients, loopback.",
        "",
        "| database | route | req/s | p50 | p99 |",
        "|---|---|---:|---:|---:|",
    ]
    for backend, loads in measured.items():
        for key, label in [("floor", "bare route (floor)"), *LABELS.items()]:
            load = loads[key]
            lines.append(
                f"| {backend} | {label} | {load.rps:,.0f} | {load.p50 * 1000:.1f} ms | "
                f"{load.p99 * 1000:.1f} ms |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_api", description=__doc__)
    parser.add_argument("--drive", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--token-env", default="BENCH_TOKEN", help=argparse.SUPPRESS)
    parser.add_argument("--concurrency", type=int, default=CONCURRENCY, help=argparse.SUPPRESS)
    parser.add_argument("--requests", type=int, default=REQUESTS, help="requests per route")
    parser.add_argument("--postgres", metavar="URL", help="also measure on this PostgreSQL server")
    args = parser.parse_args(argv)
    if args.drive:
        token = os.environ[args.token_env]
        result = asyncio.run(_drive(args.drive, token, args.requests, args.concurrency))
        print(json.dumps(result))
        return 0
    postgres = args.postgres or os.environ.get("ROSTERHUB_TEST_POSTGRES_URL")
    print(tables(requests=args.requests, postgres=postgres))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
