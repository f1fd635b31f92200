"""What a run (or an upload) could not do as asked, one line per person: :class:`Issue`.

A leaf: the engine, the runs, the uploads and every surface use it without importing each
other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ISSUE_CAP = 1000
"""Issues kept per run; the rest are summarised in one final issue."""


@dataclass(frozen=True, slots=True)
class Issue:
    severity: str
    """``error`` (the person was not synced as asked) or ``warning``."""
    message: str
    external_id: str | None = None
    email: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "external_id": self.external_id,
            "email": self.email,
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class FileIssue:
    """A problem found in an uploaded file, located as a person finds it: sheet, row (the header
    is row 1; 0 for the file as a whole) and column (None for the whole row or file)."""

    sheet: str
    row: int
    column: str | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }
