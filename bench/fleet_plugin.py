"""The synthetic district provider as a plugin module, for worker processes
(``ROSTERHUB_EXTRA_PLUGINS=bench.fleet_plugin``)."""

from __future__ import annotations

from bench.district import DistrictProvider
from hub import hookimpl
from hub.provider import Provider


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [DistrictProvider]
