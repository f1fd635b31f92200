"""Acme SIS: a district's own student information system, as a third party would ship it.

The tests install this directory as the distribution ``acme-sis`` 1.0 (a package plus a
dist-info naming it in the ``rosterhub`` entry-point group) and import it only as
``acme_sis``. It uses nothing of rosterhub but the public plugin API: ``hub.hookimpl``,
:mod:`hub.provider`, :mod:`hub.roster`, :mod:`hub.errors`, :mod:`hub.http` and, for its
sandbox and tests, :mod:`hub.testing`.
"""

from __future__ import annotations

from hub import hookimpl
from hub.provider import Provider

from .provider import AcmeProvider

__all__ = ["AcmeProvider", "rosterhub_register_providers"]


@hookimpl
def rosterhub_register_providers() -> list[type[Provider]]:
    return [AcmeProvider]
