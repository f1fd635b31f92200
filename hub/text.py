"""The one rule for text the hub stores: no control characters other than tab, newline and
carriage return.

PostgreSQL refuses NUL in text (SQLite does not), and the other control characters are never
part of a real name, email or id: a value holding one came from a broken export or a hostile
request. Values are checked where they enter (API request models and parameters, provider
settings, provider records, spreadsheet cells) so both databases behave the same and nothing
is half-written; messages show the offending character escaped, never raw.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any

CONTROL = "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]"
"""A character class (regex) of the refused characters; pandas' ``str.contains`` takes it too."""
_CONTROL = re.compile(CONTROL)


def has_control(value: str) -> bool:
    # isprintable() is a C loop that is true for almost every real value; only the rest
    # (tabs, newlines, unusual spaces, control characters) need the regex.
    return not value.isprintable() and _CONTROL.search(value) is not None


def visible(value: str) -> str:
    """``value`` with every refused character written as ``\\xNN``: safe to store and show."""
    if _CONTROL.search(value) is None:
        return value
    return _CONTROL.sub(lambda match: f"\\x{ord(match.group()):02x}", value)


def control_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored, or None. Names the character and where it is."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    return f"contains the control character \\x{ord(found.group()):02x} (at character {found.start() + 1})"


def _plain(value: str) -> str:
    problem = control_problem(value)
    if problem:
        raise ValueError(problem)
    return value


if TYPE_CHECKING:
    from pydantic import AfterValidator

    PlainText = Annotated[str, AfterValidator(_plain)]
    """A request-model string field that refuses control characters (422 naming the field)."""


def __getattr__(name: str) -> Any:
    # ``PlainText`` is made on first use: the spreadsheet parse child uses the rule above but
    # never a request model, and need not import pydantic for it.
    if name == "PlainText":
        from pydantic import AfterValidator

        return Annotated[str, AfterValidator(_plain)]
    msg = f"module {__name__!r} has no attribute {name!r}"
    raise AttributeError(msg)
