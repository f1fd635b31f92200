"""Running a parse in a child process, under a memory and a time ceiling.

Spreadsheet readers are native code. A hostile file can make one allocate without bound, and
calamine then aborts the whole process (no Python exception is raised), so no ``try`` in the
server can catch it; a reader bug nobody has found yet may do the same. So every parse runs in
a child process under ``RLIMIT_AS`` (the memory ceiling) and ``RLIMIT_CPU``, and the parent waits
for it at most the time ceiling, then kills it. Whatever happens to the child, the caller gets
a result or :class:`Failed`; and all the memory the parse used goes back to the system when the
child exits, so the service is no bigger after a large upload than before it.

Children are forked from a forkserver that has the reader (pandas, calamine) imported already:
starting one costs a few milliseconds, not the second a fresh interpreter takes, and the
forkserver itself is a single-threaded process, safe to fork however many threads the service
runs. It starts on the first parse (or :func:`warm_up`) and ends with the process. A caller
whose parse needs nothing the process lacks may ask for ``fork_when_alone``: a process with a
single thread (a CLI command) then forks itself for the child, under the same ceilings, instead
of starting a forkserver and its imports for one parse (the rooms import).

A parse may also begin before everything it needs is known (:func:`begin`): a command that
still has to open its database to learn the school names starts reading the file at once, and
the child asks for the names (its ``asked()``) only when it reaches the rule that needs them;
the parent hands them over with :meth:`Answers.tell` when it has them.
"""

from __future__ import annotations

import atexit
import io
import logging
import multiprocessing
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from multiprocessing import forkserver, popen_forkserver, reduction, spawn, util
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext, ForkServerProcess
from typing import Any, Generic, TypeVar

from hub import limits

log = logging.getLogger(__name__)

T = TypeVar("T")

# What the forkserver imports once, so that every child starts with it loaded.
PRELOAD = ["plugins.csv.reader", "plugins.csv.validate"]
# After the result is in, how long a child may take to exit before it is killed.
EXIT_GRACE = 5.0

MEMORY = "memory"
TIME = "time"
CRASH = "crash"
BUSY = "busy"

_lock = threading.Lock()
_context: ForkServerContext | None = None
_slots: threading.BoundedSemaphore | None = None


