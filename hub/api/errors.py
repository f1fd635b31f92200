"""How errors leave the API: JSON ``{"detail": ...}``, the right status, nothing secret.

- Validation errors keep what was wrong and where, but drop the submitted value, so a
  malformed ``secrets`` object is never echoed back.
- Hub errors carry messages written to be shown (they never contain secrets).
- Anything unexpected is logged here and answered with a bare 500.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.access import NotAllowed, NotVisible
from hub.errors import ConfigError, HubError, ProviderError, UsageError

log = logging.getLogger("hub.api")


def _clean(error: dict[str, Any]) -> dict[str, Any]:
    kept = {key: error[key] for key in ("type", "loc", "msg") if key in error}
    return jsonable_encoder(kept)


async def validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse(
        {"detail": [_clean(dict(e)) for e in exc.errors()]},
        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
    )


async def hub_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HubError)
    if isinstance(exc, NotVisible):
        code = status.HTTP_404_NOT_FOUND
    elif isinstance(exc, NotAllowed):
        code = status.HTTP_403_FORBIDDEN
    elif isinstance(exc, ConfigError):
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    elif isinstance(exc, UsageError):
        # Routes resolve the ids in their path themselves (404); what is left is bad input.
        code = status.HTTP_400_BAD_REQUEST
    elif isinstance(exc, ProviderError):
        code = status.HTTP_502_BAD_GATEWAY
    else:
        code = status.HTTP_500_INTERNAL_SERVER_ERROR
        log.error("request failed: %s", exc)
    return JSONResponse({"detail": str(exc)}, status_code=code)


def install_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(HubError, hub_error)
    app.add_middleware(CatchAll)


class CatchAll:
    """Turns an unexpected exception into a JSON 500 (logged with its traceback here, never
    sent to the client). Sits inside Starlette's error middleware, so it answers first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            response = JSONResponse(
                {"detail": "internal error; the hub's log has the details"},
                status_code=status.HTTP_500_INTERNAL_SERVER_ERROR,
            )
            await response(scope, receive, send)


class BodyLimit:
    """Refuses request bodies over a limit (413) before they are parsed or spooled.

    Checks ``Content-Length`` up front and counts the bytes of a streamed body as they
    arrive; ``upload_paths`` (a path suffix) get the larger upload limit.
    """

    def __init__(
        self, app: ASGIApp, *, max_bytes: int, upload_max_bytes: int, upload_suffix: str
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.upload_max_bytes = upload_max_bytes
        self.upload_suffix = upload_suffix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.upload_max_bytes if path.endswith(self.upload_suffix) else self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared < 0 or declared > limit:
                    await _too_large(limit, scope, receive, send)
                    return
        seen = 0
        over = False
        started = False

        async def counting_receive() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    over = True
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if over:
                return  # the answer is the 413 below, not whatever the app made of it
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _too_large(limit, scope, receive, send)


async def _too_large(limit: int, scope: Scope, receive: Receive, send: Send) -> None:
    mb = limit / 1_048_576
    response = JSONResponse(
        {"detail": f"the request body is over the {mb:.0f} MB limit"},
        status_code=status.HTTP_413_CONTENT_TOO_LARGE,
    )
    await response(scope, receive, send)
