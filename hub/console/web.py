"""What every console page shares: the templates, the security headers, and how errors become
pages instead of JSON.

Every console route is a :class:`ConsoleRoute`: whatever the handler returns or raises, the
answer carries the Content-Security-Policy (scripts and styles only from the console's own
static files, so no inline script can run even if text slipped through escaping), is never
cached, and an error is a page in the console's own layout with a status to match.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape

from hub.access import NotAllowed, NotVisible
from hub.console.base import NeedsSignIn, hub_of
from hub.console.session import page_context
from hub.context import Hub
from hub.errors import HubError, UsageError
from hub.models import iso

log = logging.getLogger("hub.console")

HERE = Path(__file__).resolve().parent
PREFIX = "/console"

environment = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # the templates are the package's files: no stat() of each per request
)


def _when(value: Any) -> str:
    """A timestamp as people read it (UTC, to the minute); the exact ISO value goes in a
    ``<time datetime=...>`` beside it."""
    text = iso(value) if value is not None and not isinstance(value, str) else value
    if not text:
        return "—"
    return str(text).replace("T", " ")[:16] + " UTC"


@pass_context
def _link(context: Any, path: str, **params: Any) -> str:
    """A console URL that keeps the school being looked at (``school=None`` drops it)."""
    school = context.get("school")
    if "school" not in params and school is not None:
        params["school"] = school.id
    return console_path(path, **params)


ROLE_LABELS = {"district_it": "District IT", "support": "Support", "school_admin": "School admin"}

environment.globals["link"] = _link
environment.globals["role_label"] = lambda role: ROLE_LABELS.get(role, role)
environment.filters["when"] = _when
environment.filters["iso"] = lambda value: iso(value) if value is not None else ""


def page(
    request: Request, template: str, context: dict[str, Any] | None = None, *, status: int = 200
) -> HTMLResponse:
    """A template rendered with what every page needs (the visitor, the current school)."""
    values = page_context(request)
    values.update(context or {})
    html = environment.get_template(template).render(values)
    return HTMLResponse(html, status_code=status)


def redirect(url: str) -> RedirectResponse:
    """After a POST: 303, so the browser GETs the next page."""
    return RedirectResponse(url, status_code=303)


def console_path(path: str, **query: Any) -> str:
    """A console URL with the query parameters that are set."""
    from urllib.parse import urlencode

    params = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{PREFIX}{path}" + (f"?{urlencode(params)}" if params else "")


def content_security_policy(hub: Hub) -> str:
    """Scripts, styles and images from the console only; forms may post here and leave for
    Google's consent page (the Set up Google Workspace button), nowhere else."""
    auth = urlsplit(hub.settings.google_auth_uri)
    google = f" {auth.scheme}://{auth.netloc}" if auth.scheme and auth.netloc else ""
    return (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        f"connect-src 'self'; form-action 'self'{google}; frame-ancestors 'none'; "
        "base-uri 'none'"
    )


def secure(response: Response, hub: Hub) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = content_security_policy(hub)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["X-Frame-Options"] = "DENY"
    headers["Referrer-Policy"] = "same-origin"
    headers.setdefault("Cache-Control", "no-store")
    return response


def error_page(request: Request, status: int, title: str, message: str) -> HTMLResponse:
    try:
        return page(request, "error.html", {"title": title, "message": message}, status=status)
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("the error page could not be rendered")
        return HTMLResponse(f"<h1>{status}</h1>", status_code=status)


_TITLES = {
    400: "That did not work",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Try again in a moment",
    413: "That file is too large",
}


class ConsoleRoute(APIRoute):
    """An APIRoute whose answers are always secured pages (see the module docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def console_handler(request: Request) -> Response:
            try:
                response = await handler(request)
            except NeedsSignIn:
                target = request.url.path
                if request.url.query:
                    target += f"?{request.url.query}"
                if request.method != "GET":
                    target = PREFIX
                response = redirect(console_path("/sign-in", next=target))
            except HTTPException as exc:
                response = error_page(
                    request,
                    exc.status_code,
                    _TITLES.get(exc.status_code, "Something went wrong"),
                    str(exc.detail),
                )
            except NotVisible:
                response = error_page(
                    request,
                    404,
                    "Not found",
                    "There is nothing here, or it belongs to a school you do not manage.",
                )
            except NotAllowed:
                response = error_page(request, 403, "Not allowed", "Your role cannot do this here.")
            except RequestValidationError:
                response = error_page(
                    request, 400, "That did not work", "The request was not complete."
                )
            except UsageError as exc:
                response = error_page(request, 400, "That did not work", str(exc))
            except HubError as exc:
                response = error_page(request, 502, "Something went wrong", str(exc))
            except Exception:
                log.exception(
                    "console: unexpected error on %s %s", request.method, request.url.path
                )
                response = error_page(
                    request,
                    500,
                    "Something went wrong",
                    "An unexpected error happened; the hub's log has the details.",
                )
            return secure(response, hub_of(request))

        return console_handler
