"""The processes: ``rosterhub serve`` and ``rosterhub worker``, and the app ``serve`` runs.

The entry point that puts the surfaces together: the HTTP API's app factory
(:func:`hub.api.create_app`) knows only the API and takes every other surface's routes from
here (:data:`SURFACES`: the Slack app when Slack is configured; the web console joins it the
same way). Nothing imports this module but the command line (which loads it only when a
service command runs, so the rest of the CLI starts fast).
"""

from __future__ import annotations

import copy
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG

from bots.slack import slack_routes
from bots.window import window_surface
from hub.api import RouterFactory, create_app
from hub.context import Hub
from hub.errors import HubError
from hub.service import STOP_TIMEOUT, Service, open_service_hub

log = logging.getLogger(__name__)

SURFACES: tuple[RouterFactory, ...] = (window_surface, slack_routes)
"""Every surface besides the API, each mounted when it is configured (it answers None
otherwise; the console chat window's assistant has no routes of its own)."""


def build_app(
    hub: Hub | None = None, *, worker: bool | None = None, scheduler: bool | None = None
) -> FastAPI:
    """The app ``rosterhub serve`` runs: the API and every configured surface."""
    return create_app(hub, worker=worker, scheduler=scheduler, routers=SURFACES)


def _configure_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(
            level=logging.INFO,
            stream=sys.stderr,
            format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        )


def _log_config() -> dict[str, Any]:
    """uvicorn's logging with the access log on stderr too: stdout is reserved for the
    command's own output (``--json``)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    return config


def serve_main(
    host: str = "127.0.0.1", port: int = 8000, *, ready: Callable[[], None] | None = None
) -> None:
    """``rosterhub serve``: the API, the surfaces that are configured, and (embedded) the
    worker and the scheduler."""

    class Server(uvicorn.Server):
        """Returns normally after a SIGTERM/SIGINT shutdown (uvicorn would re-raise the
        signal), so ``rosterhub serve`` ends with its own exit status."""

        def handle_exit(self, sig: int, frame: FrameType | None) -> None:
            super().handle_exit(sig, frame)
            captured = getattr(self, "_captured_signals", None)
            if isinstance(captured, list):
                captured.clear()

    _configure_logging()
    hub = open_service_hub(command="serve")
    if ready is not None:
        ready()
    try:
        app = build_app(hub)
        config = uvicorn.Config(
            app, host=host, port=port, log_level="info", lifespan="on", log_config=_log_config()
        )
        server = Server(config)
        server.run()
        if not server.started:
            msg = f"could not serve on {host}:{port} (is the port in use?)"
            raise HubError(msg)
    finally:
        hub.engine.dispose()


def worker_main(schedule: bool = False, *, ready: Callable[[], None] | None = None) -> None:
    """``rosterhub worker [--schedule]``: consume the queue until SIGTERM/SIGINT."""
    _configure_logging()
    hub = open_service_hub(command="worker")
    if ready is not None:
        ready()
    if not hub.settings.broker_url:
        log.warning(
            "ROSTERHUB_BROKER_URL is not set: this worker consumes the local queue file; "
            "do not also run 'rosterhub serve' on this database"
        )
    stop = threading.Event()
    previous: dict[int, Any] = {}

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if stop.is_set():  # a second signal: stop now
            signal.signal(signum, previous.get(signum, signal.SIG_DFL))
            os.kill(os.getpid(), signum)
            return
        log.info("signal %d: finishing the current run, taking no new ones", signum)
        stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        previous[signum] = signal.signal(signum, on_signal)
    service = Service(hub, worker=True, scheduler=schedule).start()
    try:
        while not stop.wait(1.0):
            if service.worker is not None and not service.worker.alive:
                log.error("the worker thread stopped unexpectedly")
                break
    finally:
        service.stop(timeout=STOP_TIMEOUT)
        hub.engine.dispose()
