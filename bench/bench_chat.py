"""Chat window figures: what every open window costs the server.

An open window asks for new lines (``GET /console/chat/lines?after=N``: the polling fallback,
and what the event stream runs every second for each window). Measured under the same bounded
loopback load as the console pages, as a signed-in school admin whose conversation has 500
lines: once for a window that is up to date (nothing new: the common case) and once for a
window that loads the whole conversation (a page load). The floor is a bare route of the same
framework returning a constant, on the same server under the same load.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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

LINES = 500
# A poll with nothing new is the common case and gets the page target; loading 500 lines is a
# 60 KB answer, bounded like the API's account list (a list answer, not a constant).
TARGETS = {"fresh": 4.0, "all": 8.0}
LABELS = {
    "fresh": "GET /console/chat/lines (nothing new)",
    "all": f"GET /console/chat/lines (all {LINES} lines)",
}


@contextmanager
def _served(database_url: str) -> Iterator[tuple[str, str, dict[str, str]]]:
    import httpx

    from bots.window import install
    from hub.accounts import add_manual_account
    from hub.chat import store

    hub, school, _run = synced_school(database_url, people=100)
    try:
        account, password = add_manual_account(
            hub,
            school_id=school.id,
            email="bench.admin@bench.example.org",
            first_name="Bench",
            last_name="Admin",
            roles=["admin"],
            actor="bench",
        )
        assert password
        install(hub)
        with served_with_floor(hub) as url:
            cookie = console_cookie(url, account["email"], password)
            with httpx.Client(base_url=url, headers={"Cookie": cookie}) as browser:
                assert browser.get("/console/chat/lines").status_code == 200  # the conversation
            conversation = store.conversations(hub, None)[0]
            last = 0
            for i in range(LINES):
                author = store.ADMIN if i % 2 else store.ASSISTANT
                last = store.add_line(hub, conversation.id, author=author, text=f"line {i} " * 12)
            paths = {"fresh": f"/console/chat/lines?after={last}", "all": "/console/chat/lines"}
            yield url, cookie, paths
    finally:
        hub.engine.dispose()


def measure(database_url: str, *, requests: int) -> dict[str, Load]:
    with _served(database_url) as (base, cookie, paths):
        driver = f"cookie:{cookie}"
        loads = {
            "floor": load_from_another_process(f"{base}/bare/floor", driver, requests=requests)
        }
        for key, path in paths.items():
            loads[key] = load_from_another_process(f"{base}{path}", driver, requests=requests)
    for name, load in loads.items():
        if load.errors:
            msg = f"{name}: {load.errors} of {load.requests} requests failed"
            raise RuntimeError(msg)
    return loads


def figures(*, users: int, postgres: str | None = None) -> list[Figure]:
    del users, postgres
    with tempfile.TemporaryDirectory() as tmp:
        loads = measure(f"sqlite:///{Path(tmp) / 'chat.db'}", requests=QUICK_REQUESTS)
    return [
        Figure(
            name=f"chat window p99 {label}, {CONCURRENCY} clients, SQLite",
            seconds=loads[key].p99,
            floor_name=FLOOR,
            floor_seconds=loads["floor"].p99,
            target_ratio=TARGETS[key],
        )
        for key, label in LABELS.items()
    ]


if __name__ == "__main__":
    for figure in figures(users=0):
        print(
            f"{figure.name}: {figure.seconds:.4f} s (floor {figure.floor_seconds:.4f}, "
            f"ratio {figure.ratio:.2f}, target {figure.target_ratio})"
        )
