"""A small fake of the Slack Web API (and of Slack's file and response_url hosts), served on
loopback with :func:`hub.testing.serve`. It answers the methods the app uses the way Slack
does and records every call, so tests assert on what the app actually sent."""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_USER = "UBOT"
BOT_ID = "BBOT"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    auth: str | None
    body: bytes = b""


@dataclass
class FakeFile:
    id: str
    name: str
    content: bytes
    user: str
    channel: str
    filetype: str = ""
    size: int | None = None
    share_ts: str | None = None


@dataclass
class FakeSlack:
    token: str
    base_url: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    files: dict[str, FakeFile] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    uploaded: dict[str, dict[str, Any]] = field(default_factory=dict)
    closed_channels: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _ts: itertools.count = field(default_factory=lambda: itertools.count(1))
    _fid: itertools.count = field(default_factory=lambda: itertools.count(1))

    # -- set-up -----------------------------------------------------------------------------

    def add_user(self, user: str, email: str | None, **extra: Any) -> None:
        profile = {"email": email} if email else {}
        self.users[user] = {"id": user, "name": user.lower(), "profile": profile, **extra}

    def add_file(self, file: FakeFile) -> None:
        self.files[file.id] = file

    # -- reading what happened ---------------------------------------------------------------

    def of(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(
        self, check: Callable[[], Any], *, timeout: float = 15.0, what: str = "condition"
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            time.sleep(0.02)
        methods = [c.method for c in self.calls]
        msg = f"timed out waiting for {what}; calls so far: {methods}"
        raise AssertionError(msg)

    def posted(self, channel: str | None = None) -> list[dict[str, Any]]:
        """chat.postMessage params, optionally in one channel."""
        return [
            c.params
            for c in self.of("chat.postMessage")
            if channel is None or c.params.get("channel") == channel
        ]

    def texts(self) -> list[str]:
        """Every piece of text the app sent anywhere (messages, updates, file comments,
        response_url answers), to check nothing secret leaked."""
        out: list[str] = []
        with self._lock:
            calls = list(self.calls)
        for c in calls:
            for key in ("text", "initial_comment", "blocks"):
                if key in c.params and c.params[key] is not None:
                    value = c.params[key]
                    out.append(value if isinstance(value, str) else json.dumps(value))
        return out

    def wait_posted(self, check: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        def find() -> dict[str, Any] | None:
            return next((p for p in self.posted() if check(p)), None)

        return self.wait_for(find, what=what)

    # -- the server ------------------------------------------------------------------------

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/{method}", self._api, methods=["GET", "POST"]),
                Route("/files-pri/{file_id}/download", self._download, methods=["GET"]),
                Route("/upload/{file_id}", self._upload, methods=["POST"]),
                Route("/respond/{key}", self._respond, methods=["POST"]),
            ]
        )

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    async def _params(self, request: Request) -> dict[str, Any]:
        body = await request.body()
        params: dict[str, Any] = dict(request.query_params)
        if request.headers.get("content-type", "").startswith("application/json"):
            params.update(json.loads(body or b"{}"))
        elif body:
            params.update(dict(parse_qsl(body.decode())))
        for key in ("blocks", "files"):
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass
        return params

    async def _api(self, request: Request) -> Response:
        method = request.path_params["method"]
        params = await self._params(request)
        auth = request.headers.get("authorization")
        self._record(Call(method, params, auth))
        if auth != f"Bearer {self.token}":
            return JSONResponse({"ok": False, "error": "invalid_auth"})
        handler = getattr(self, "m_" + method.replace(".", "_"), None)
        if handler is None:
            return JSONResponse({"ok": False, "error": "unknown_method"})
        return JSONResponse(handler(params))

    def _next_ts(self) -> str:
        return f"{1700000000 + next(self._ts)}.000100"

    # Web API methods ----------------------------------------------------------------------

    def m_auth_test(self, _p: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://test.slack.com/",
            "team": "Test",
            "user": "rosterhub",
            "team_id": "T1",
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
        }

    def m_users_info(self, p: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(p.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def m_conversations_open(self, p: dict[str, Any]) -> dict[str, Any]:
        users = str(p.get("users", ""))
        return {"ok": True, "channel": {"id": "D" + users.split(",")[0]}}

    def m_chat_postMessage(self, p: dict[str, Any]) -> dict[str, Any]:
        channel = p.get("channel", "")
        if channel in self.closed_channels:
            return {"ok": False, "error": "not_in_channel"}
        ts = self._next_ts()
        message = {"ts": ts, "text": p.get("text"), "blocks": p.get("blocks")}
        if p.get("thread_ts"):
            message["thread_ts"] = p["thread_ts"]
        self.messages[(channel, ts)] = message
        return {"ok": True, "channel": channel, "ts": ts, "message": message}

    def m_chat_update(self, p: dict[str, Any]) -> dict[str, Any]:
        key = (p.get("channel", ""), p.get("ts", ""))
        if key not in self.messages:
            return {"ok": False, "error": "message_not_found"}
        self.messages[key].update({"text": p.get("text"), "blocks": p.get("blocks")})
        return {"ok": True, "channel": key[0], "ts": key[1], "text": p.get("text")}

    def m_chat_postEphemeral(self, p: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "message_ts": self._next_ts()}

    def m_files_info(self, p: dict[str, Any]) -> dict[str, Any]:
        file = self.files.get(p.get("file", ""))
        if file is None:
            return {"ok": False, "error": "file_not_found"}
        share_ts = file.share_ts or "1699999999.000100"
        return {
            "ok": True,
            "file": {
                "id": file.id,
                "name": file.name,
                "title": file.name,
                "filetype": file.filetype,
                "size": file.size if file.size is not None else len(file.content),
                "user": file.user,
                "url_private": f"{self.base_url}/files-pri/{file.id}/{file.name}",
                "url_private_download": f"{self.base_url}/files-pri/{file.id}/download",
                "shares": {"private": {file.channel: [{"ts": share_ts}]}},
            },
        }

    def m_files_getUploadURLExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        file_id = f"FUP{next(self._fid)}"
        self.uploaded[file_id] = {"filename": p.get("filename"), "length": int(p["length"])}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/{file_id}", "file_id": file_id}

    def m_files_completeUploadExternal(self, p: dict[str, Any]) -> dict[str, Any]:
        done = []
        for item in p.get("files") or []:
            entry = self.uploaded.get(item["id"])
            if entry is None or "content" not in entry:
                return {"ok": False, "error": "file_not_found"}
            entry.update(
                channel=p.get("channel_id"),
                title=item.get("title"),
                comment=p.get("initial_comment"),
                thread_ts=p.get("thread_ts"),
            )
            done.append({"id": item["id"], "title": item.get("title")})
        return {"ok": True, "files": done}

    # file hosts and response_url -----------------------------------------------------------

    async def _download(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        auth = request.headers.get("authorization")
        self._record(Call("download", {"file": file_id}, auth))
        file = self.files.get(file_id)
        if auth != f"Bearer {self.token}" or file is None:
            # what Slack does: a sign-in page, not an error status
            return Response("<html>sign in</html>", media_type="text/html")
        return Response(file.content, media_type="application/octet-stream")

    async def _upload(self, request: Request) -> Response:
        file_id = request.path_params["file_id"]
        body = await request.body()
        self._record(Call("upload", {"file": file_id}, request.headers.get("authorization"), body))
        entry = self.uploaded.get(file_id)
        if entry is None:
            return Response("unknown upload", status_code=404)
        entry["content"] = body
        return Response("OK - " + str(len(body)))

    async def _respond(self, request: Request) -> Response:
        params = await self._params(request)
        self._record(Call("respond", params, None))
        return Response("ok")

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files the app shared (completed uploads), optionally in one channel."""
        return [
            entry
            for entry in self.uploaded.values()
            if "channel" in entry and (channel is None or entry["channel"] == channel)
        ]
