"""The plugin kit itself: the fault injector, the sandbox protocol, the loopback server, what
``hub.testing`` exports, and that production code never needs pytest or a sandbox."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import hub.testing
from hub.roster import RosterRecord, Skip
from hub.testing import (
    BaseSandbox,
    Fault,
    FaultInjector,
    LoopbackServer,
    SandboxControls,
    drain,
    serve,
)
from plugins.classlink.sandbox import OneRosterSandbox
from plugins.clever.sandbox import CleverSandbox
from plugins.gsuite.sandbox import GoogleSandbox

ROOT = Path(__file__).resolve().parents[2]


def test_faults_come_in_order_after_the_good_requests() -> None:
    faults = FaultInjector()
    headers = {"Retry-After": "3"}
    faults.fail_next(503, times=2, headers=headers, after=1)
    headers["Retry-After"] = "changed later"
    faults.fail_next(403, reason="quotaExceeded")
    assert faults.pending == 4
    taken = [faults.take() for _ in range(5)]
    assert taken == [
        None,
        Fault(503, {"Retry-After": "3"}),
        Fault(503, {"Retry-After": "3"}),
        Fault(403, {}, "quotaExceeded"),
        None,
    ]
    faults.fail_next(500, times=10)
    faults.clear()
    assert faults.take() is None


@pytest.mark.parametrize(
    ("status", "times", "after"), [(200, 1, 0), (302, 1, 0), (500, -1, 0), (500, 1, -2)]
)
def test_a_fault_must_be_an_error(status: int, times: int, after: int) -> None:
    with pytest.raises(ValueError, match="error status"):
        FaultInjector().fail_next(status, times, after=after)


@pytest.mark.parametrize(
    "sandbox",
    [BaseSandbox(), CleverSandbox(users=5), OneRosterSandbox(people=5), GoogleSandbox()],
    ids=["base", "clever", "classlink", "gsuite"],
)
def test_every_sandbox_offers_the_controls(sandbox: object) -> None:
    assert isinstance(sandbox, SandboxControls)
    assert isinstance(sandbox, BaseSandbox)


def test_base_sandbox_controls() -> None:
    box = BaseSandbox()
    assert (box.looping, box.revoked, box.faults.take()) == (False, False, None)
    box.fail_next(429, headers={"Retry-After": "0"})
    box.loop_pages()
    box.revoke()
    assert (box.looping, box.revoked) == (True, True)
    assert box.faults.take() == Fault(429, {"Retry-After": "0"})


def _hello(request: Request) -> PlainTextResponse:
    return PlainTextResponse("hello")


def test_the_loopback_server_serves_and_stops() -> None:
    app = Starlette(routes=[Route("/", _hello)])
    with serve(app) as url:
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(url).text == "hello"
    server = LoopbackServer(app).start()
    server.stop()
    assert not server.thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)


def test_drain_refuses_what_is_not_a_roster_item() -> None:
    record = RosterRecord("1", "a@example.org", roles=frozenset({"student"}))
    records, skips, cursors = drain([record, Skip("no email", external_id="2")])
    assert (records, [s.external_id for s in skips], cursors) == ([record], ["2"], [])
    with pytest.raises(AssertionError, match="yielded dict"):
        drain([record, {"id": "3"}])  # type: ignore[list-item]


def test_the_kit_exports_what_it_documents() -> None:
    for name in hub.testing.__all__:
        assert getattr(hub.testing, name) is not None
    assert set(dir(hub.testing)) >= set(hub.testing.__all__)
    with pytest.raises(AttributeError, match="no attribute 'Nothing'"):
        hub.testing.Nothing  # noqa: B018


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_demo_and_the_loopback_server_need_no_pytest() -> None:
    """pytest is the kit's optional extra (``rosterhub[testing]``): production code that uses
    the kit must import without it, and the suite must say what to install."""
    done = _python(
        """
        import sys
        sys.modules["pytest"] = None  # as if pytest were not installed
        import hub.cli.demo
        from hub.testing import BaseSandbox, FaultInjector, LoopbackServer, serve
        try:
            from hub.testing import ConformanceTests
        except ImportError as exc:
            print("refused:", exc)
        """
    )
    assert done.returncode == 0, done.stderr
    assert "refused: hub.testing.ConformanceTests needs pytest" in done.stdout
    assert "rosterhub[testing]" in done.stdout


def test_a_sync_never_loads_a_sandbox_or_the_kit() -> None:
    """Providers, their clients and the engine import no sandbox and no test kit: those are
    for tests and ``rosterhub demo`` only."""
    done = _python(
        """
        import sys
        from hub import engine, runs, worker
        import hub.engine.apply, hub.engine.planner, hub.engine.stale
        from hub.plugins import Registry, make_plugin_manager
        import plugins.clever.client, plugins.classlink.client, plugins.gsuite.client
        registry = Registry(make_plugin_manager())
        assert {"clever", "classlink", "gsuite", "csv"} <= set(registry.names())
        loaded = [m for m in sys.modules if ".sandbox" in m or m.startswith("hub.testing")]
        print(sorted(loaded))
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
