"""The parse child: whatever a reader does in it (runs out of memory, aborts, crashes, hangs,
prints), the parent gets a result or a clean failure, and the child is gone afterwards."""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from hub import limits
from plugins.csv import confined, reader, sniff
from plugins.csv.reader import UnreadableFile
from plugins.csv.validate import validate_file
from tests.plugins.csv import hostile
from tests.plugins.csv.files import HEADER, xlsx

MB = 1024 * 1024
REPO = Path(__file__).resolve().parents[3]
GOOD = xlsx({"Student": [HEADER, ["ada@example.org", "Ada", "Lovelace", "", ""]]})


# What the children run (importable by name, as the child needs).


def allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * MB))


def abort() -> None:
    os.abort()


def segfault() -> None:
    ctypes.string_at(0)


def sleep_after_writing_pid(path: str, seconds: float) -> None:
    Path(path).write_text(str(os.getpid()))
    time.sleep(seconds)


def shout() -> str:
    print("a library printing to stdout")
    return "done"


def refuse() -> None:
    msg = "the sheet says no"
    raise UnreadableFile(msg)


class Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("cannot travel")
        self.callback = lambda: None


def raise_unpicklable() -> None:
    raise Unpicklable


# -- the runner ----------------------------------------------------------------------------------


def test_a_result_comes_back() -> None:
    assert confined.run(allocate, 10) == 10 * MB


def test_the_function_s_own_exception_is_raised_in_the_parent() -> None:
    with pytest.raises(UnreadableFile, match="the sheet says no"):
        confined.run(refuse)


def test_memory_past_the_ceiling_is_a_memory_failure() -> None:
    with pytest.raises(confined.Failed) as failed:
        confined.run(allocate, 400, memory_bytes=64 * MB)
    assert failed.value.reason == confined.MEMORY


def test_an_aborting_child_is_a_failure_not_the_end_of_this_process() -> None:
    with pytest.raises(confined.Failed) as failed:
        confined.run(abort)
    assert (failed.value.reason, failed.value.detail) == (confined.MEMORY, "SIGABRT")


def test_a_crashing_child_is_a_failure() -> None:
    with pytest.raises(confined.Failed) as failed:
        confined.run(segfault)
    assert (failed.value.reason, failed.value.detail) == (confined.CRASH, "SIGSEGV")


def test_a_child_past_the_time_ceiling_is_killed(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    started = time.monotonic()
    with pytest.raises(confined.Failed) as failed:
        confined.run(sleep_after_writing_pid, str(marker), 60, seconds=1.0)
    assert failed.value.reason == confined.TIME
    assert time.monotonic() - started < 10
    pid = int(marker.read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_what_the_child_prints_never_reaches_stdout() -> None:
    """A command's --json output is exactly one document, whatever a library prints."""
    script = (
        "from plugins.csv import confined; from tests.plugins.csv.test_confined import shout; "
        "print(confined.run(shout))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=REPO
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "done\n"
    assert "a library printing to stdout" in done.stderr


def test_an_exception_that_cannot_travel_is_a_crash() -> None:
    with pytest.raises(confined.Failed) as failed:
        confined.run(raise_unpicklable)
    assert failed.value.reason == confined.CRASH and "Unpicklable" in failed.value.detail


def test_a_third_upload_waits_for_a_turn_and_gives_up_politely() -> None:
    assert limits.PARALLEL_PARSES == 2
    with confined.turn(), confined.turn():
        with pytest.raises(confined.Failed) as failed, confined.turn(seconds=0.05):
            pass
        assert failed.value.reason == confined.BUSY
    with confined.turn():  # the turns were given back
        pass


def test_parses_run_side_by_side() -> None:
    results: list[int] = []

    def parse() -> None:
        with confined.turn():
            results.append(confined.run(allocate, 1))

    threads = [threading.Thread(target=parse) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert results == [MB] * 4


# -- the reader under the ceilings ---------------------------------------------------------------


def test_calamine_asking_for_512_gb_is_stopped_by_the_memory_ceiling() -> None:
    """Even with no measuring at all (a reader bug nobody has found yet), the file that took
    the whole process down is one clean failure in the child."""
    with pytest.raises(confined.Failed) as failed:
        confined.run(reader.parse, hostile.huge_extent_xlsx(), "xlsx", "x.xlsx", (2**31,) * 3)
    assert failed.value.reason == confined.MEMORY


def test_without_the_measuring_the_ceiling_still_refuses_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sniff, "measure", lambda *_, **__: [])
    monkeypatch.setattr(sniff, "bounds", lambda: (2**31, 2**31, 2**62))
    [error] = validate_file(hostile.huge_extent_xlsx(), filename="huge.xlsx").errors
    assert (error.sheet, error.row, error.column) == ("huge.xlsx", 0, None)
    assert "reading 'huge.xlsx' needed more than the 1,024 MB of memory" in error.message


def test_the_child_checks_what_it_built_before_building_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """.xls is never measured beforehand; anything else the measuring missed is caught too."""
    monkeypatch.setattr(sniff, "measure", lambda *_, **__: [])
    [error] = validate_file(hostile.far_cell_xlsx(), filename="far.xlsx").errors
    assert "sheet Student reaches row 1,048,576 / column C" in error.message


def test_the_time_ceiling_refuses_with_the_file_s_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "PARSE_SECONDS", 0.001)
    [error] = validate_file(GOOD, filename="slow.xlsx").errors
    assert "reading 'slow.xlsx' took longer than 0.001 s, so it was stopped" in error.message


def test_the_memory_ceiling_refuses_with_the_file_s_name(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [HEADER] + [[f"p{n}@example.org", f"F{n}", f"L{n}", "", ""] for n in range(20_000)]
    monkeypatch.setattr(limits, "PARSE_MEMORY_BYTES", 1 * MB)
    [error] = validate_file(xlsx({"Student": rows}), filename="greedy.xlsx").errors
    assert "reading 'greedy.xlsx' needed more than the 1 MB of memory" in error.message


def test_a_signal_name_is_reported_for_other_deaths() -> None:
    failure = confined._death(-signal.SIGTERM)
    assert (failure.reason, failure.detail) == (confined.CRASH, "SIGTERM")
