"""Every hook rosterhub calls. Plugins implement them with ``@hub.hookimpl``.

Built-in providers (``plugins/clever`` …) are loaded exactly like a third-party one: through the
``rosterhub`` entry-point group, e.g. in the plugin's ``pyproject.toml``::

    [project.entry-points.rosterhub]
    mysis = "rosterhub_mysis"

and in ``rosterhub_mysis/__init__.py``::

    from hub import hookimpl

    @hookimpl
    def rosterhub_register_providers():
        return [MySisProvider]

A module that is not installed as a distribution can be named in ``ROSTERHUB_EXTRA_PLUGINS``
(comma-separated import paths) instead. Every process (a CLI command, ``serve``, ``worker``)
builds its own plugin manager when it starts, imports every plugin module then, and checks that
each function marked ``@hookimpl`` names a hook below: a misspelt hook name stops start-up
(``unknown hook``) rather than being silently ignored. Keep a plugin module cheap to import
(load heavy client libraries on first use): most CLI commands import it.

The provider contract itself, and every rule a provider must know, is :mod:`hub.provider`;
``docs/plugins.md`` is the plugin author's guide. Besides providers, a plugin may listen for
runs that end (:func:`rosterhub_run_finished`): the Slack app's support-channel notices are
such a plugin (``bots.notify``), so the engine and the runs never import a chat bot; and it may
read uploaded accounts files (:func:`rosterhub_register_upload_formats`): the spreadsheet
plugin (``plugins/csv``) is the one that ships.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

from hub import PROJECT

if TYPE_CHECKING:
    from hub.config import Settings
    from hub.formats import UploadFormat
    from hub.provider import Provider
    from hub.schema import RunOutcome
    from hub.tables import Tables

hookspec = pluggy.HookspecMarker(PROJECT)


@hookspec
def rosterhub_register_providers() -> list[type[Provider]]:  # type: ignore[empty-body]
    """Return provider classes (subclasses of :class:`hub.provider.Provider`), not instances.

    Called once per process, with no arguments, when the provider registry is built from the
    plugin manager; the lists of every plugin that implements it are collected (no plugin's
    answer hides another's) and their order does not matter. Returning ``None`` or ``[]``
    registers nothing. Two different classes with the same ``name`` are a configuration error
    that stops start-up; the same class returned twice counts once. The hub instantiates a
    provider itself, once per run or check, so registering must not connect anywhere.
    """


@hookspec
def rosterhub_run_finished(outcome: RunOutcome, settings: Settings) -> None:
    """Told that a run has ended; return nothing.

    Called once for each run that reaches an end state (``succeeded``, ``failed``, ``held``,
    ``dry_run`` or ``superseded``), after that state is committed, in the process that ended
    it: the worker that executed it, the CLI that ran ``rosterhub sync``, the scheduler that
    found its worker dead, or whoever approved it; so every trigger (schedule, CLI, API, chat)
    is announced the same way. ``outcome`` is a :class:`hub.schema.RunOutcome`: the run as
    ``GET /api/v1/runs/{id}`` shows it, its provider and the schools its integration feeds;
    ``settings`` are the hub's. Every plugin that implements it is called; an implementation
    that raises is logged and the ones after it are skipped, and the run stays as it ended,
    so handle your own errors. It runs on the thread that ended the run: return promptly
    (bounded network timeouts) or hand the work to a thread of your own.
    """


@hookspec
def rosterhub_register_upload_formats() -> list[UploadFormat]:  # type: ignore[empty-body]
    """Return upload formats (objects with the :class:`hub.formats.UploadFormat` methods):
    readers of the accounts files people upload through ``rosterhub import``, the HTTP API, the
    console and chat.

    Called at most once per process, with no arguments, the first time an upload, a template
    or the demo's sample is needed (so a command that reads no file never imports a reader);
    the lists of every plugin are collected. Two formats with the same ``name`` are a
    configuration error. The hub's upload service (``hub.uploads``) owns everything after the
    read (planning, password hashing, applying, the record); a format only turns bytes into
    checked rows of people (:class:`hub.formats.UploadPerson`) and located problems
    (:class:`hub.issues.FileIssue`), never raising for a bad file, and parses untrusted bytes
    out of process under :mod:`hub.limits`. Returning ``None`` or ``[]`` registers nothing.
    """


@hookspec(firstresult=True)
def rosterhub_read_tables(content: bytes, filename: str) -> Tables | None:
    """Read a spreadsheet (.xlsx, .xls, .ods or .csv, decided by its bytes) into a
    :class:`hub.tables.Tables` of text rows; raise :class:`hub.tables.UnreadableTables` with
    a person's reason when it cannot be read.

    Called by services that import a spreadsheet of their own layout (the rooms import), with
    the whole file and the name it goes by in messages; the first plugin to answer wins
    (``firstresult``), so exactly one reader serves every import. The built-in reader
    (``plugins.csv``) reads under the same limits and in the same confined child process as
    account uploads; a replacement must keep those guarantees, since ``content`` is hostile
    until read.
    """
