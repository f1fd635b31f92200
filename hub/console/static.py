"""The console's own static files (its stylesheet, script and icon), and the console's 404.

Served from the package by name, from a fixed list: nothing else on disk is reachable.
"""

from __future__ import annotations

import hashlib
from functools import cache

from fastapi import APIRouter, HTTPException, Request, Response

from hub.console.web import HERE, ConsoleRoute

router = APIRouter(route_class=ConsoleRoute)
fallback = APIRouter(route_class=ConsoleRoute)

FILES = {
    "console.css": "text/css; charset=utf-8",
    "console.js": "text/javascript; charset=utf-8",
    "chat.js": "text/javascript; charset=utf-8",
    "rooms.js": "text/javascript; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}


@cache
def _read(name: str) -> tuple[bytes, str]:
    data = (HERE / "static" / name).read_bytes()
    return data, hashlib.sha256(data).hexdigest()[:16]


@router.get("/static/{name}")
def static_file(name: str, request: Request) -> Response:
    kind = FILES.get(name)
    if kind is None:
        raise HTTPException(404, detail="There is no such file.")
    data, etag = _read(name)
    headers = {"ETag": f'"{etag}"', "Cache-Control": "public, max-age=3600"}
    if request.headers.get("if-none-match") == f'"{etag}"':
        return Response(status_code=304, headers=headers)
    return Response(data, media_type=kind, headers=headers)


@fallback.get("/{rest:path}")
def not_found(rest: str) -> Response:
    del rest
    raise HTTPException(404, detail="There is no page at this address.")
