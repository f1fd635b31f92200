"""``rosterhub serve``, ``rosterhub worker`` and ``rosterhub demo``.

``serve`` and ``worker`` are thin: the processes live in :mod:`hub.server` (imported only when
the command runs, so the rest of the command line starts fast and works without it).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Annotated, Any

import typer

from hub.cli.app import app
from hub.cli.output import FAILED, JsonFlag, emit, note
from hub.cli.runtime import cli_hub
from hub.errors import HubError


def _entry_point(name: str) -> Callable[..., Any]:
    try:
        service = importlib.import_module("hub.server")
    except ImportError as exc:
        msg = f"the service is not available in this installation (hub.server: {exc})"
        raise HubError(msg) from None
    function = getattr(service, name, None)
    if function is None:
        msg = f"the service is not available in this installation (no hub.server.{name})"
        raise HubError(msg)
    return function


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="Port.")] = 8000,
    json_mode: JsonFlag = False,
) -> None:
    """Run the HTTP API and Slack routes with the embedded worker and scheduler."""
    serve_main = _entry_point("serve_main")
    serve_main(
        host=host,
        port=port,
        ready=lambda: note(f"rosterhub serving on http://{host}:{port} (Ctrl-C stops)"),
    )
    emit(
        {"stopped": True, "url": f"http://{host}:{port}"},
        json_mode=json_mode,
        human=lambda console: None,
    )


@app.command("worker")
def worker(
    schedule: Annotated[
        bool, typer.Option("--schedule", help="Also run the nightly schedule (in one worker).")
    ] = False,
    json_mode: JsonFlag = False,
) -> None:
    """Consume the run queue (ROSTERHUB_BROKER_URL); one worker runs the schedule."""
    worker_main = _entry_point("worker_main")
    started = "rosterhub worker started" + (" with the schedule" if schedule else "")
    worker_main(schedule=schedule, ready=lambda: note(f"{started} (Ctrl-C stops)"))
    emit({"stopped": True}, json_mode=json_mode, human=lambda console: None)


@app.command("demo")
def demo(json_mode: JsonFlag = False) -> None:
    """Sync a demo school from each provider sandbox and import the sample spreadsheet."""
    from hub.cli.demo import render_report, run_demo  # the demo's kit loads only for it

    with cli_hub() as hub:
        report = run_demo(hub, log=note)
    emit(report, json_mode=json_mode, human=lambda console: render_report(console, report))
    if not report["ok"]:
        raise typer.Exit(FAILED)
