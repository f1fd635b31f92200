"""Serve an ASGI app on loopback in a background thread: how tests and ``make demo`` reach
the provider sandboxes (and the fake Slack API) over real HTTP on an ephemeral port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn


def free_port(host: str = "127.0.0.1") -> int:
    """A port nothing listens on right now: tests never depend on a fixed one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class LoopbackServer:
    """uvicorn serving ``app`` on ``host`` in a daemon thread; :attr:`url` is where it listens."""

    def __init__(self, app: Any, *, host: str = "127.0.0.1", port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        config = uvicorn.Config(
            app,
            host=self.host,
            port=self.port,
            log_level="warning",
            access_log=False,
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, name=f"loopback:{self.port}", daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> LoopbackServer:
        """Start serving and return once the server accepts connections."""
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                msg = f"sandbox on {self.url} did not start"
                raise RuntimeError(msg)
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving and wait for the thread to end."""
        self.server.should_exit = True
        self.thread.join(timeout=10)


@contextmanager
def serve(app: Any, *, host: str = "127.0.0.1") -> Iterator[str]:
    """``with serve(app) as base_url: ...``"""
    server = LoopbackServer(app, host=host).start()
    try:
        yield server.url
    finally:
        server.stop()
