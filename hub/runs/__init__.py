"""Runs: one sync of one integration, from request to its end state.

The database is the source of truth; a queue only carries run ids. The package is split along
its seams, each module one step of a run's life:

- :mod:`hub.runs.request`: :class:`RunRequest`, and the one place a run row is created;
- :mod:`hub.runs.submission`: the one way any trigger asks for a run (queue it, or execute here);
- :mod:`hub.runs.execution`: claim a queued run, plan it, let the safeguard decide;
- :mod:`hub.runs.ending`: the one way a run ends (applied, held, dry run) or fails;
- :mod:`hub.runs.approval`: apply a held run, or supersede it when its plan is out of date;
- :mod:`hub.runs.queries`: reading runs; :mod:`hub.runs.reaper`: dead workers, lost messages;
- :mod:`hub.runs.heartbeat`: the beat a running run writes (a leaf).

Surfaces (the CLI, the API, chat, the console) use the names below; the statuses are in
:mod:`hub.run_status`, a run's JSON shape in :mod:`hub.schema`.
"""

from __future__ import annotations

from hub.runs.approval import approve
from hub.runs.execution import execute, execute_run, settings_digest
from hub.runs.queries import (
    Waiting,
    get_run,
    get_runs,
    list_runs,
    run_json,
    run_out,
    run_outs,
    runs_json,
    waiting_runs,
)
from hub.runs.reaper import STOPPED_MESSAGE, reap_stale_runs, requeue_lost_runs
from hub.runs.request import TRIGGERS, RunRequest, request_run, request_scheduled
from hub.runs.submission import Submission, submit, wait_for

__all__ = [
    "STOPPED_MESSAGE",
    "TRIGGERS",
    "RunRequest",
    "Submission",
    "Waiting",
    "approve",
    "execute",
    "execute_run",
    "get_run",
    "get_runs",
    "list_runs",
    "reap_stale_runs",
    "request_run",
    "request_scheduled",
    "requeue_lost_runs",
    "run_json",
    "run_out",
    "run_outs",
    "runs_json",
    "settings_digest",
    "submit",
    "wait_for",
    "waiting_runs",
]