class Failed(Exception):
    """The child gave no result: it ran out of memory (``MEMORY``) or time (``TIME``), died
    (``CRASH``), or could not start because every parse slot stayed taken (``BUSY``)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class Answers:
    """What the parent tells a child that asks (``run(..., answers=...)``): a two-way pipe
    made before the child, so the parent may tell before the child exists or asks."""

    def __init__(self) -> None:
        self.ours, self.theirs = multiprocessing.Pipe(duplex=True)
        self._lock = threading.Lock()  # a tell never meets the close of its descriptor

    def tell(self, value: Any) -> None:
        """The next thing the child's ``asked()`` returns. A child that ended without asking
        is not waiting for it, so a closed pipe is no error."""
        with self._lock:
            try:
                self.ours.send(value)
            except (OSError, ValueError):  # the child is gone, or its result is in and closed
                log.debug("parse child no longer listening")

    def close(self) -> None:
        with self._lock:
            self.ours.close()


class Begun(Generic[T]):
    """A confined call under way in a thread of this process (:func:`begin`)."""

    def __init__(self, future: Future[T], answers: Answers) -> None:
        self._future = future
        self.answers = answers

    def tell(self, value: Any) -> None:
        self.answers.tell(value)

    def result(self) -> T:
        """What the call returned; what it raised is raised here."""
        return self._future.result()


def begin(work: Callable[[Answers], T]) -> Begun[T]:
    """``work(answers)`` in a daemon thread, at once: ``work`` runs a confined call with
    ``answers`` (:func:`run`), whose child asks for what is not known yet. A process that
    ends without taking the result leaves nothing behind: the thread is a daemon and the
    child, whose pipe then closes, stops asking."""
    future: Future[T] = Future()
    answers = Answers()

    def main() -> None:
        try:
            future.set_result(work(answers))
        except BaseException as exc:  # noqa: BLE001 - handed to whoever takes the result
            future.set_exception(exc)

    threading.Thread(target=main, name="rosterhub-read-ahead", daemon=True).start()
    return Begun(future, answers)


_ending = threading.Event()
"""Set as this process exits: a child then ended by :mod:`multiprocessing` (it terminates
daemonic children at exit) is a read nobody took, not a failure worth a warning."""
# Registered after multiprocessing's own exit hook (imported above), so it runs first.
atexit.register(_ending.set)


def warm_up() -> None:
    """Start the forkserver if it is not running (it boots in the background; a check when it
    is), so that its start-up overlaps other work."""
    _get_context()
    forkserver.ensure_running()


def run(
    func: Callable[..., T],
    *args: Any,
    memory_bytes: int | None = None,
    seconds: float | None = None,
    fork_when_alone: bool = False,
    answers: Answers | None = None,
) -> T:
    """``func(*args)`` in a child process, under ``memory_bytes`` of further address space and
    ``seconds`` of wall clock (defaults: :data:`hub.limits.PARSE_MEMORY_BYTES` and
    :data:`hub.limits.PARSE_SECONDS`). An exception ``func`` raises is raised here; anything
    else that stops the child raises :class:`Failed`. ``func`` must be importable by name.
    Callers reading an upload take a :func:`turn` first. ``fork_when_alone``: see the module
    docstring (forking is safe only while the process has one thread). ``answers``: ``func``
    is called with ``asked=``, a callable returning the next value told through them."""
    memory = limits.PARSE_MEMORY_BYTES if memory_bytes is None else memory_bytes
    timeout = limits.PARSE_SECONDS if seconds is None else seconds
    deadline = time.monotonic() + timeout
    alone = fork_when_alone and threading.active_count() == 1
    return _run_child(
        func,
        args,
        memory=memory,
        timeout=timeout,
        deadline=deadline,
        fork_self=alone and answers is None,
        answers=answers,
    )


@contextmanager
def turn(seconds: float | None = None) -> Iterator[None]:
    """One of :data:`hub.limits.PARALLEL_PARSES` places for reading a file (measuring it and
    parsing it), so that uploads arriving together take turns instead of multiplying the
    memory ceiling. Waits at most the time ceiling, then raises :class:`Failed` (``BUSY``)."""
    slots = _get_slots()
    if not slots.acquire(timeout=limits.PARSE_SECONDS if seconds is None else seconds):
        raise Failed(BUSY)
    try:
        yield
    finally:
        slots.release()


def _run_child(
    func: Callable[..., T],
    args: tuple[Any, ...],
    *,
    memory: int,
    timeout: float,
    deadline: float,
    fork_self: bool = False,
    answers: Answers | None = None,
) -> T:
    if answers is None:
        receive, send = multiprocessing.Pipe(duplex=False)
    else:
        receive, send = answers.ours, answers.theirs
    close = receive.close if answers is None else answers.close
    kind: Any = multiprocessing.get_context("fork").Process if fork_self else _Child
    child = kind(
        target=_child_main,
        args=(send, func, args, memory, timeout, answers is not None),
        name="rosterhub-parse",
        daemon=True,
    )
    try:
        child.start()
    except OSError as exc:  # no forkserver, no memory for a process ...
        close()
        send.close()
        raise Failed(CRASH, f"the reader could not start ({type(exc).__name__})") from None
    send.close()  # the child holds the only writer: its death is an end of file here
    timed_out = False
    try:
        if not receive.poll(max(0.0, deadline - time.monotonic())):
            timed_out = True
            log.warning("parse child %s passed the %g s ceiling; killed", child.pid, timeout)
            raise Failed(TIME, f"{timeout:g} s")
        try:
            status, value = receive.recv()
        except (EOFError, OSError):
            child.join(EXIT_GRACE)
            raise _death(child.exitcode) from None
    finally:
        close()
        if not timed_out:
            child.join(EXIT_GRACE)
        if child.is_alive():
            child.kill()
        child.join()
        child.close()
    if status == "ok":
        return value
    if status == "raised":
        raise value
    if status == MEMORY:
        raise Failed(MEMORY, f"over {memory // limits.MB:,} MB")
    raise Failed(CRASH, str(value))


def _death(exitcode: int | None) -> Failed:
    """Why a child that sent nothing died: calamine aborts (SIGABRT) when an allocation fails,
    the kernel kills (SIGKILL) on out-of-memory and SIGXCPU marks the CPU ceiling."""
    if _ending.is_set():
        return Failed(CRASH, "ended with this process")
    if exitcode is not None and exitcode < 0:
        number = -exitcode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        log.warning("parse child died of %s", name)
        if number in (signal.SIGABRT, signal.SIGKILL):
            return Failed(MEMORY, name)
        if number == signal.SIGXCPU:
            return Failed(TIME, name)
        return Failed(CRASH, name)
    log.warning("parse child exited with %s before answering", exitcode)
    return Failed(CRASH, f"exit code {exitcode}")


class _Popen(popen_forkserver.Popen):
    """The standard library's forkserver launch (Python 3.11-3.13), less one step: the child
    does not run the parent's ``__main__`` again. For ``rosterhub`` that script imports the
    whole CLI (1.5 s) in every child, and an unguarded script would start a parse in a parse."""

    def _launch(self, process_obj: Any) -> None:
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_name", None)
        prep_data.pop("init_main_from_path", None)
        buf = io.BytesIO()
        multiprocessing.context.set_spawning_popen(self)
        try:
            reduction.dump(prep_data, buf)
            reduction.dump(process_obj, buf)
        finally:
            multiprocessing.context.set_spawning_popen(None)
        fds: list[int] = self._fds  # type: ignore[attr-defined]
        self.sentinel, w = forkserver.connect_to_new_process(fds)
        parent_w = os.dup(w)  # the child's sign that this process is alive
        close_fds = util.close_fds  # type: ignore[attr-defined]
        self.finalizer = util.Finalize(self, close_fds, (parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as stream:
            stream.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Child(ForkServerProcess):
    @staticmethod
    def _Popen(process_obj: Any) -> _Popen:
        _get_context()
        return _Popen(process_obj)


def _get_context() -> ForkServerContext:
    global _context
    with _lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(PRELOAD)
            _context = context
        return _context


def _get_slots() -> threading.BoundedSemaphore:
    global _slots
    with _lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(limits.PARALLEL_PARSES)
        return _slots


# -- in the child ----------------------------------------------------------------------------------


def _child_main(
    conn: Connection,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    memory: int,
    seconds: float,
    asking: bool = False,
) -> None:
    os.dup2(2, 1)  # nothing a library prints may reach a command's --json output
    _ceilings(memory, seconds)
    try:
        try:
            value = func(*args, asked=conn.recv) if asking else func(*args)
            conn.send(("ok", value))
        except MemoryError:
            conn.send((MEMORY, None))
        except Exception as exc:  # noqa: BLE001 - the parent decides what it means
            _send_exception(conn, exc)
        except BaseException as exc:  # noqa: BLE001 - a Rust panic is a BaseException
            conn.send((CRASH, _described(exc)))
    except MemoryError:
        conn.send((MEMORY, None))
    except OSError:  # the parent is gone (it ended without taking the result): nobody to tell
        pass
    finally:
        conn.close()


def _send_exception(conn: Connection, exc: Exception) -> None:
    try:
        conn.send(("raised", exc))
    except Exception:  # noqa: BLE001 - an exception that does not pickle
        conn.send((CRASH, _described(exc)))


def _described(exc: BaseException) -> str:
    """The exception's type for the parent (and the person); its text for the operator's log
    (the child's stderr), since it may quote the file."""
    print(f"parse child: {type(exc).__name__}: {str(exc)[:500]}", file=sys.stderr)
    return type(exc).__name__


def _ceilings(memory: int, seconds: float) -> None:
    """The address space this child has mapped, plus ``memory``; CPU seconds a little past
    the wall-clock ceiling, so a child whose parent is gone cannot run on."""
    mapped = _address_space()
    resource.setrlimit(resource.RLIMIT_AS, (mapped + memory, mapped + memory))
    cpu = int(seconds) + 2
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))


def _address_space() -> int:
    with open("/proc/self/statm", encoding="ascii") as statm:
        pages = int(statm.read().split()[0])
    return pages * resource.getpagesize()
