"""Hostile spreadsheets against the real processes: every crafted file is sent to a running
``rosterhub serve`` over HTTP and to ``rosterhub import``; each is refused by name, the server
keeps answering, its memory comes back down, and no account is written."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlmodel import func, select

from hub import limits, tokens
from hub.cli.accounts import read_upload
from hub.context import Hub, open_hub
from hub.models import Account, Membership, Upload
from hub.schools import create_school
from hub.testing import free_port
from tests.conftest import make_settings
from tests.plugins.csv.files import HEADER, xlsx
from tests.plugins.csv.hostile import HOSTILE, hostile_files
from tests.service.helpers import child_env, wait_for

ROSTERHUB = str(Path(sys.executable).with_name("rosterhub"))
# What a large upload may leave behind in the server (allocator caches, warmed-up pools). The
# original reader kept 290 MB after one far cell and 646 MB after a million-row sheet.
RSS_SLACK_MB = 64


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    msg = "no VmRSS"
    raise AssertionError(msg)


def _count(hub: Hub, table: type) -> int:
    with hub.session() as session:
        return int(session.exec(select(func.count()).select_from(table)).one())


def good_workbook(rows: int) -> bytes:
    people = [[f"p{n}@lincoln.example.org", f"First{n}", f"Last{n}", "", ""] for n in range(rows)]
    return xlsx({"Student": [HEADER, *people]})


@dataclass
class Served:
    hub: Hub
    school_id: str
    token: str
    base: str
    proc: subprocess.Popen[bytes]
    log: Path

    def upload(self, name: str, content: bytes, *, dry_run: bool = False) -> httpx.Response:
        return httpx.post(
            f"{self.base}/api/v1/schools/{self.school_id}/uploads",
            params={"dry_run": str(dry_run).lower()},
            headers={"Authorization": f"Bearer {self.token}"},
            files={"file": (name, content, "application/octet-stream")},
            timeout=120,
        )

    def healthy(self) -> bool:
        assert self.proc.poll() is None, f"the server died: {self.log.read_text()[-3000:]}"
        return httpx.get(f"{self.base}/healthz", timeout=10).status_code == 200


@pytest.fixture
def served(sqlite_url: str, tmp_path: Path) -> Iterator[Served]:
    hub = open_hub(make_settings(sqlite_url))
    school = create_school(hub, name="Lincoln High", actor="test")
    token = tokens.create_token(hub, role="district_it", actor="test")[1]
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [ROSTERHUB, "serve", "--port", str(port)],
            env=child_env(hub),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = Served(hub, school.id, token, f"http://127.0.0.1:{port}", proc, log)

    def up() -> bool:
        try:
            return server.healthy()
        except httpx.HTTPError:
            return False

    try:
        wait_for(up, timeout=60)
        yield server
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        hub.engine.dispose()


@pytest.mark.timeout(300)
def test_hostile_files_over_http_are_refused_and_the_server_stays_small(served: Served) -> None:
    # Warm up: the first upload loads the reader and starts the parse forkserver.
    warm = served.upload("warm.xlsx", good_workbook(10), dry_run=True)
    assert warm.status_code == 200, warm.text
    before = _rss_mb(served.proc.pid)
    accounts = (_count(served.hub, Account), _count(served.hub, Membership))

    for name, content, phrase in hostile_files():
        response = served.upload(name, content)
        assert response.status_code == 422, (name, response.text)
        body = response.json()
        assert body["status"] == "rejected"
        [error] = body["errors"]
        assert (error["sheet"], error["row"]) == (name, 0)
        assert phrase in error["message"], (name, error)
        assert served.healthy(), name

    # A large real roster, read and counted (a dry run), then let go.
    large = served.upload("district.xlsx", good_workbook(60_000), dry_run=True)
    assert large.status_code == 200, large.text
    assert large.json()["counts"]["created"] == 60_000
    assert served.healthy()

    after = _rss_mb(served.proc.pid)
    assert after - before < RSS_SLACK_MB, f"RSS {before:.0f} MB -> {after:.0f} MB"
    assert (_count(served.hub, Account), _count(served.hub, Membership)) == accounts
    with served.hub.session() as session:
        statuses = [u.status for u in session.exec(select(Upload)).all()]
    assert sorted(set(statuses)) == ["dry_run", "rejected"]
    assert statuses.count("rejected") == len(HOSTILE)


@pytest.mark.timeout(300)
def test_hostile_files_through_rosterhub_import_exit_4_with_the_reason(
    sqlite_url: str, tmp_path: Path
) -> None:
    hub = open_hub(make_settings(sqlite_url))
    create_school(hub, name="Lincoln High", actor="test")
    env = child_env(hub)
    try:
        for name, content, phrase in hostile_files():
            path = tmp_path / name
            path.write_bytes(content)
            done = subprocess.run(
                [ROSTERHUB, "import", str(path), "--school", "Lincoln High", "--json"],
                env=env,
                capture_output=True,
                timeout=120,
                cwd=tmp_path,
            )
            assert done.returncode == 4, (name, done.returncode, done.stderr[-2000:])
            result = json.loads(done.stdout)
            assert result["status"] == "rejected"
            [error] = result["errors"]
            assert error["sheet"] == name and phrase in error["message"], (name, error)
            assert b"upload rejected" in done.stderr
        assert (_count(hub, Account), _count(hub, Membership)) == (0, 0)
    finally:
        hub.engine.dispose()


def test_rosterhub_import_reads_no_more_than_one_byte_past_the_size_limit(
    tmp_path: Path,
) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as sparse:
        sparse.truncate(5 * limits.MAX_FILE_BYTES)
    assert len(read_upload(path)) == limits.MAX_FILE_BYTES + 1
