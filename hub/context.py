"""The hub's context: settings, database engine, provider registry and vault, built once by
an entry point (CLI, app factory, worker, tests) and passed down explicitly."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import pluggy
from sqlalchemy import Engine
from sqlmodel import Session

from hub.config import Settings, get_settings
from hub.db import open_engine, session_scope
from hub.plugins import Registry, make_plugin_manager
from hub.vault import Vault, load_vault


@dataclass
class Hub:
    settings: Settings
    engine: Engine
    pm: pluggy.PluginManager
    registry: Registry = field(init=False)

    def __post_init__(self) -> None:
        self.registry = Registry(self.pm)

    @cached_property
    def vault(self) -> Vault:
        return load_vault(self.settings)

    def session(self) -> Session:
        """A plain session (caller commits)."""
        return Session(self.engine, expire_on_commit=False)

    def transaction(self):
        """``with hub.transaction() as session:`` commits on success, rolls back on error."""
        return session_scope(self.engine)


def open_hub(settings: Settings | None = None, *, pm: pluggy.PluginManager | None = None) -> Hub:
    settings = settings or get_settings()
    return Hub(
        settings=settings,
        engine=open_engine(settings.database_url),
        pm=pm or make_plugin_manager(),
    )
