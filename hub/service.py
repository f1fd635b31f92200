"""The long-running side of the hub: the worker thread and the scheduler of one process.

Embedded default (no ``ROSTERHUB_BROKER_URL``): ``serve`` runs the HTTP API, one worker thread
on the SQLite queue file and the scheduler, all in one process. Scaled out: ``serve`` only
answers HTTP and queues runs in Redis; ``rosterhub worker`` processes (any number, any
machine) execute them, and exactly one of them is started with ``--schedule``. The processes
themselves are started by :mod:`hub.server`.
"""

from __future__ import annotations

import logging
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
"""Seconds a stopping service waits for the run in hand."""


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
