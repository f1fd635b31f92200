"""Every hook rosterhub calls. Plugins implement them with ``@hub.hookimpl``.

Built-in providers (``plugins/clever`` …) are loaded exactly like a third-party one: through the
``rosterhub`` entry-point group, e.g. in the plugin's ``pyproject.toml``::

    [project.entry-points.rosterhub]
    mysis = "rosterhub_mysis"

and in ``rosterhub_mysis/__init__.py``::

    from hub import hookimpl

    @hookimpl
    def rosterhub_register_providers():
        return [MySisProvider]
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from hub import PROJECT

if TYPE_CHECKING:
    from hub.provider import Provider

hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def rosterhub_register_providers() -> list[type[Provider]]:  # type: ignore[empty-body]
    """Return provider classes (subclasses of :class:`hub.provider.Provider`).

    Called once when the plugin manager is built; every plugin's list is collected. Two
    providers with the same ``name`` are a configuration error.
    """
