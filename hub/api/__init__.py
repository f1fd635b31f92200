"""The HTTP API (FastAPI). :func:`create_app` is the only way in: it takes a hub (tests, the
``serve`` command) or opens one from the environment, and its lifespan starts and stops the
embedded worker and scheduler. Other surfaces' routes (Slack, the console) are handed to it
by the caller; the API itself imports no other surface."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from hub import __version__, limits
from hub.api import (
    accounts,
    audit,
    districts,
    health,
    integrations,
    plugins,
    rooms,
    runs,
    schools,
    template,
    tokens,
    uploads,
)
from hub.api.deps import plain_parameters
from hub.api.errors import BodyLimit, error_responses, install_handlers
from hub.console import router as console_router
from hub.context import Hub
from hub.service import Service, open_service_hub

log = logging.getLogger("hub.api")

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BODY_BYTES = limits.MAX_FILE_BYTES + 256 * 1024  # the file and its multipart framing


def api_router() -> APIRouter:
    router = APIRouter(
        prefix=API_PREFIX, responses=error_responses(401), dependencies=[Depends(plain_parameters)]
    )
    for module in (
        plugins,
        districts,
        schools,
        integrations,
        runs,
        accounts,
        uploads,
        template,
        tokens,
        audit,
        rooms,
    ):
        router.include_router(module.router)
    return router


RouterFactory = Callable[[Hub], APIRouter | None]
"""Another surface's routes, made once the hub is open (``None``: that surface is not
configured, mount nothing)."""


def _include(app: FastAPI, hub: Hub, routers: Iterable[RouterFactory]) -> None:
    for make in routers:
        name = getattr(make, "__qualname__", repr(make))
        try:
            router = make(hub)
        except Exception:  # the API must come up even when another surface cannot
            log.exception("%s could not be set up; its routes are off", name)
            continue
        if router is None:
            continue
        app.include_router(router)
        app.openapi_schema = None
        log.info("routes of %s enabled", name)


def create_app(
    hub: Hub | None = None,
    *,
    worker: bool | None = None,
    scheduler: bool | None = None,
    routers: Iterable[RouterFactory] = (),
) -> FastAPI:
    """The app. ``worker``/``scheduler`` default to on without a broker (the embedded
    default) and off with one (``rosterhub worker`` processes do that work). ``routers``
    are the other surfaces' routes, given by the caller (:mod:`hub.server`): this factory
    knows only the API."""
    routers = tuple(routers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        the_hub = hub if hub is not None else open_service_hub()
        app.state.hub = the_hub
        embedded = not the_hub.settings.broker_url
        service = Service(
            the_hub,
            worker=embedded if worker is None else worker,
            scheduler=embedded if scheduler is None else scheduler,
        )
        app.state.service = service.start()
        _include(app, the_hub, routers)
        try:
            yield
        finally:
            service.stop()
            if hub is None:
                the_hub.engine.dispose()

    app = FastAPI(
        title="rosterhub",
        version=__version__,
        description=(
            "The rostering hub. Every /api/v1 route needs `Authorization: Bearer TOKEN` "
            "(`rosterhub token create`, or district IT's `POST /api/v1/tokens`). Errors are "
            '`{"detail": ...}` with the status each route documents.'
        ),
        lifespan=lifespan,
    )
    if hub is not None:
        app.state.hub = hub
    app.include_router(health.router)
    app.include_router(api_router())
    app.include_router(console_router())
    install_handlers(app)
    app.add_middleware(
        BodyLimit,
        max_bytes=MAX_BODY_BYTES,
        upload_max_bytes=MAX_UPLOAD_BODY_BYTES,
        upload_suffix=("/uploads", "/rooms/imports"),
    )
    return app
