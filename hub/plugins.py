"""The plugin host: builds the plugin manager and keeps the provider registry.

The manager is made by :func:`make_plugin_manager` and handed to whoever needs it (CLI, app
factory, tests); nothing is registered at import time.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Iterable
from types import ModuleType

import pluggy

from hub import PROJECT, hookspecs
from hub.errors import ConfigError, UsageError
from hub.formats import UploadFormat
from hub.provider import Provider

UPLOAD_FORMAT = "spreadsheet"


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
        self._formats: dict[str, UploadFormat] | None = None

    def upload_format(self, name: str = UPLOAD_FORMAT) -> UploadFormat:
        """The registered upload format ``name`` (collected from the plugins on first use)."""
        if self._formats is None:
            formats: dict[str, UploadFormat] = {}
            for batch in self.pm.hook.rosterhub_register_upload_formats():
                for found in batch or ():
                    if found.name in formats and formats[found.name] is not found:
                        msg = f"two plugins register the upload format '{found.name}'"
                        raise ConfigError(msg)
                    formats[found.name] = found
            self._formats = formats
        try:
            return self._formats[name]
        except KeyError:
            msg = f"no plugin reads {name} uploads (is the spreadsheet plugin installed?)"
            raise ConfigError(msg) from None

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


EXTRA_PLUGINS_ENV = "ROSTERHUB_EXTRA_PLUGINS"


def extra_plugin_modules() -> list[ModuleType]:
    """Plugin modules named in ``ROSTERHUB_EXTRA_PLUGINS`` (comma-separated import paths):
    providers that are not installed as a distribution (a district's own, a test's)."""
    modules = []
    for name in os.environ.get(EXTRA_PLUGINS_ENV, "").split(","):
        name = name.strip()
        if not name:
            continue
        try:
            modules.append(importlib.import_module(name))
        except ImportError as exc:
            msg = f"{EXTRA_PLUGINS_ENV}: cannot import '{name}' ({exc})"
            raise ConfigError(msg) from None
    return modules


def default_plugin_manager() -> pluggy.PluginManager:
    """Installed providers plus any named in ``ROSTERHUB_EXTRA_PLUGINS``: what the CLI,
    ``serve`` and ``worker`` all see."""
    return make_plugin_manager(extra=extra_plugin_modules())
