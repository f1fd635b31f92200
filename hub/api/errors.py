"""How errors leave the API: JSON ``{"detail": ...}``, the right status, nothing secret.

- Validation errors keep what was wrong and where, but drop the submitted value, so a
  malformed ``secrets`` object is never echoed back.
- Hub errors carry messages written to be shown (they never contain secrets). A usage or
  configuration error that reaches this handler is input the hub understood but cannot act
  on (a route resolves the ids in its path itself, as 404): 422, like a validation error.
- They are scrubbed of anything shaped like a
  credential all the same (:mod:`hub.scrub`), as a provider's words may be part of them.
- Anything unexpected is logged here and answered with a bare 500.

Routes document what they can answer with :func:`error_responses`, so the OpenAPI schema
lists every error status with the ``{"detail": ...}`` model.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hub.access import NotAllowed, NotVisible
from hub.errors import Conflict, HubError, ProviderError, Unavailable, UsageError
from hub.scrub import scrub

log = logging.getLogger("hub.api")


class ValidationIssue(BaseModel):
    """One thing wrong with a request: where (``loc``) and what; never the submitted value."""

    type: str
    loc: list[str | int]
    msg: str


class ErrorOut(BaseModel):
    """Every error answer: a one-line reason, or for 422 validation errors the issues found."""

    detail: str | list[ValidationIssue] = Field(
        description="Why the request was refused; never echoes a submitted secret."
    )


ERROR_DESCRIPTIONS: dict[int, str] = {
    401: "No bearer token, or one that is invalid or revoked",
    403: "This token's role may not do this",
    404: "No such id, or one in a school this token cannot see (the two look the same)",
    409: "Conflicts with the current state (the message says which)",
    413: "The request body is over the size limit",
    422: "The request is invalid, or the hub cannot act on it (the detail says why)",
    502: "The provider failed or refused (the detail says how)",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a route: each error status it can answer, with the error model."""
    return {code: {"model": ErrorOut, "description": ERROR_DESCRIPTIONS[code]} for code in codes}


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
    elif isinstance(exc, Conflict):
        code = status.HTTP_409_CONFLICT
    elif isinstance(exc, UsageError):  # ConfigError too; routes answer 404 for their own ids
        code = status.HTTP_422_UNPROCESSABLE_CONTENT
    elif isinstance(exc, ProviderError):
        code = status.HTTP_502_BAD_GATEWAY
    elif isinstance(exc, Unavailable):
        code = status.HTTP_503_SERVICE_UNAVAILABLE
        log.warning("request refused: %s", exc)
    else:
        code = status.HTTP_500_INTERNAL_SERVER_ERROR
    detail = scrub(str(exc))
    if code == status.HTTP_500_INTERNAL_SERVER_ERROR:
        log.error("request failed: %s", detail)
    return JSONResponse({"detail": detail}, status_code=code)


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
        self,
        app: ASGIApp,
        *,
        max_bytes: int,
        upload_max_bytes: int,
        upload_suffix: str | tuple[str, ...],
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
