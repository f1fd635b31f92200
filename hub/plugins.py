"""The plugin host: builds the plugin manager and keeps the provider registry.

The manager is made by :func:`make_plugin_manager` and handed to whoever needs it (CLI, app
factory, tests); nothing is registered at import time.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import ModuleType

import pluggy

from hub import PROJECT, hookspecs
from hub.errors import ConfigError, UsageError
from hub.provider import Provider


class Registry:
    """Provider classes by name, collected from every plugin."""

    def __init__(self, pm: pluggy.PluginManager) -> None:
        self.pm = pm
        self._providers: dict[str, type[Provider]] = {}
        for batch in pm.hook.rosterhub_register_providers():
            for cls in batch or ():
                if cls.name in self._providers and self._providers[cls.name] is not cls:
                    msg = f"two plugins register the provider '{cls.name}'"
                    raise ConfigError(msg)
                self._providers[cls.name] = cls

    def names(self) -> list[str]:
        return sorted(self._providers)

    def get(self, name: str) -> type[Provider]:
        try:
            return self._providers[name]
        except KeyError:
            known = ", ".join(self.names())
            msg = f"unknown provider '{name}' (known: {known})"
            raise UsageError(msg) from None

    def __iter__(self):
        return iter(self._providers[name] for name in self.names())


def make_plugin_manager(
    *, extra: Iterable[ModuleType | object] = (), entry_points: bool = True
) -> pluggy.PluginManager:
    pm = pluggy.PluginManager(PROJECT)
    pm.add_hookspecs(hookspecs)
    if entry_points:
        pm.load_setuptools_entrypoints(PROJECT)
    for plugin in extra:
        pm.register(plugin)
    pm.check_pending()
    return pm
