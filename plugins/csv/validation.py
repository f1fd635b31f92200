"""What checking an accounts file found, and the one way the hub's process asks for it.

Reading and checking both run in the confined parse child (:mod:`plugins.csv.confined`): the
child has the reader and the rules (pandas) loaded already, so the process that receives an
upload never imports pandas at all, and what comes back is only the verdict: the errors, the
warnings and the valid rows as plain columns (:class:`Validation`), pickled compactly. This
module loads no spreadsheet library; the rules are :mod:`plugins.csv.validate`.

A command that has yet to open its database may :func:`read_ahead`: the child reads the file
and applies every rule at once, and waits for the school names (which only the database knows)
only if a row names Additional Schools; :func:`validate_file` of the same bytes then hands the
names over and takes the verdict.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from hub import limits
from hub.formats import UploadPerson
from hub.issues import FileIssue
from plugins.csv.confined import Begun
from plugins.csv.sniff import (
    Bounds,
    UnreadableFile,
    begin_confined,
    load_source,
    parse_confined,
    source_name,
)

# Listing 50,000 identical mistakes helps nobody; the first ones show the pattern.
MAX_LISTED = 1000

RULES = "plugins.csv.validate"
"""The rules (pandas), loaded in the parse child only (the forkserver preloads them)."""

PEOPLE_COLUMNS = (
    "sheet",
    "row",
    "email",
    "first_name",
    "last_name",
    "password",
    "role",
    "schools",
)
"""The columns of :attr:`Validation.people`, in :class:`~hub.formats.UploadPerson` order."""

_TEXT_COLUMNS = frozenset({"sheet", "email", "first_name", "last_name", "password", "role"})
# Text columns cross the process boundary as one joined string each, not 100,000 small ones
# (about ten times faster both ways); a column holding the separator goes as it is.
JOIN = "\x00"


class People:
    """The account rows of a file as columns (:data:`PEOPLE_COLUMNS`); ``len`` is the number
    of rows. Text columns cross the process boundary as one joined string each."""

    __slots__ = ("columns",)

    def __init__(self, columns: Sequence[list[Any]] | None = None) -> None:
        self.columns: list[list[Any]] = (
            list(columns) if columns is not None else [[] for _ in PEOPLE_COLUMNS]
        )
        if len(self.columns) != len(PEOPLE_COLUMNS):
            msg = f"expected {len(PEOPLE_COLUMNS)} columns, got {len(self.columns)}"
            raise ValueError(msg)

    def __len__(self) -> int:
        return len(self.columns[0])

    def __repr__(self) -> str:
        return f"People({len(self):,} rows)"

    def __reduce__(self) -> tuple[Any, ...]:
        packed = [
            joined(values) if name in _TEXT_COLUMNS else values
            for name, values in zip(PEOPLE_COLUMNS, self.columns, strict=True)
        ]
        return (_unpickle_people, (len(self), packed))


@dataclass
class Validation:
    """What validation found. ``people`` holds the account rows (:class:`People`: ``email``
    lower-cased, ``password`` "" when blank, ``role`` the role the row's sheet or Role cell
    names, ``schools`` a tuple of further school names); only meaningful when there are no
    errors. ``rows``: how many account rows the file has."""

    people: People = field(default_factory=People)
    errors: list[FileIssue] = field(default_factory=list)
    warnings: list[FileIssue] = field(default_factory=list)
    kind: str | None = None
    rows: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def persons(self) -> list[UploadPerson]:
        # tuple.__new__ straight from each zipped row: no Python-level call per person.
        make = partial(tuple.__new__, UploadPerson)
        return list(map(make, zip(*self.people.columns, strict=True)))


def joined(values: list[Any]) -> str | list[Any]:
    """The values as one string, or as they are when one of them is not text or holds the
    separator."""
    try:
        text = JOIN.join(values)
    except TypeError:
        return values
    return text if text.count(JOIN) == max(len(values) - 1, 0) else values


def _unpickle_people(count: int, packed: list[str | list[Any]]) -> People:
    return People(
        [
            (values.split(JOIN) if count else []) if isinstance(values, str) else values
            for values in packed
        ]
    )


Scope = tuple[tuple[str, ...] | None, bool]
"""What the Additional Schools rule needs: the school names (None: not checked) and whether they
are only the uploader's own (``only_these``)."""
UNCHECKED: Scope = (None, False)


class _Ahead(NamedTuple):
    content: bytes
    label: str
    begun: Begun[Validation]


_ahead: _Ahead | None = None


def read_ahead(content: bytes, *, filename: str) -> None:
    """Begin reading and checking ``content`` now, before the schools it may name are known;
    the next :func:`validate_file` of the same bytes and name takes the result (any other
    file is read as usual). One file at a time: for a command, not a server."""
    global _ahead
    if _ahead is not None:  # one nobody took: let it end without the names
        _ahead.begun.tell(UNCHECKED)
    label = source_name(content, filename)
    check = partial(_in_child, scope=None, max_rows=limits.MAX_ROWS, max_listed=MAX_LISTED)
    _ahead = _Ahead(content, label, begin_confined(check, content, filename=label))


def _taken(content: bytes, label: str) -> Begun[Validation] | None:
    global _ahead
    ahead, _ahead = _ahead, None
    if ahead is None:
        return None
    if ahead.label != label or ahead.content != content:
        ahead.begun.tell(UNCHECKED)  # not this file: let that read end without the names
        return None
    return ahead.begun


def validate_file(
    source: str | Path | bytes,
    *,
    filename: str | None = None,
    schools: Iterable[str] | None = None,
    only_these: bool = False,
) -> Validation:
    """Read and validate an accounts file (path or bytes), both in the parse child.

    ``schools``: the names of the schools that exist; ``Additional Schools`` entries are
    resolved against them (exact name first, then ignoring case). None skips that check.
    ``only_these``: ``schools`` are just the schools the uploader may add accounts to (a school
    admin's own), and naming any other is one error that reads the same whether or not such a
    school exists.
    """
    label = source_name(source, filename)
    scope: Scope = (None if schools is None else tuple(schools), only_these)
    try:
        content = load_source(source)
        ahead = _taken(content, label)
        if ahead is not None:
            ahead.tell(scope)
            return ahead.result()
        check = partial(_in_child, scope=scope, max_rows=limits.MAX_ROWS, max_listed=MAX_LISTED)
        return parse_confined(check, content, filename=label)
    except UnreadableFile as exc:
        return Validation(errors=[FileIssue(label, 0, None, str(exc))])


def _in_child(
    content: bytes,
    kind: str,
    filename: str,
    bounds: Bounds,
    *,
    scope: Scope | None,
    max_rows: int,
    max_listed: int,
    asked: Callable[[], Scope] | None = None,
) -> Validation:
    """Read and check the file: runs in the parse child, where the rules are loaded already
    (named, not imported, here: this process must never load them). ``scope`` None: the
    parent tells it later, and the rules ask for it (``asked``) only if they need it."""
    rules = importlib.import_module(RULES)
    known = scope  # a name the lambda can close over as a Scope
    return rules.read_and_validate(
        content,
        kind,
        filename,
        bounds,
        scope=asked if known is None else (lambda: known),
        max_rows=max_rows,
        max_listed=max_listed,
    )
