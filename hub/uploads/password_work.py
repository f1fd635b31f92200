"""Argon2 work for one upload, each piece done once even when the plan is made twice.

Hashing (and checking whether a given password is the one already stored) runs in a thread pool
(argon2 releases the GIL, so every core works) *before* the write transaction, reporting its
progress as it goes. A dry run or a preview hashes nothing and generates nothing: it only checks
a given password against an existing account's stored hash, because that decides whether the
row counts as ``updated`` or ``unchanged``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

from hub.passwords import generate_password, hash_generated_password, hash_password, verify_password

PARALLEL_FROM = 4
"""Below this many jobs a thread pool costs more than it saves."""
PROGRESS_STEPS = 1000
"""Progress reports per run at most (every job of a small one)."""

Progress = Callable[[int], None]
"""Told how many password jobs are done so far."""


class Job(NamedTuple):
    """One person's password work: per person, so two people given the same password never
    share one salted hash."""

    email: str
    password: str
    current: str | None
    """The stored hash of an existing account (None for a new one)."""
    generated: bool
    """The hub made this password (random, about 59 bits): hashed with the lighter parameters
    of :func:`hub.passwords.hash_generated_password`."""


class Passwords:
    """``hashing`` False (dry runs, previews): no password is generated or hashed; a job only
    checks whether a given password differs from the stored one."""

    def __init__(self, *, hashing: bool) -> None:
        self.hashing = hashing
        self.generated: dict[str, str] = {}
        self.settled: dict[Job, str | None] = {}

    def generated_for(self, email: str) -> str:
        password = self.generated.get(email)
        if password is None:
            password = self.generated[email] = generate_password()
        return password

    def run(self, jobs: Iterable[Job], progress: Progress | None = None) -> None:
        todo = list(dict.fromkeys(job for job in jobs if job not in self.settled))
        if not todo:
            return
        if len(todo) < PARALLEL_FROM:
            for done, job in enumerate(todo, 1):
                self.settled[job] = self._settle(job)
                if progress:
                    progress(done)
            return
        step = max(1, len(todo) // PROGRESS_STEPS)
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
            for done, (job, result) in enumerate(
                zip(todo, pool.map(self._settle, todo), strict=True), 1
            ):
                self.settled[job] = result
                if progress and (done % step == 0 or done == len(todo)):
                    progress(done)

    def _settle(self, job: Job) -> str | None:
        """None when the stored hash already matches; otherwise the new hash ("" when not
        hashing)."""
        if job.current and _matches(job.password, job.current):
            return None
        if not self.hashing:
            return ""
        return (
            hash_generated_password(job.password) if job.generated else hash_password(job.password)
        )


def _matches(password: str, current: str) -> bool:
    try:
        return verify_password(password, current)
    except Exception:  # noqa: BLE001 - an unreadable stored hash simply does not match
        return False
