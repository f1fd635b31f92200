"""Applying in the background: the API answers 202 with progress and the upload reaches
``applied``; a process killed mid-apply leaves nothing written, and the upload is resumed (or,
after too many attempts, failed) with all of it or none of it written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update

from hub import tokens
from hub.api import create_app
from hub.context import Hub, open_hub
from hub.models import Account, Membership, Upload
from hub.schools import create_school
from hub.uploads import background, password_work
from plugins.csv.template import build_workbook
from tests.conftest import make_settings

ROOT = Path(__file__).resolve().parents[2]


def roster(count: int, *, chosen: bool) -> bytes:
    rows = []
    for n in range(count):
        password = f"chosen-pass-{n:04d}" if chosen or n % 2 else ""
        rows.append(("Student", (f"kid{n}@example.org", f"Kid{n}", "Lee", password, "")))
    return build_workbook(tuple(rows))


def counts(hub: Hub) -> tuple[int, int]:
    with hub.session() as session:
        return (
            session.execute(select(func.count()).select_from(Account)).scalar_one(),
            session.execute(select(func.count()).select_from(Membership)).scalar_one(),
        )


def upload_row(hub: Hub, upload_id: str) -> Upload:
    with hub.session() as session:
        row = session.get(Upload, upload_id)
    assert row is not None
    return row


def wait_for(check: Callable[[], bool], *, seconds: float = 120.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.fixture
def slow_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each hash takes a few milliseconds more, so an apply of 80 rows outlasts a 0 s wait."""
    light = password_work.hash_password

    def slow(password: str) -> str:
        time.sleep(0.02)
        return light(password)

    monkeypatch.setattr(password_work, "hash_password", slow)
    monkeypatch.setattr(password_work, "hash_generated_password", slow)
    monkeypatch.setattr(background, "WAIT_SECONDS", 0.0)
    monkeypatch.setattr(background, "BEAT_SECONDS", 0.05)


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with TestClient(create_app(hub, worker=False, scheduler=False)) as test_client:
        yield test_client


def test_api_apply_answers_202_and_progresses_to_applied(
    hub: Hub, client: TestClient, slow_hashing: None
) -> None:
    school = create_school(hub, name="North High", actor="test")
    _, token = tokens.create_token(hub, role="school_admin", school_id=school.id, actor="test")
    headers = {"Authorization": f"Bearer {token}"}
    response = client.post(
        f"/api/v1/schools/{school.id}/uploads",
        headers=headers,
        files={"file": ("kids.xlsx", roster(80, chosen=False), "application/octet-stream")},
    )
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "applying"
    assert body["progress"] == {"done": body["progress"]["done"], "total": 80}
    url = f"/api/v1/uploads/{body['id']}"
    seen = []
    while True:
        # The accounts and the ``applied`` status are written in one transaction, so counting
        # first and then reading the status never sees accounts beside ``applying``.
        written = counts(hub)
        polled = client.get(url, headers=headers)
        assert polled.status_code == 200
        doc = polled.json()
        if doc["status"] != "applying":
            break
        seen.append(doc["progress"]["done"])
        assert written == (0, 0)  # nothing is written before all of it is
        time.sleep(0.02)
    assert doc["status"] == "applied", doc
    assert doc["counts"]["created"] == 80 and doc["counts"]["passwords_generated"] == 40
    assert seen and seen == sorted(seen) and any(0 < done < 80 for done in seen)
    assert counts(hub) == (80, 80)
    download = client.get(doc["credentials_url"], headers=headers)
    assert download.status_code == 200 and download.text.count("kid") == 40
    other = create_school(hub, name="South", actor="test")
    _, stranger = tokens.create_token(hub, role="school_admin", school_id=other.id, actor="test")
    assert client.get(url, headers={"Authorization": f"Bearer {stranger}"}).status_code == 404


CHILD = textwrap.dedent(
    """
    import sys, threading
    from hub.context import open_hub
    from hub.uploads import background
    background.BEAT_SECONDS = 0.05
    hub = open_hub()
    content = open(sys.argv[2], "rb").read()
    upload_id = background.start_apply(
        hub, school_id=sys.argv[1], filename="kids.xlsx", content=content, actor="ops", wait=0
    )
    print(upload_id, flush=True)
    for thread in threading.enumerate():
        if thread.name.startswith("upload:"):
            thread.join()
    """
)


def test_a_worker_killed_mid_apply_leaves_nothing_and_the_upload_resumes(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(sqlite_url)
    hub = open_hub(settings)
    school = create_school(hub, name="North High", actor="test")
    path = tmp_path / "kids.xlsx"
    path.write_bytes(roster(150, chosen=True))  # argon2id at full strength: seconds of work
    env = {
        **os.environ,
        "ROSTERHUB_DATABASE_URL": sqlite_url,
        "ROSTERHUB_SECRET_KEY": settings.secret_key.get_secret_value(),  # type: ignore[union-attr]
        "PYTHONPATH": str(ROOT),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, school.id, str(path)],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        upload_id = child.stdout.readline().strip()
        wait_for(lambda: upload_row(hub, upload_id).progress_done > 0)
        assert upload_row(hub, upload_id).progress_done < 150
    finally:
        os.kill(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    row = upload_row(hub, upload_id)
    assert row.status == "applying" and row.content is not None
    assert counts(hub) == (0, 0)  # killed while hashing: nothing written

    # Its heartbeat goes stale: the next tick (or a reader) takes it over and applies it whole.
    light = password_work.hash_password
    monkeypatch.setattr(password_work, "hash_password", light)
    assert background.resume_stale(hub, stale_after=timedelta(seconds=60)) == []  # still fresh
    taken = background.resume_stale(hub, stale_after=timedelta(0))
    assert taken == [upload_id]
    wait_for(lambda: upload_row(hub, upload_id).status != "applying")
    row = upload_row(hub, upload_id)
    assert row.status == "applied" and row.attempts == 2 and row.content is None
    assert row.counts["created"] == 150
    assert counts(hub) == (150, 150)  # everything
    hub.engine.dispose()


def test_an_upload_that_keeps_stopping_fails_with_nothing_written(
    hub: Hub, slow_hashing: None
) -> None:
    school = create_school(hub, name="North High", actor="test")
    upload_id = background.start_apply(
        hub,
        school_id=school.id,
        filename="kids.xlsx",
        content=roster(3, chosen=True),
        actor="ops",
        wait=60,
    )
    assert upload_row(hub, upload_id).status == "applied"
    # An upload left applying by a process that died for the last time it may:
    with hub.transaction() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == upload_id)  # type: ignore[arg-type]
            .values(status="applying", content=b"x", attempts=background.MAX_ATTEMPTS)
        )
    assert background.resume_stale(hub, stale_after=timedelta(0)) == [upload_id]
    row = upload_row(hub, upload_id)
    assert row.status == "failed" and row.content is None
    assert "nothing was written" in (row.error or "")
    doc = background.upload_json(row)
    assert doc["status"] == "failed" and "nothing was written" in doc["errors"][0]["message"]
