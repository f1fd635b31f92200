"""The Slack app: one bolt ``App`` behind ``POST /slack/events``.

Events, interactivity (buttons) and the ``/rosterhub`` slash command all arrive at that one
URL. The router checks every request before bolt sees it (:mod:`bots.slack_requests`):
``X-Slack-Signature`` must be ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}`` with the
signing secret and ``X-Slack-Request-Timestamp`` within five minutes (else 401), the body a
Slack payload (else 400), and a request already handled (a replay, or Slack's retry) is
answered 200 and not handled again (:mod:`bots.replays`). The Web API client points at
``SLACK_API_URL``, so any server that speaks the Slack Web API (a sandbox, the tests' fake)
can stand in for Slack.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.adapter.starlette.handler import to_starlette_response
from slack_sdk import WebClient
from starlette.concurrency import run_in_threadpool

from bots import commands, handoff, replays, resync_requests, slack_requests, uploads
from bots.conversation import UploadConversation
from bots.slack_files import api_base
from hub.context import Hub
from hub.errors import ConfigError

log = logging.getLogger(__name__)

EVENTS_PATH = "/slack/events"


def build_app(hub: Hub) -> App:
    """The bolt app with every listener registered (bolt-python style ``register`` calls)."""
    settings = hub.settings
    if settings.slack_bot_token is None or settings.slack_signing_secret is None:
        msg = "Slack needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET"
        raise ConfigError(msg)
    token = settings.slack_bot_token.get_secret_value()
    client = WebClient(token=token, base_url=api_base(settings.slack_api_url))
    app = App(
        # the token travels in the client (bolt takes it from there)
        signing_secret=settings.slack_signing_secret.get_secret_value(),
        # The router verifies before bolt parses anything (and logs no bodies); see above.
        request_verification_enabled=False,
        client=client,
        # auth.test runs on the first request instead of at start-up, so the service still
        # starts (and serves its API) while Slack is unreachable.
        token_verification_enabled=False,
        # Acknowledge first, work afterwards: Slack retries anything not answered in 3 s.
        process_before_response=False,
        logger=logging.getLogger("bots.bolt"),
    )
    app.middleware(_skip_timeout_retries)
    commands.register(app, hub=hub)
    resync_requests.register(app, hub=hub, client=client)
    handoff.register(app, hub=hub, client=client)  # before the DM listener: first match runs
    uploads.register(app, hub=hub, conversation=UploadConversation(hub, surface="slack"))
    return app


def _skip_timeout_retries(request: BoltRequest, next_: Callable[[], BoltResponse]) -> BoltResponse:
    """Slack re-sends an event it thinks timed out; the first delivery is already being
    handled (we acknowledge before working), so a retry for that reason is only acknowledged."""
    headers = request.headers
    retry = headers.get("x-slack-retry-num")
    reason = (headers.get("x-slack-retry-reason") or [""])[0]
    if retry and reason == "http_timeout":
        return BoltResponse(status=200, body="")
    return next_()


def slack_routes(hub: Hub) -> APIRouter | None:
    """The Slack routes for the service's app (:data:`hub.server.SURFACES`), or None when
    Slack is not configured."""
    if not hub.settings.slack_enabled:
        return None
    return create_slack_router(hub)


def create_slack_router(hub: Hub) -> APIRouter:
    """``POST /slack/events`` for the service's app factory (mounted when Slack is set up)."""
    app = build_app(hub)
    assert hub.settings.slack_signing_secret is not None  # build_app refuses without it
    secret = hub.settings.slack_signing_secret.get_secret_value()
    router = APIRouter()

    @router.post(EVENTS_PATH, include_in_schema=False)
    async def slack_events(request: Request) -> Response:
        body = await request.body()
        refused = slack_requests.refusal(secret, request.headers, body)
        if refused is not None:
            log.info(
                "refused a Slack request with %s (%s)",
                refused,
                slack_requests.summary(request.headers, body),
            )
            return JSONResponse({"error": "invalid request"}, status_code=401)
        try:
            text, payload = slack_requests.parse(body, request.headers.get("content-type"))
        except slack_requests.BadPayload as exc:
            log.warning("a signed Slack request was malformed: %s (%d bytes)", exc, len(body))
            return JSONResponse({"error": str(exc)}, status_code=400)
        identity = slack_requests.identity(
            payload, signature=request.headers.get("x-slack-signature", "")
        )
        if identity is not None and not await run_in_threadpool(replays.claim, hub, identity):
            log.info("acknowledged a %s already handled without acting again", identity.kind)
            return Response(status_code=200)
        bolt_request = BoltRequest(
            body=text,
            query=request.query_params,  # type: ignore[arg-type]
            headers=request.headers,  # type: ignore[arg-type]
        )
        # dispatch is synchronous (and may call auth.test); keep it off the event loop.
        bolt_response = await run_in_threadpool(app.dispatch, bolt_request)
        if identity is not None and bolt_response.status >= 500:
            await run_in_threadpool(replays.release, hub, identity)
        return to_starlette_response(bolt_response)

    router.bolt_app = app  # type: ignore[attr-defined]  # for tests and diagnostics
    return router
