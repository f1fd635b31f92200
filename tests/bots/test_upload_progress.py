"""Chat progress: one message posted, then edited ("applying 2,300 of 5,000"), at most every
few seconds, with a last edit when the rows are written; small uploads post nothing."""

from __future__ import annotations

from typing import Any

import pytest

from bots import upload_progress
from bots.upload_progress import ChatProgress, progress_text


class FakeClient:
    def __init__(self) -> None:
        self.posted: list[dict[str, Any]] = []
        self.updated: list[dict[str, Any]] = []

    def chat_postMessage(self, **kwargs: Any) -> dict[str, Any]:  # noqa: N802 - Slack's name
        self.posted.append(kwargs)
        return {"ok": True, "ts": "111.222"}

    def chat_update(self, **kwargs: Any) -> dict[str, Any]:
        self.updated.append(kwargs)
        return {"ok": True}


def test_progress_is_posted_then_edited(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter([0.0, 0.5, 3.0, 3.1])
    monkeypatch.setattr(upload_progress.time, "monotonic", lambda: next(clock))
    client = FakeClient()
    report = ChatProgress(client, channel="D1", thread="9.9")  # type: ignore[arg-type]
    report(0, 5000)
    report(1000, 5000)  # too soon after the post: skipped
    report(2300, 5000)
    report(5000, 5000)  # the end is always shown
    assert [p["text"] for p in client.posted] == ["applying 0 of 5,000"]
    assert client.posted[0]["thread_ts"] == "9.9"
    assert [u["text"] for u in client.updated] == [
        "applying 2,300 of 5,000",
        "applied 5,000 of 5,000",
    ]
    assert all(u["ts"] == "111.222" for u in client.updated)


def test_small_uploads_post_nothing() -> None:
    client = FakeClient()
    ChatProgress(client, channel="D1")(3, 10)  # type: ignore[arg-type]
    assert client.posted == [] and progress_text(2300, 5000) == "applying 2,300 of 5,000"
