"""The HTTP API (FastAPI). :func:`create_app` is the only way in: it takes a hub (tests, the
``serve`` command) or opens one from the environment, and its lifespan starts and stops the
embedded worker and scheduler."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, Depends, FastAPI

from hub import __version__, limits
from hub.api import (
    accounts,
    health,
    integrations,
    plugins,
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

log = logging.getLogger("hub.api")

API_PREFIX = "/api/v1"
MAX_BODY_BYTES = 1024 * 1024
MAX_UPLOAD_BODY_BYTES = limits.MAX_FILE_BYTES + 256 * 1024  # the file and its multipart framing


def api_router() -> APIRouter:
    router = APIRouter(
        prefix=API_PREFIX, responses=error_responses(401), dependencies=[Depends(plain_parameters)]
    )
    for module in (plugins, schools, integrations, runs, accounts, uploads, template, tokens):
        router.include_router(module.router)
    return router


def _include_slack(app: FastAPI, hub: Hub) -> None:
    try:
        from bots.slack import create_slack_router
    except ImportError:
        log.warning("Slack is configured but the Slack app is not installed; Slack routes are off")
        return
    try:
        router = create_slack_router(hub)
    except Exception:  # the API must come up even when the Slack app cannot
        log.exception("the Slack app could not be set up; Slack routes are off")
        return
    app.include_router(router)
    app.openapi_schema = None
    log.info("Slack routes enabled at /slack/events")


def create_app(
    hub: Hub | None = None, *, worker: bool | None = None, scheduler: bool | None = None
) -> FastAPI:
    """The app. ``worker``/``scheduler`` default to on without a broker (the embedded
    default) and off with one (``rosterhub worker`` processes do that work)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from hub.service import Service, open_service_hub

        the_hub = hub if hub is not None else open_service_hub()
        app.state.hub = the_hub
        embedded = not the_hub.settings.broker_url
        service = Service(
            the_hub,
            worker=embedded if worker is None else worker,
            scheduler=embedded if scheduler is None else scheduler,
        )
        app.state.service = service.start()
        if the_hub.settings.slack_enabled:
            _include_slack(app, the_hub)
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
        upload_suffix="/uploads",
    )
    return app
