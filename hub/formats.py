"""The upload-format contract: what a plugin that reads accounts files gives the hub.

The upload service (:mod:`hub.uploads`) owns the lifecycle of an uploaded accounts file
(validate, plan, hash, apply, record). How a file's bytes become rows of people is a plugin's
business: the spreadsheet plugin (``plugins/csv``) registers an :class:`UploadFormat` through
the ``rosterhub_register_upload_formats`` hook, and the hub reaches it only through the registry
(:meth:`hub.plugins.Registry.upload_format`), never by name.

Rules a format must keep:

- :meth:`UploadFormat.validate` never raises for a bad file: every problem is a
  :class:`~hub.issues.FileIssue` in ``errors`` (sheet, row, column as a person sees them), and a
  file with any error is rejected whole by the service.
- Parsing untrusted bytes happens out of process, under memory and time ceilings
  (:mod:`hub.limits`): a hostile file may kill the parser, never the hub.
- :class:`UploadPerson.role` is one of :data:`hub.roster.ROLES`; the hub, not the format, decides
  what that role implies (an admin is also a teacher: :mod:`hub.roles`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

from hub.issues import FileIssue


class UploadPerson(NamedTuple):
    """One valid account row of a file: what the upload plan works from (a named tuple: a
    100,000-row file makes 100,000 of them, and ``UploadPerson._make`` is the cheap way)."""

    sheet: str
    """The sheet (or file, for a .csv) the row is on."""
    row: int
    """The row number a person sees (the header is row 1)."""
    email: str
    """Normalized (lower-case, trimmed)."""
    first_name: str
    """As given, trimmed."""
    last_name: str
    """As given, trimmed."""
    password: str
    """"" when blank: a new account then gets a generated one."""
    role: str
    """``student``, ``teacher`` or ``admin``: the role the row's sheet (or Role cell) names."""
    schools: tuple[str, ...]
    """Names of further schools (``Additional Schools``), already checked against ``schools``."""


class FileCheck(Protocol):
    """What :meth:`UploadFormat.validate` found in one file."""

    errors: list[FileIssue]
    """Every problem that rejects the file (any one rejects it whole)."""
    warnings: list[FileIssue]
    """What the person should know; never blocks."""

    @property
    def ok(self) -> bool:
        """True when there are no errors."""
        ...

    def persons(self) -> Sequence[UploadPerson]:
        """Every account row, in file order; only meaningful when :attr:`ok`."""
        ...


class UploadFormat(Protocol):
    """A kind of accounts file the hub accepts (registered by a plugin)."""

    name: str
    """A short id, e.g. ``spreadsheet``."""

    def validate(
        self, content: bytes, *, filename: str, schools: Iterable[str], only_these: bool
    ) -> FileCheck:
        """Read and check a file. ``schools``: the names an ``Additional Schools`` entry may
        name; ``only_these``: they are just the uploader's own, and naming any other school is
        one error that reads the same whether or not such a school exists."""
        ...

    def label(self, content: bytes, filename: str) -> str:
        """The file's name as an upload record and its messages show it."""
        ...

    def template(self) -> bytes:
        """The blank template people fill in."""
        ...

    def sample(self) -> tuple[str, bytes] | None:
        """A small filled-in example (name, bytes) for the demo, or None."""
        ...

    def read_ahead(self, content: bytes, filename: str) -> None:
        """Begin reading and checking a file whose :meth:`validate` comes later (a command
        that has still to open the database): the next ``validate`` of the same bytes and
        name takes the result, whatever schools it is then given."""
        ...


def sample_file(directory: Path, name: str) -> tuple[str, bytes] | None:
    """``(name, bytes)`` of a bundled file, or None when this installation lacks it."""
    path = directory / name
    return (path.name, path.read_bytes()) if path.is_file() else None
