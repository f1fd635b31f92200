"""The Clever provider's figure: a full sync through the Clever Data API over loopback HTTP,
against the same sync fed the same records from memory.

Both sides run the hub engine (``runs.submit(..., here=True)``) into an empty SQLite database, so the ratio
is what reading a district over HTTP (requests, JSON, paging, mapping) adds to a sync. The
sandbox is served by a separate process, as Clever's servers are not ours: its own work of
building the JSON pages is not charged to the hub.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet

if TYPE_CHECKING:
    from bench.figure import Figure

REPEAT = 3
TARGET = 2.0
_KEY = Fernet.generate_key().decode()


def figures(*, users: int) -> list[Figure]:
    from bench.figure import Figure, best_of
    from plugins.clever.provider import CleverProvider
    from plugins.clever.sandbox import CleverSandbox

    district = CleverSandbox(seed=0, users=users)
    settings = CleverProvider.parse_settings({"token": district.token})
    mapping = CleverProvider(settings).mapping
    items = [item for user in district.users if (item := mapping.record(user)) is not None]
    records = sum(1 for item in items if not hasattr(item, "severity"))
    work = Path(tempfile.mkdtemp(prefix="rosterhub-bench-clever-"))
    try:
        with served(users) as base_url:
            action, setup = _sync(
                work,
                "http",
                records,
                provider="clever",
                settings={"base_url": base_url},
                secrets={"token": district.token},
            )
            over_http = best_of(REPEAT, action, setup=setup)
        action, setup = _sync(
            work, "memory", records, provider="in-memory", settings={}, secrets={}, items=items
        )
        in_memory = best_of(REPEAT, action, setup=setup)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return [
        Figure(
            f"full sync of {users:,} users via Clever sandbox over loopback HTTP",
            over_http,
            "same sync from an in-process list of the same records",
            in_memory,
            TARGET,
        )
    ]


@contextmanager
def served(users: int, schools: int = 4) -> Iterator[str]:
    """The same sandbox district (seed 0) served by a child process on a free port."""
    from hub.testing import free_port

    port = free_port()
    child = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench.bench_clever",
            "--serve",
            str(port),
            str(users),
            str(schools),
        ],
        stdout=subprocess.DEVNULL,
        cwd=Path(__file__).resolve().parent.parent,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if child.poll() is not None or time.monotonic() > deadline:
                    msg = "the Clever sandbox process did not start"
                    raise RuntimeError(msg) from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=30)


def _serve(port: int, users: int, schools: int) -> None:
    import uvicorn

    from plugins.clever.sandbox import CleverSandbox

    district = CleverSandbox(seed=0, users=users, schools=schools)
    uvicorn.run(district, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _sync(
    work: Path,
    label: str,
    records: int,
    *,
    provider: str,
    settings: dict[str, str],
    secrets: dict[str, str],
    items: list[Any] | None = None,
) -> tuple[Callable[[], object], Callable[[], object]]:
    """(action, setup): setup makes an empty database with one connected school; the action
    syncs it and checks every record was created."""
    from hub import runs
    from hub.config import get_settings
    from hub.context import open_hub
    from hub.integrations import create_integration
    from hub.plugins import make_plugin_manager
    from hub.schools import create_school

    state: dict[str, Any] = {}
    counter = iter(range(1_000_000))

    def setup() -> None:
        if "hub" in state:
            state["hub"].engine.dispose()
        path = work / f"{label}{next(counter)}.db"
        extra: list[object] = [_plugin(items or [])]
        hub = open_hub(
            get_settings(database_url=f"sqlite:///{path}", secret_key=_KEY),
            pm=make_plugin_manager(extra=extra),
        )
        school = create_school(hub, name="Bench Elementary", actor="bench")
        integration = create_integration(
            hub,
            school_id=school.id,
            provider=provider,
            settings=settings,
            secrets=secrets,
            actor="bench",
        )
        state["hub"], state["integration"] = hub, integration.id

    def action() -> None:
        run = runs.submit(
            state["hub"],
            runs.RunRequest(integration_id=state["integration"], actor="bench"),
            here=True,
        ).run
        if run.status != "succeeded" or run.counts.get("created") != records:
            msg = f"bench sync ({label}) ended {run.status} with {run.counts}: {run.error}"
            raise RuntimeError(msg)

    return action, setup


def _plugin(items: list[Any]) -> object:
    """A plugin registering a provider that yields ``items`` from memory: the floor."""
    from hub import hookimpl
    from hub.provider import Provider
    from hub.roster import Item

    class InMemoryProvider(Provider):
        name = "in-memory"
        title = "Records already in memory"

        def fetch(self) -> Iterator[Item]:
            yield from items

    class Plugin:
        @hookimpl
        def rosterhub_register_providers(self) -> list[type[Provider]]:
            return [InMemoryProvider]

    return Plugin()


if __name__ == "__main__":
    import sys

    if sys.argv[1:2] == ["--serve"]:
        _serve(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        raise SystemExit(0)
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    for figure in figures(users=count):
        print(
            f"{figure.name}: {figure.seconds:.3f} s; {figure.floor_name}: "
            f"{figure.floor_seconds:.3f} s; ratio {figure.ratio:.2f} (target <= {figure.target_ratio:g})"
        )
