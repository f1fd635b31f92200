"""A plan: what a run would change, with its counts and issues.

Plain data, so a held run can keep it (compressed JSON in ``Run.plan``) and apply it after
approval. Its rows are named tuples: a 500,000-person plan stays small, serializes as JSON
arrays, and each field still has a name. Every row that changes an existing row carries what
that row was expected to be (``expected_*``), which is how :mod:`hub.engine.stale` tells a
plan that is out of date.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from hub.issues import ISSUE_CAP, Issue
from hub.run_status import COUNT_KEYS


class NewAccount(NamedTuple):
    """A person new to the hub: an account and its membership at the school."""

    external_id: str
    email: str
    first_name: str
    last_name: str
    roles: str
    hash: str
    origin: str = ""


class Link(NamedTuple):
    """An existing account (another school's, say) gets a membership at this school."""

    account_id: int
    external_id: str
    roles: str
    hash: str
    origin: str = ""


class AccountUpdate(NamedTuple):
    """New names or a new email for an account this integration owns."""

    account_id: int
    email: str
    first_name: str
    last_name: str
    expected_email: str


class MembershipUpdate(NamedTuple):
    """A changed (or reactivated, or re-keyed) membership this integration owns."""

    membership_id: int
    account_id: int
    external_id: str
    roles: str
    hash: str
    status: str
    expected_hash: str | None
    expected_status: str
    origin: str | None = None
    """Where the roles come from (:func:`hub.roster.origin_text`); None: keep it."""


class PasswordRestore(NamedTuple):
    """Undoing an upload: an account's password hash as it was before (None: none)."""

    account_id: int
    password_hash: str | None


class Deactivation(NamedTuple):
    """An active membership the provider no longer returns (or returns inactive)."""

    membership_id: int
    expected_hash: str | None


@dataclass
class Plan:
    """What a run would change, with its counts and issues."""

    integration_id: str
    school_id: str
    source: str
    full: bool
    new_accounts: list[NewAccount] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    account_updates: list[AccountUpdate] = field(default_factory=list)
    membership_updates: list[MembershipUpdate] = field(default_factory=list)
    deactivations: list[Deactivation] = field(default_factory=list)
    password_restores: list[PasswordRestore] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNT_KEYS, 0))
    issues: list[Issue] = field(default_factory=list)
    dropped_issues: int = 0
    cursor: str | None = None
    cursor_before: str | None = None
    records: int = 0
    active_before: int = 0
    settings_digest: str | None = None
    """What the integration's settings were when planning (a held plan is out of date once
    they change); None for plans stored before it was recorded."""
    parts: list[Plan] = field(default_factory=list)
    """A district run's plan: one part per linked school (each a one-school plan; this plan's
    own rows stay empty, its counts are their sum, its issues the district-wide ones)."""

    @property
    def district(self) -> bool:
        return bool(self.parts)

    def school_counts(self) -> dict[str, dict[str, int]] | None:
        """A district run's counts per linked school (None for a one-school plan)."""
        if not self.parts:
            return None
        return {part.school_id: dict(part.counts) for part in self.parts}

    def total_counts(self) -> None:
        """Make a district plan's counts the sum of its schools' counts."""
        if self.parts:
            self.counts = {k: sum(part.counts[k] for part in self.parts) for k in COUNT_KEYS}

    @property
    def changes(self) -> int:
        if self.parts:
            return sum(part.changes for part in self.parts)
        return (
            len(self.new_accounts)
            + len(self.links)
            + len(self.membership_updates)
            + len(self.deactivations)
            + len(self.password_restores)
        )

    def add_issue(self, issue: Issue) -> None:
        """Keep the first ISSUE_CAP - 1 issues; the rest become one summary line."""
        if len(self.issues) < ISSUE_CAP - 1:
            self.issues.append(issue)
        else:
            self.dropped_issues += 1

    def all_issues(self) -> list[Issue]:
        issues = list(self.issues)
        dropped = self.dropped_issues
        for part in self.parts:
            issues.extend(part.issues)
            dropped += part.dropped_issues
        if len(issues) > ISSUE_CAP - 1:
            dropped += len(issues) - (ISSUE_CAP - 1)
            issues = issues[: ISSUE_CAP - 1]
        if not dropped:
            return issues
        return [*issues, Issue("warning", f"{dropped} more issues not shown")]

    def to_bytes(self) -> bytes:
        return zlib.compress(json.dumps(self._as_data(), separators=(",", ":")).encode("utf-8"), 6)

    def _as_data(self) -> dict[str, object]:
        return {
            "integration_id": self.integration_id,
            "school_id": self.school_id,
            "source": self.source,
            "full": self.full,
            "new_accounts": self.new_accounts,
            "links": self.links,
            "account_updates": self.account_updates,
            "membership_updates": self.membership_updates,
            "deactivations": self.deactivations,
            "password_restores": self.password_restores,
            "counts": self.counts,
            "issues": [i.as_dict() for i in self.issues],
            "dropped_issues": self.dropped_issues,
            "cursor": self.cursor,
            "cursor_before": self.cursor_before,
            "records": self.records,
            "active_before": self.active_before,
            "settings_digest": self.settings_digest,
            "parts": [part._as_data() for part in self.parts],
        }

    @classmethod
    def from_bytes(cls, blob: bytes) -> Plan:
        return cls._from_data(json.loads(zlib.decompress(blob)))

    @classmethod
    def _from_data(cls, data: dict[str, Any]) -> Plan:
        return cls(
            integration_id=data["integration_id"],
            school_id=data["school_id"],
            source=data["source"],
            full=data["full"],
            new_accounts=[NewAccount(*r) for r in data["new_accounts"]],
            links=[Link(*r) for r in data["links"]],
            account_updates=[AccountUpdate(*r) for r in data["account_updates"]],
            membership_updates=[MembershipUpdate(*r) for r in data["membership_updates"]],
            deactivations=[Deactivation(*r) for r in data["deactivations"]],
            password_restores=[PasswordRestore(*r) for r in data.get("password_restores", [])],
            counts={k: int(data["counts"].get(k, 0)) for k in COUNT_KEYS},
            issues=[Issue(**i) for i in data["issues"]],
            dropped_issues=data["dropped_issues"],
            cursor=data["cursor"],
            cursor_before=data["cursor_before"],
            records=data["records"],
            active_before=data["active_before"],
            settings_digest=data.get("settings_digest"),
            parts=[cls._from_data(part) for part in data.get("parts", ())],
        )
