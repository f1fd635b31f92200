"""Shared helpers for the service and API tests: a hub that knows the fake provider."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from hub.context import Hub
from hub.plugins import make_plugin_manager
from tests.service import fake_provider

REPO = Path(__file__).resolve().parents[2]
FAKE_PLUGIN = "tests.service.fake_provider"


def with_fake_provider(base: Hub) -> Hub:
    """The same database and settings, with the fake provider registered too."""
    return Hub(
        settings=base.settings,
        engine=base.engine,
        pm=make_plugin_manager(extra=[fake_provider]),
    )


def child_env(hub: Hub, **extra: str) -> dict[str, str]:
    """Environment for a ``serve``/``worker`` subprocess on the same database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ROSTERHUB_", "SLACK_"))}
    env["ROSTERHUB_DATABASE_URL"] = hub.settings.database_url
    assert hub.settings.secret_key is not None
    env["ROSTERHUB_SECRET_KEY"] = hub.settings.secret_key.get_secret_value()
    env["ROSTERHUB_EXTRA_PLUGINS"] = FAKE_PLUGIN
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    env.update(extra)
    return env


def wait_for(
    predicate: Callable[[], object], *, timeout: float = 20.0, every: float = 0.05
) -> object:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            msg = f"timed out after {timeout} s waiting for {predicate}"
            raise AssertionError(msg)
        time.sleep(every)
