"""The OneRoster 1.1 ``filter`` query parameter, as the sandbox server evaluates it.

Grammar (OneRoster 1.1 REST binding, section "Filtering")::

    filter    := predicate | predicate " AND " predicate | predicate " OR " predicate
    predicate := field op "'" value "'"
    op        := "=" | "!=" | ">" | ">=" | "<" | "<=" | "~"      (~ is "contains")

``field`` may name a sub-field of a reference or list (``orgs.sourcedId``); the predicate then
holds when it holds for any element. Date fields compare as instants, the rest as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

Predicate = Callable[[dict[str, Any]], bool]

_PREDICATE = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_.]*)\s*(>=|<=|!=|=|>|<|~)\s*'([^']*)'\s*$")
_LOGICAL = re.compile(r"\s+(AND|OR)\s+(?=(?:[^']*'[^']*')*[^']*$)")
DATE_FIELDS = frozenset({"dateLastModified", "birthDate", "startDate", "endDate"})


class FilterError(ValueError):
    """The filter cannot be parsed; the server answers 400 ``invalid_filter_field``."""


def parse_datetime(text: str) -> datetime:
    """OneRoster dates: ``2024-01-01T00:00:00Z``, with or without milliseconds or offset."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _values(record: Any, path: list[str]) -> list[Any]:
    if not path:
        return record if isinstance(record, list) else [record]
    if isinstance(record, list):
        return [v for element in record for v in _values(element, path)]
    if isinstance(record, dict) and path[0] in record:
        return _values(record[path[0]], path[1:])
    return []


def _compare(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return bool(left == right)
    if op == "!=":
        return bool(left != right)
    if op == ">":
        return bool(left > right)
    if op == ">=":
        return bool(left >= right)
    if op == "<":
        return bool(left < right)
    if op == "<=":
        return bool(left <= right)
    return str(right).lower() in str(left).lower()  # "~": contains


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _predicate(text: str) -> Predicate:
    match = _PREDICATE.match(text)
    if not match:
        msg = f"cannot parse filter predicate {text.strip()!r}: expected field<op>'value'"
        raise FilterError(msg)
    field, op, raw = match.groups()
    path = field.split(".")
    if path[-1] in DATE_FIELDS and op != "~":
        try:
            wanted: Any = parse_datetime(raw)
        except ValueError:
            msg = f"filter value {raw!r} for {field} is not a date-time"
            raise FilterError(msg) from None

        def test(record: dict[str, Any]) -> bool:
            for value in _values(record, path):
                try:
                    if _compare(op, parse_datetime(str(value)), wanted):
                        return True
                except ValueError:
                    continue
            return False

        return test

    def test_text(record: dict[str, Any]) -> bool:
        return any(_compare(op, _text(value), raw) for value in _values(record, path))

    return test_text


def parse_filter(text: str) -> Predicate:
    """A predicate over one record for a OneRoster filter expression."""
    parts = _LOGICAL.split(text.strip())
    if len(parts) == 1:
        return _predicate(parts[0])
    if len(parts) != 3:
        msg = "a OneRoster filter joins at most two predicates with one AND or OR"
        raise FilterError(msg)
    left, logical, right = _predicate(parts[0]), parts[1], _predicate(parts[2])
    if logical == "AND":
        return lambda record: left(record) and right(record)
    return lambda record: left(record) or right(record)
