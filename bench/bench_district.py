"""The district figures: a Clever district of N users in 40 schools synced through ONE district
integration (one walk of ``/users``, every person routed to their linked schools), against one
full sync of the same users into one school, and against 40 one-school integrations of the same
data (40 walks).

Timings are taken against the Clever sandbox served by a child process (its work of building
pages is not charged to the hub); the provider requests are counted by the sandbox itself,
served in-process for an untimed run; peak memory is the ``tracemalloc`` high-water mark of an
untimed run against the child process.
"""

from __future__ import annotations

import shutil
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet

if TYPE_CHECKING:
    from bench.figure import Figure
    from hub.context import Hub

SCHOOLS = 40
REPEAT = 3
TARGET = 1.3
_KEY = Fernet.generate_key().decode()
_details: list[str] = []


def figures(*, users: int) -> list[Figure]:
    from bench.bench_clever import served
    from bench.figure import Figure, best_of
    from plugins.clever.sandbox import CleverSandbox

    _details.clear()
    sandbox = CleverSandbox(seed=0, users=users, schools=SCHOOLS)
    clever_ids = [school["id"] for school in sandbox.schools]
    work = Path(tempfile.mkdtemp(prefix="rosterhub-bench-district-"))
    try:
        with served(users, SCHOOLS) as base_url:
            district = _Setup(work, base_url, sandbox.token, clever_ids)
            one_school = best_of(REPEAT, district.sync("one"), setup=district.one_school)
            linked = best_of(REPEAT, district.sync("district"), setup=district.district)
            district.forty()
            forty = _timed(district.sync_all())
            one_peak = _peak(district.one_school, district.sync("one"))
            district_peak = _peak(district.district, district.sync("district"))
        requests = _requests(work, users, clever_ids)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _details.append(
        "| walks of `/users` | requests (district) | requests (one school) | requests (40 one-school) |\n"
        "|---|---:|---:|---:|\n"
        f"| district: {requests['district_walks']}, one school: 1, 40 one-school: "
        f"{requests['forty_walks']} | {requests['district']} | {requests['one']} | "
        f"{requests['forty']} |"
    )
    label = f"{users:,} users in {SCHOOLS} schools"
    return [
        Figure(
            f"district sync of {label}, one district integration (Clever sandbox)",
            linked,
            f"full sync of the same {users:,} users into one school",
            one_school,
            TARGET,
        ),
        Figure(
            f"district sync of {label}, one district integration",
            linked,
            f"{SCHOOLS} one-school integrations of the same data, one run each",
            forty,
            1.0,
        ),
        Figure(
            f"Clever requests of one district run ({label})",
            float(requests["district"]),
            "requests of one walk of /users (one full sync into one school)",
            float(requests["one"]),
            1.0,
            unit="req",
        ),
        Figure(
            f"peak traced memory of a district run ({label})",
            district_peak,
            f"the same for a full sync of {users:,} users into one school",
            one_peak,
            1.5,
            unit="MB",
        ),
    ]


def report() -> str:
    if not _details:
        return ""
    return "### District requests (counted by the Clever sandbox)\n\n" + "\n".join(_details)


class _Setup:
    """Fresh SQLite databases: one school fed whole, a district of 40 linked schools, or 40
    schools with an integration each."""

    def __init__(self, work: Path, base_url: str, token: str, clever_ids: list[str]) -> None:
        self.work = work
        self.base_url = base_url
        self.token = token
        self.clever_ids = clever_ids
        self.count = 0
        self.hub: Hub | None = None
        self.integrations: list[str] = []

    def _fresh(self) -> Hub:
        from hub.config import get_settings
        from hub.context import open_hub

        if self.hub is not None:
            self.hub.engine.dispose()
        self.count += 1
        path = self.work / f"db{self.count}.db"
        self.hub = open_hub(get_settings(database_url=f"sqlite:///{path}", secret_key=_KEY))
        return self.hub

    def _integration(self, hub: Hub, **where: str) -> str:
        from hub.integrations import create_integration

        return create_integration(
            hub,
            provider="clever",
            settings={"base_url": self.base_url, **where.pop("settings", {})},  # type: ignore[dict-item]
            secrets={"token": self.token},
            actor="bench",
            **where,
        ).id

    def one_school(self) -> None:
        from hub.schools import create_school

        hub = self._fresh()
        school = create_school(hub, name="Whole District School", actor="bench")
        self.integrations = [self._integration(hub, school_id=school.id)]

    def district(self) -> None:
        from hub.districts import create_district, link_school
        from hub.schools import create_school

        hub = self._fresh()
        district = create_district(hub, name="Bench District", actor="bench")
        integration = self._integration(hub, district_id=district.id)
        for number, clever_id in enumerate(self.clever_ids):
            school = create_school(
                hub, name=f"School {number}", district_id=district.id, actor="bench"
            )
            link_school(
                hub, integration, school=school, settings={"schools": clever_id}, actor="bench"
            )
        self.integrations = [integration]

    def forty(self) -> None:
        from hub.schools import create_school

        hub = self._fresh()
        self.integrations = []
        for number, clever_id in enumerate(self.clever_ids):
            school = create_school(hub, name=f"School {number}", actor="bench")
            self.integrations.append(
                self._integration(
                    hub,
                    school_id=school.id,
                    settings={"schools": clever_id},  # type: ignore[arg-type]
                )
            )

    def sync(self, label: str) -> Callable[[], None]:
        def action() -> None:
            for integration in self.integrations:
                _run(self.hub, integration, label)

        return action

    def sync_all(self) -> Callable[[], None]:
        return self.sync("forty")


def _run(hub: Hub | None, integration: str, label: str) -> Any:
    from hub import runs

    assert hub is not None
    run = runs.submit(
        hub, runs.RunRequest(integration_id=integration, actor="bench"), here=True
    ).run
    if run.status != "succeeded" or not run.counts.get("created"):
        msg = f"bench sync ({label}) ended {run.status} with {run.counts}: {run.error}"
        raise RuntimeError(msg)
    return run


def _timed(action: Callable[[], None]) -> float:
    import time

    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _peak(setup: Callable[[], None], action: Callable[[], None]) -> float:
    setup()
    tracemalloc.start()
    try:
        action()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 1e6


def _requests(work: Path, users: int, clever_ids: list[str]) -> dict[str, int]:
    """Each kind of run once against an in-process sandbox, counting its requests."""
    from hub.testing import serve
    from plugins.clever.sandbox import CleverSandbox

    sandbox = CleverSandbox(seed=0, users=users, schools=SCHOOLS)
    found: dict[str, int] = {}
    with serve(sandbox) as base_url:
        setup = _Setup(work / "counted", base_url, sandbox.token, clever_ids)
        setup.work.mkdir(exist_ok=True)
        for label, make in (
            ("one", setup.one_school),
            ("district", setup.district),
            ("forty", setup.forty),
        ):
            make()
            sandbox.requests.clear()
            setup.sync(label)()
            found[label] = len(sandbox.requests)
            # a walk's first page has no starting_after
            found[f"{label}_walks"] = sum(
                1
                for r in sandbox.requests
                if r.split("?")[0].endswith("/users") and "starting_after" not in r
            )
    return found


if __name__ == "__main__":
    import sys

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    for figure in figures(users=count):
        print(
            f"{figure.name}: {figure.seconds:.3f}; {figure.floor_name}: {figure.floor_seconds:.3f}; ratio {figure.ratio:.2f}"
        )
    print(report())
