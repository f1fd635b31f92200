"""Checking sandbox answers against a provider's schema restated from its published spec.

Each provider's ``spec_schema.py`` restates the spec as closed TypedDicts validated by pydantic
in strict mode: an unknown field, a wrong type, a value outside an enumeration or a null where
the spec does not allow one is a violation. :class:`Conformity` gathers the violations of every
answer a test walks, so one failing test lists each kind of violation once, with a count and
the first place it was seen.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, ConfigDict, TypeAdapter, ValidationError, with_config

T = TypeVar("T")

CLOSED = ConfigDict(extra="forbid", strict=True)
"""Objects restated from a spec take no field it does not define, and no loose types."""


def closed(cls: type[T]) -> type[T]:
    """``@closed`` on a TypedDict: extra fields and loose types are violations."""
    return with_config(CLOSED)(cls)  # type: ignore[no-any-return]


def pattern_check(regex: str, what: str) -> Callable[[str], str]:
    """An AfterValidator: the whole text must match ``regex`` (``what`` names the format)."""
    compiled = re.compile(regex)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            msg = f"not {what}"
            raise ValueError(msg)
        return value

    return check


def instant_check(regex: str, what: str) -> Callable[[str], str]:
    """An AfterValidator for UTC date-times: ``regex`` is the spec's form, and the date and
    time must exist."""
    form = pattern_check(regex, what)

    def check(value: str) -> str:
        datetime.strptime(form(value)[:19], "%Y-%m-%dT%H:%M:%S")
        return value

    return check


def _iso_date(value: str) -> str:
    datetime.strptime(value, "%Y-%m-%d")
    return value


IsoDate = Annotated[str, AfterValidator(_iso_date)]
"""A calendar date written YYYY-MM-DD."""


def one_of(allowed: frozenset[str], what: str) -> Callable[[str], str]:
    """An AfterValidator for enumerations too long for a Literal."""

    def check(value: str) -> str:
        if value not in allowed:
            msg = f"not one of the {what} the spec lists"
            raise ValueError(msg)
        return value

    return check


@dataclass
class _Seen:
    count: int
    first: str
    example: str


@dataclass
class Conformity:
    """Every violation found in the answers checked so far."""

    checked: int = 0
    seen: dict[str, _Seen] = field(default_factory=dict)

    def check(
        self, adapter: TypeAdapter[Any], body: Any, where: str, *, partial: bool = False
    ) -> None:
        """Validate one answer body; ``where`` says which request it answered. A ``partial``
        answer (one the client asked to trim to some fields) may leave out required fields."""
        self.checked += 1
        try:
            adapter.validate_python(body)
        except ValidationError as exc:
            for error in exc.errors():
                if partial and error["type"] == "missing":
                    continue
                self.note(_describe(error), where, example=error.get("input"))

    def note(self, violation: str, where: str, *, example: Any = None) -> None:
        """Record a violation (also one found by a test's own check of a status or header)."""
        known = self.seen.get(violation)
        if known is None:
            shown = repr(example)
            self.seen[violation] = _Seen(
                1, where, shown if len(shown) <= 60 else shown[:57] + "..."
            )
        else:
            known.count += 1

    def assert_clean(self) -> None:
        assert self.checked, "no answer was checked"
        if self.seen:
            lines = [
                f"- {violation} (got {seen.example}; {seen.count}x, first in {seen.first})"
                for violation, seen in sorted(self.seen.items())
            ]
            listed = "\n".join(lines)
            msg = f"{len(self.seen)} kind(s) of spec violation in {self.checked} answers:\n{listed}"
            raise AssertionError(msg)


def _describe(error: Mapping[str, Any]) -> str:
    """``data[*].data.roles.student.dob: Value error, not a M/D/YYYY date``: list positions
    become ``[*]`` so the same fault in many records is one kind."""
    loc = ".".join("*" if isinstance(part, int) else str(part) for part in error["loc"])
    loc = re.sub(r"\.\*", "[*]", loc)
    return f"{loc}: {error['msg']}"
