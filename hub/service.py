"""The long-running side of the hub: ``rosterhub serve`` and ``rosterhub worker``.

Embedded default (no ``ROSTERHUB_BROKER_URL``): ``serve`` runs the HTTP API, one worker thread
on the SQLite queue file and the scheduler, all in one process. Scaled out: ``serve`` only
answers HTTP and queues runs in Redis; ``rosterhub worker`` processes (any number, any
machine) execute them, and exactly one of them is started with ``--schedule``.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

from hub.config import get_settings
from hub.context import Hub, open_hub
from hub.errors import ConfigError, HubError
from hub.plugins import default_plugin_manager
from hub.queue import RunQueue, get_queue
from hub.scheduler import Scheduler
from hub.vault import load_vault
from hub.worker import Worker

log = logging.getLogger(__name__)

STOP_TIMEOUT = 30.0


def open_service_hub(*, command: str | None = None) -> Hub:
    """The hub of a long-running process. For ``command`` (``serve``, ``worker``) it first
    makes sure integration secrets can be decrypted: a worker that cannot would take every
    run only to fail it, so it refuses to start instead, naming the setting (exit 2)."""
    settings = get_settings()
    vault = None
    if command is not None:
        try:
            vault = load_vault(settings)
        except HubError as exc:
            msg = f"rosterhub {command} cannot start: {exc}"
            raise ConfigError(msg) from None
    hub = open_hub(settings, pm=default_plugin_manager())
    if vault is not None:
        hub.vault = vault
    return hub


class Service:
    """The worker thread and the scheduler of one process, started and stopped together."""

    def __init__(
        self,
        hub: Hub,
        *,
        worker: bool,
        scheduler: bool,
        queue: RunQueue | None = None,
        tick_seconds: float | None = None,
    ) -> None:
        self.hub = hub
        self.queue = queue or get_queue(hub)
        self.worker = Worker(self.queue) if worker else None
        kwargs: dict[str, Any] = {} if tick_seconds is None else {"every": tick_seconds}
        self.scheduler = Scheduler(hub, self.queue, **kwargs) if scheduler else None

    def start(self) -> Service:
        if self.worker is not None:
            self.worker.start()
        if self.scheduler is not None:
            self.scheduler.start()
        log.info(
            "service started: queue=%s worker=%s scheduler=%s",
            "redis" if self.queue.redis else "sqlite",
            self.worker is not None,
            self.scheduler is not None,
        )
        return self

    def stop(self, *, timeout: float = STOP_TIMEOUT) -> bool:
        """Stop taking runs; wait up to ``timeout`` s for the one in hand."""
        if self.scheduler is not None:
            self.scheduler.stop()
        done = True
        if self.worker is not None:
            done = self.worker.stop(timeout=timeout)
        return done

    def health(self) -> dict[str, Any]:
        report: dict[str, Any] = {"queue": "redis" if self.queue.redis else "sqlite"}
        if self.worker is None:
            report["worker"] = "external"
        else:
            report["worker"] = "running" if self.worker.alive else "stopped"
            report["current_run"] = self.worker.current
        if self.scheduler is None:
            report["scheduler"] = "external"
        else:
            report["scheduler"] = "running" if self.scheduler.alive else "stopped"
        try:
            report["queued_messages"] = self.queue.pending()
        except Exception:  # noqa: BLE001 - a broker outage is what the report is for
            report["queued_messages"] = None
            report["queue_error"] = "the queue cannot be reached"
        if report.get("worker") == "stopped" or report.get("scheduler") == "stopped":
            report["status"] = "degraded"
        if "queue_error" in report:
            report["status"] = "degraded"
        return report


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
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    for handler in config["handlers"].values():
        handler["stream"] = "ext://sys.stderr"
    return config


def serve_main(
    host: str = "127.0.0.1", port: int = 8000, *, ready: Callable[[], None] | None = None
) -> None:
    """``rosterhub serve``: the API, Slack routes, and (embedded) worker and scheduler."""
    import uvicorn

    from hub.api import create_app

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
        app = create_app(hub)
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
