"""The web console: where district IT, support and school admins work, served by
``rosterhub serve`` under ``/console``.

Server-rendered pages (Jinja2 templates, one stylesheet and one small script of its own,
served from :mod:`hub.console.static`), one module per page. The app factory includes
:func:`router`; everything else is reached from it. Who may see and do what is
:mod:`hub.access`'s rule, the same as the HTTP API's.
"""

from __future__ import annotations

from fastapi import APIRouter


def router() -> APIRouter:
    """Every console route, for the app factory."""
    from hub.console import (
        accounts,
        bulk,
        chat,
        connect,
        conversations,
        districts,
        explain,
        google,
        home,
        integrations,
        requests,
        rooms,
        runs,
        signin,
        static,
        syncing,
    )
    from hub.console.web import PREFIX, ConsoleRoute

    console = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
    for module in (
        static,
        signin,
        home,
        explain,
        accounts,
        bulk,
        chat,
        conversations,
        connect,
        integrations,
        syncing,
        districts,
        google,
        runs,
        requests,
        rooms,
    ):
        console.include_router(module.router, prefix=PREFIX)
    console.include_router(static.fallback, prefix=PREFIX)
    return console
